// chart.js: the icicle and the flame graph on a canvas, the layout both
// share with the sunburst (sunburst.js), hit-testing, and what the
// chart shows for a search and for the box that has the keyboard focus.
hpp.Chart = (app) => {
  const { model, format, colours, state } = app;
  const canvas = app.$('chart'), box = app.$('chartbox'), ctx = canvas.getContext('2d');
  // drawn[i] is the node of the i-th box drawn; app.hooks.boxes[i] what a
  // test sees of it (preorder, with depths).
  let drawn = [], rowHeight = 18;
  const chart = { drawn: () => drawn, matched: [], matchedShare: 0 };

  const resize = (minHeight) => {
    const dpr = window.devicePixelRatio || 1;
    const w = box.clientWidth, h = Math.max(box.clientHeight, minHeight);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + 'px';
      canvas.style.height = h + 'px';
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { w, h };
  };

  // fit shortens text with an ellipsis to max pixels, or gives ''.
  const fit = (text, max) => {
    if (ctx.measureText(text).width <= max) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + '\u2026').width <= max) lo = mid; else hi = mid - 1;
    }
    return lo < 2 ? '' : text.slice(0, lo) + '\u2026';
  };

  const labelOf = (nd) => format.boxName(nd.func) + ' ' + format.duration(nd.value);

  // record keeps what was drawn, for hit-testing, keyboard moves and tests.
  const record = (nd, geo, top) => {
    drawn.push(nd);
    const f = nd.func;
    geo.name = format.name(f);
    geo.file = f >= 0 ? format.file(f) : '';
    geo.line = f >= 0 ? model.lineOf[f] : 0;
    geo.func = f;
    geo.value = nd.value;
    geo.depth = nd.depth - top.depth;
    app.hooks.boxes.push(geo);
  };

  // layout walks the boxes to draw under top in preorder: children of at
  // least the cut-off, down to the depth limit, and at least minSize
  // units of the chart wide. It notes which boxes match the search and
  // the share of the top box they cover (nested matches counted once).
  const layout = (top, unitsPerValue, minSize, place, maxDepth = state.depth) => {
    const min = state.cutoff * top.value;
    const stack = [top], offsets = [0], inside = [false];
    let matchedValue = 0;
    chart.matched = [];
    while (stack.length) {
      const nd = stack.pop(), at = offsets.pop(), underMatch = inside.pop();
      const depth = nd.depth - top.depth;
      const hit = app.query !== '' && nd.func >= 0 && app.matches(nd.func);
      if (hit) {
        chart.matched.push(nd);
        if (!underMatch) matchedValue += nd.value;
      }
      place(nd, at, depth, hit);
      if (depth >= maxDepth) continue;
      const kids = model.childrenOf(nd), pending = [];
      let next = at;
      for (const k of kids) {
        if (k.value < min || k.value * unitsPerValue < minSize || k.value <= 0) continue;
        pending.push([k, next]);
        next += k.value * unitsPerValue;
      }
      for (let j = pending.length - 1; j >= 0; j--) {
        stack.push(pending[j][0]); offsets.push(pending[j][1]); inside.push(underMatch || hit);
      }
    }
    chart.matchedShare = top.value > 0 ? matchedValue / top.value : 0;
  };

  const outline = (x, y, w, h, style, width, dash) => {
    ctx.save();
    if (dash) ctx.setLineDash(dash);
    ctx.strokeStyle = style;
    ctx.lineWidth = width;
    ctx.strokeRect(x + width / 2, y + width / 2, Math.max(w - width - 0.5, 0.5), h - width);
    ctx.restore();
  };

  // drawRows lays out an icicle (top down) or a flame graph (bottom up).
  // Rows share the window's height among the levels, between 18 and 36
  // pixels; rows of 30 pixels or more get a second line of text.
  const drawRows = (top, flame) => {
    rowHeight = Math.max(18, Math.min(36, Math.floor((box.clientHeight - 4) / (state.depth + 1))));
    const size = resize((state.depth + 1) * rowHeight + 4);
    const rh = rowHeight, twoLines = rh >= 30;
    ctx.clearRect(0, 0, size.w, size.h);
    ctx.font = '12px system-ui, sans-serif';
    const scale = size.w / (top.value || 1);
    const bottom = flame ? size.h - rh - 2 : 0;
    const searching = app.query !== '';
    layout(top, scale, state.cutoff > 0 ? 0 : 0.3, (nd, x, depth, hit) => {
      const w = nd.value * scale, y = flame ? bottom - depth * rh : depth * rh;
      const colour = colours.ofBox(nd);
      ctx.globalAlpha = searching && !hit ? 0.35 : 1;
      ctx.fillStyle = colour;
      ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), rh - 1);
      if (state.colourBy === 'state' && nd.states && nd.value > 0 && w >= 3) {
        // The box split by thread state, left to right in the legend's
        // order: how much of its time held the GIL, ran without it,
        // waited for it, slept.
        let at = x;
        for (let k = 0; k < nd.states.length; k++) {
          const part = (w - 0.5) * nd.states[k] / nd.value;
          if (part <= 0) continue;
          ctx.fillStyle = colours.stateColours[k];
          ctx.fillRect(at, y, part, rh - 1);
          at += part;
        }
      }
      const label = labelOf(nd);
      if (w >= 24) {
        ctx.fillStyle = '#111';
        if (twoLines) {
          const first = fit(format.boxName(nd.func), w - 6);
          if (first) {
            ctx.fillText(first, x + 3, y + 13);
            const second = fit(format.duration(nd.value) + (nd.func >= 0 ? '  ' + format.percent(nd.value, app.total()) : ''), w - 6);
            if (second) ctx.fillText(second, x + 3, y + 27);
          }
        } else {
          const text = fit(label, w - 6);
          if (text) ctx.fillText(text, x + 3, y + 13);
        }
      }
      ctx.globalAlpha = 1;
      if (model.isCycleEntry(nd) && w >= 3) outline(x, y, w, rh - 1, '#333', 1, [4, 3]);
      if (hit && w >= 2) outline(x, y, w, rh - 1, '#1d2330', 2);
      if (nd === state.focus) outline(x, y, w, rh - 1, '#0b57d0', 3);
      record(nd, { x, y, width: w, height: rh - 1, label, colour, match: hit }, top);
    });
  };

  chart.draw = () => {
    app.hooks.boxes = [];
    drawn = [];
    const top = app.chartTop();
    if (state.view === 'sunburst') app.sunburst.draw(top, { resize, ctx, fit, record, layout, labelOf, outline });
    else drawRows(top, state.view === 'flame');
    if (state.view === 'flame') box.scrollTop = box.scrollHeight; // the root is at the bottom
  };

  chart.hit = (ev) => {
    const r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    const boxes = app.hooks.boxes;
    if (state.view === 'sunburst') return app.sunburst.hit(x - r.width / 2, y - r.height / 2, boxes, drawn);
    for (let j = boxes.length - 1; j >= 0; j--) {
      const b = boxes[j];
      if (x >= b.x && x < b.x + Math.max(b.width, 1) && y >= b.y && y < b.y + rowHeight) return drawn[j];
    }
    return null;
  };

  // boxPoint is a point inside a drawn node, in client coordinates.
  chart.boxPoint = (nd) => {
    const j = drawn.indexOf(nd);
    if (j < 0) return null;
    const b = app.hooks.boxes[j], r = canvas.getBoundingClientRect();
    return b.width ? { x: r.left + b.x + Math.min(b.width / 2, 40), y: r.top + b.y + b.height } : { x: r.left + b.x, y: r.top + b.y };
  };

  // move is where an arrow key goes from the focused box: to its parent,
  // its first drawn child, or the drawn box before or after it at the
  // same level.
  chart.move = (key) => {
    const top = app.chartTop();
    let at = drawn.indexOf(state.focus);
    if (at < 0) return top;
    const nd = drawn[at];
    let dir = key;
    if (state.view === 'flame') dir = { ArrowUp: 'ArrowDown', ArrowDown: 'ArrowUp' }[key] || key;
    if (dir === 'ArrowUp') return nd === top ? nd : nd.parent;
    if (dir === 'ArrowDown') {
      const next = drawn[at + 1];
      return next && next.parent === nd ? next : nd;
    }
    const step = dir === 'ArrowRight' ? 1 : -1;
    for (let j = at + step; j >= 0 && j < drawn.length; j += step) if (drawn[j].depth === nd.depth) return drawn[j];
    return nd;
  };

  canvas.addEventListener('click', (ev) => {
    const nd = chart.hit(ev);
    if (nd) app.zoomTo(nd);
  });
  canvas.addEventListener('mousemove', (ev) => {
    const nd = chart.hit(ev);
    if (nd) app.showTip(nd, ev.clientX, ev.clientY); else app.hideTip();
  });
  canvas.addEventListener('mouseleave', () => app.hideTip());
  return chart;
};
