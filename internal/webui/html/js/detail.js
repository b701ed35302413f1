// detail.js: the panel beside the chart: a function's numbers, what it
// calls and what calls it, with the numbers of each edge.
hpp.Detail = (app) => {
  const { model, format } = app;
  const el = app.$('detail');
  const hint = () => {
    el.textContent = '';
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = 'Click a box or a table row (or move to one with the arrow keys and press Enter) to see a function\u2019s ' +
      (model.sampled ? 'samples line by line in its source.' : 'callers and callees, and its source.');
    el.appendChild(p);
  };
  const edgeTable = (title, edges, other) => {
    const h = document.createElement('h4');
    h.textContent = title;
    el.appendChild(h);
    if (!edges.length) return;
    edges.sort((a, b) => model.weight[b] - model.weight[a]);
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const c of ['calls', 'own', 'cumulative', 'function']) {
      const th = document.createElement('th');
      th.textContent = c;
      th.scope = 'col';
      head.appendChild(th);
    }
    const tbody = table.createTBody();
    for (const e of edges.slice(0, 300)) {
      const row = tbody.insertRow(), g = other(e);
      let cell = row.insertCell();
      cell.className = 'num';
      cell.textContent = model.edgePC[e] !== model.edgeNC[e] ? model.edgeNC[e] + '/' + model.edgePC[e] : String(model.edgeNC[e]);
      cell = row.insertCell(); cell.className = 'num';
      cell.textContent = model.edgeCountOnly[e] ? '-' : format.duration(model.edgeTT[e]);
      cell.title = model.edgeCountOnly[e] ? 'not recorded (profile module)' : format.seconds(model.edgeTT[e]) + ' s';
      cell = row.insertCell(); cell.className = 'num';
      cell.textContent = (model.edgeCountOnly[e] ? '~' : '') + format.duration(model.weight[e]);
      cell.title = format.seconds(model.weight[e]) + ' s' + (model.edgeCountOnly[e] ? ', apportioned by call counts' : '');
      cell = row.insertCell(); cell.className = 'fn';
      const link = document.createElement('button');
      link.className = 'link';
      link.textContent = format.boxName(g);
      link.title = format.stdName(g);
      link.addEventListener('click', () => app.selectFunc(g));
      cell.appendChild(link);
    }
    el.appendChild(table);
    if (edges.length > 300) {
      const more = document.createElement('div');
      more.className = 'hint';
      more.textContent = (edges.length - 300) + ' more';
      el.appendChild(more);
    }
  };
  const show = (f) => {
    el.textContent = '';
    el.classList.remove('wide');
    app.hooks.source = null;
    shown++;
    if (f < 0) { hint(); return; }
    const h = document.createElement('h3');
    h.textContent = model.names[f];
    h.title = model.names[f];
    el.appendChild(h);
    const where = document.createElement('div');
    where.className = 'where';
    // The box cuts long paths on the left (direction: rtl); a left-to-
    // right mark keeps a path's leading / at its start.
    where.textContent = '\u200e' + format.where(f);
    where.title = format.stdName(f);
    el.appendChild(where);
    if (model.sampled) { showSampled(f); return; }
    const p = document.createElement('p');
    const calls = model.nc[f] !== model.pc[f] ? model.nc[f] + ' calls (' + model.pc[f] + ' not recursive)' : model.nc[f] + (model.nc[f] === 1 ? ' call' : ' calls');
    p.textContent = calls + '; ' + format.duration(model.tt[f]) + ' in itself (' + format.percent(model.tt[f], model.total) + ' of the total), ' +
      format.duration(model.ct[f]) + ' with what it called (' + format.percent(model.ct[f], model.total) + ').';
    if (model.base) {
      p.textContent += ' Base: ' + format.duration(model.base.tt[f]) + ' in itself, ' + format.duration(model.base.ct[f]) + ' with what it called.';
    }
    if (model.cycleOf(f)) p.textContent += ' On a recursive cycle of ' + model.cycleOf(f) + ' functions: times inside are estimated.';
    if (model.disagree.includes(f)) p.textContent += ' cProfile\u2019s own numbers for it do not add up; the tree follows its edges.';
    el.appendChild(p);
    const actions = document.createElement('div');
    actions.className = 'actions';
    for (const [label, act] of [['Make root', () => app.makeRoot(f)], ['Show callers', () => app.showCallers(f)]]) {
      const b = document.createElement('button');
      b.textContent = label;
      b.addEventListener('click', act);
      actions.appendChild(b);
    }
    el.appendChild(actions);
    const callers = [], callees = [];
    if (f < model.listed) for (let e = model.callerOff[f]; e < model.callerOff[f + 1]; e++) callers.push(e);
    for (let j = model.calleeOff[f]; j < model.calleeOff[f + 1]; j++) callees.push(model.calleeEdge[j]);
    edgeTable('Called by (' + callers.length + ')', callers, (e) => model.edgeCaller[e]);
    edgeTable('Calls (' + callees.length + ')', callees, (e) => model.edgeCallee[e]);
    source(f, null);
  };
  // showSampled is the panel of a sampled profile's function: its kept
  // samples, how its own samples split by thread state, and its source
  // with each line's samples.
  const showSampled = (f) => {
    const set = model.sampled, all = model.total, lines = set.lines(f);
    const p = document.createElement('p');
    p.textContent = format.duration(model.tt[f]) + ' running it (' + format.percent(model.tt[f], all) + ' of the ' + format.duration(all) + ' kept), ' +
      format.duration(model.ct[f]) + ' with what it called (' + format.percent(model.ct[f], all) + ').';
    el.appendChild(p);
    if (model.tt[f] > 0) {
      const split = document.createElement('div');
      split.className = 'split';
      split.setAttribute('aria-label', 'its own samples by thread state');
      lines.ownStates.forEach((w, k) => {
        if (w <= 0) return;
        const part = document.createElement('span');
        part.style.width = (100 * w / model.tt[f]) + '%';
        part.style.background = app.colours.stateColours[k];
        part.title = app.colours.stateLabels[k] + ': ' + format.duration(w) + ' (' + format.percent(w, model.tt[f]) + ')';
        split.appendChild(part);
      });
      el.appendChild(split);
      const words = document.createElement('div');
      words.className = 'hint';
      words.textContent = 'Own samples: ' + Array.from(lines.ownStates).map((w, k) => set.stateNames[k] + ' ' + format.percent(w, model.tt[f])).join(', ') + '.';
      el.appendChild(words);
    }
    const actions = document.createElement('div');
    actions.className = 'actions';
    const b = document.createElement('button');
    b.textContent = 'Show callers';
    b.addEventListener('click', () => app.showCallers(f));
    actions.appendChild(b);
    el.appendChild(actions);
    source(f, lines);
  };

  // blockEnd is the last line of the def or class that starts at line
  // start (1-based) of lines, by indentation: the body runs while lines
  // are blank or indented deeper than the header. A header's closing
  // bracket at its own indentation (a signature over several lines)
  // does not end it.
  const blockEnd = (text, start) => {
    const indent = (t) => t.length - t.trimStart().length;
    let k = start - 1;
    while (k < text.length && text[k].trimStart().startsWith('@')) k++; // decorators
    if (k >= text.length || !/^(async\s+def|def|class)\b/.test(text[k].trimStart())) return -1;
    const head = indent(text[k]);
    let end = k;
    for (let j = k + 1; j < text.length; j++) {
      const t = text[j], trimmed = t.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      if (indent(t) <= head && !/^[)\]]/.test(trimmed)) break;
      end = j;
    }
    return end + 1;
  };

  // source shows f's source: for a sampled profile with each line's own
  // and total samples as numbers and a heat bar, as pprof's source view;
  // for cProfile, which records no lines, the text alone.
  let shown = 0; // which show() is current, so that a late text goes nowhere
  const source = (f, lines) => {
    const h = document.createElement('h4');
    h.textContent = 'Source';
    el.appendChild(h);
    const box = document.createElement('div');
    el.appendChild(box);
    const now = shown;
    app.texts().then((texts) => {
      if (now === shown) sourceText(box, f, lines, texts.get(format.file(f)));
    }).catch((e) => {
      if (now === shown) box.textContent = 'Source not available: ' + e.message;
    });
  };
  const sourceText = (el, f, lines, entry) => {
    const path = format.file(f);
    const note = document.createElement('p');
    note.className = 'hint srcnote';
    el.appendChild(note);
    const out = { func: f, rows: [], note: '' };
    const say = (text) => { note.textContent = text; out.note = text; };
    app.$('detail').classList.toggle('wide', !!entry);
    if (!entry) {
      say(path === '~' ? 'A built-in (C) function: there is no Python source.'
        : 'Source not available: ' + path + ' is not embedded in the profile and could not be read when this page was made.');
      app.hooks.source = out;
      return;
    }
    const text = entry.text.split('\n');
    if (text.length && text[text.length - 1] === '') text.pop();
    const start = Math.max(1, model.lineOf[f]);
    let first = start, last = blockEnd(text, start);
    if (last < 0) last = model.names[f] === '<module>' ? text.length : Math.min(text.length, start + 30);
    let hot = [];
    if (lines) {
      hot = [...lines.total.keys()].filter((l) => l > 0);
      for (const l of hot) { first = Math.min(first, l); last = Math.max(last, l); }
    }
    // A module, or a function whose lines spread far: a window around
    // its hottest lines.
    const maxRows = 400;
    if (last - first + 1 > maxRows) {
      if (hot.length) {
        hot.sort((a, b) => a - b);
        first = Math.max(1, hot[0] - 5);
      }
      last = Math.min(text.length, first + maxRows - 1);
    }
    last = Math.min(last, text.length);
    const parts = [];
    if (lines) {
      parts.push('Each line\u2019s samples: own (the line running) and total (the line on the stack, calling).');
      if (lines.total.has(0)) parts.push(format.duration(lines.total.get(0)) + ' have no line number.');
    } else {
      parts.push('cProfile records no lines: this is the function\u2019s source without line numbers\u2019 samples.');
    }
    if (entry.disk) parts.push('Read from disk when this page was made: the file may have changed since it was profiled.');
    say(parts.join(' '));
    let most = 0;
    if (lines) for (const w of lines.total.values()) most = Math.max(most, w);
    const table = document.createElement('table');
    table.className = 'source';
    const head = table.createTHead().insertRow();
    for (const c of lines ? ['line', 'own', 'total', '', 'code'] : ['line', 'code']) {
      const th = document.createElement('th');
      th.textContent = c;
      th.scope = 'col';
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (let l = first; l <= last; l++) {
      const row = body.insertRow();
      row.dataset.line = l;
      let cell = row.insertCell();
      cell.className = 'num ln';
      cell.textContent = String(l);
      const own = lines ? lines.own.get(l) || 0 : 0, total = lines ? lines.total.get(l) || 0 : 0;
      if (lines) {
        cell = row.insertCell(); cell.className = 'num'; cell.textContent = own ? String(own) : '';
        cell = row.insertCell(); cell.className = 'num'; cell.textContent = total ? String(total) : '';
        cell = row.insertCell(); cell.className = 'heat';
        if (total > 0) {
          const bar = document.createElement('span');
          bar.className = 'bar';
          bar.style.width = (100 * total / most) + '%';
          const inner = document.createElement('span');
          inner.className = 'own';
          inner.style.width = (100 * own / total) + '%';
          bar.appendChild(inner);
          cell.appendChild(bar);
          cell.title = own + ' own, ' + total + ' total samples (' + format.percent(total, model.total) + ' of the kept)';
        }
      }
      cell = row.insertCell();
      cell.className = 'code';
      cell.textContent = text[l - 1] === undefined ? '' : text[l - 1];
      if (l === start) row.className = 'def';
      out.rows.push({ line: l, own, total, text: cell.textContent });
    }
    el.appendChild(table);
    app.hooks.source = out;
  };
  return { show };
};
