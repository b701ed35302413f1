// sunburst.js: the tree as rings around the top box. At most eight rings
// are drawn (the depth control can lower it), so that each ring is wide
// enough to read; labels run along the ring or across it, whichever has
// room.
hpp.Sunburst = (app) => {
  const { format, colours, state, model } = app;
  const maxRings = 8;
  let centre = { x: 0, y: 0 };
  const draw = (top, kit) => {
    const { resize, ctx, fit, record, layout, labelOf } = kit;
    const size = resize(0);
    ctx.clearRect(0, 0, size.w, size.h);
    const cx = size.w / 2, cy = size.h / 2, radius = Math.max(40, Math.min(size.w, size.h) / 2 - 4);
    centre = { x: cx, y: cy };
    const perValue = 2 * Math.PI / (top.value || 1);
    const rings = Math.min(state.depth, maxRings);
    // Lay out first, so that the rings share the radius among the levels
    // actually drawn.
    const laid = [];
    let deepest = 0;
    layout(top, perValue, 0.3 / radius, (nd, a0, depth, hit) => {
      laid.push({ nd, a0, depth, hit });
      if (depth > deepest) deepest = depth;
    }, rings);
    const ring = Math.max(8, radius / (deepest + 1));
    const searching = app.query !== '';
    ctx.font = '12px system-ui, sans-serif';
    ctx.lineWidth = 0.5;
    ctx.strokeStyle = '#fff';
    for (const { nd, a0, depth, hit } of laid) {
      const a1 = a0 + nd.value * perValue, r0 = depth === 0 ? 0 : depth * ring, r1 = (depth + 1) * ring;
      ctx.beginPath();
      if (depth === 0) {
        ctx.arc(cx, cy, r1, 0, 2 * Math.PI);
      } else {
        ctx.arc(cx, cy, r1, a0, a1);
        ctx.arc(cx, cy, r0, a1, a0, true);
        ctx.closePath();
      }
      const colour = colours.ofBox(nd);
      ctx.globalAlpha = searching && !hit ? 0.35 : 1;
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.globalAlpha = 1;
      if (a1 - a0 > 0.02) ctx.stroke();
      if (hit || nd === state.focus || model.isCycleEntry(nd)) {
        ctx.save();
        ctx.strokeStyle = nd === state.focus ? '#0b57d0' : hit ? '#1d2330' : '#333';
        ctx.lineWidth = nd === state.focus ? 3 : hit ? 2 : 1;
        if (!hit && nd !== state.focus) ctx.setLineDash([4, 3]);
        ctx.stroke();
        ctx.restore();
      }
      const mid = (a0 + a1) / 2, rm = depth === 0 ? 0 : (r0 + r1) / 2;
      if (depth > 0 && (a1 - a0) * rm >= 13 && ring >= 14) {
        // Along the arc a straight label must stay inside the ring: its
        // outer edge, at rm + 6, may reach out to r1 on each side.
        const chord = 2 * Math.sqrt(Math.max(0, r1 * r1 - (rm + 6) * (rm + 6)));
        const along = Math.min((a1 - a0) * rm, chord) - 8, across = ring - 6, tangent = along > across;
        const text = fit(labelOf(nd), tangent ? along : across);
        if (text) {
          ctx.save();
          ctx.translate(cx + rm * Math.cos(mid), cy + rm * Math.sin(mid));
          let rot = tangent ? mid + Math.PI / 2 : mid;
          rot = ((rot % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
          if (rot > Math.PI / 2 && rot < 3 * Math.PI / 2) rot += Math.PI; // keep text upright
          ctx.rotate(rot);
          ctx.fillStyle = '#111';
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(text, 0, 0);
          ctx.restore();
        }
      }
      record(nd, { a0, a1, r0, r1, x: cx + rm * Math.cos(mid), y: cy + rm * Math.sin(mid), w: 0, h: 0, c: colour,
        label: labelOf(nd), match: hit }, top);
    }
    ctx.fillStyle = '#111';
    ctx.font = '600 13px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(fit(format.boxName(top.func), 2 * ring - 8), cx, cy - 2);
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(format.duration(top.value), cx, cy + 14);
    ctx.textAlign = 'start';
  };
  // hit finds the box at (dx, dy) from the centre.
  const hit = (dx, dy, boxes, drawn) => {
    const rr = Math.sqrt(dx * dx + dy * dy);
    let a = Math.atan2(dy, dx);
    if (a < 0) a += 2 * Math.PI;
    for (let j = boxes.length - 1; j >= 0; j--) {
      const b = boxes[j];
      if (rr >= b.r0 && rr < b.r1 && (b.depth === 0 || (a >= b.a0 && a < b.a1))) return drawn[j];
    }
    return null;
  };
  return { draw, hit, centre: () => centre };
};
