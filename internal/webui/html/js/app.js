// app.js: loads the data and wires the parts together: the state, the
// controls, the tooltip, search, the keyboard, the banner and legend, the
// diff headline, and the test hooks (window.hppTest, the one place tests
// read the page from).
const $ = (id) => document.getElementById(id);
const hooks = { ready: false, boxes: [], firstDraw: 0, lastOp: {}, errors: [] };
window.hppTest = hooks;

const fail = (msg) => {
  const e = $('error');
  e.textContent = 'hpp view: ' + msg;
  e.hidden = false;
  hooks.errors.push(String(msg));
};

const start = (data) => {
  const t0 = performance.now();
  const model = hpp.Model(data);
  data = null; // let the parsed JSON arrays go
  hooks.startup = { model: performance.now() - t0 };
  hooks.heapParsed = performance.memory ? performance.memory.usedJSHeapSize : 0;
  const format = hpp.Format(model);
  const { names, tt, ct, base, sampled } = model;
  // A sampled profile is coloured by thread state unless asked otherwise.
  const defaultColour = sampled ? 'state' : 'kind';
  const defaultFilter = sampled ? Object.assign({}, sampled.filter) : null;
  const state = {
    view: 'icicle', depth: 12, cutoff: 0.001, diffBy: 'ct', colourBy: defaultColour,
    root: null, zoom: null,                 // the forward tree and the node at the chart's top
    callersRoot: null, callersZoom: null,   // the callers tree, when one was asked for
    selected: -1,                           // the function in the detail panel
    focus: null,                            // the box with the keyboard focus
    sortColumn: base ? 4 : 1, sortAscending: false, baseOnly: false
  };
  const app = { $, hooks, model, format, state, query: '' };
  app.colours = hpp.Colours(model, format, state);
  const urlState = hpp.URLState();

  // ---- search: names in pstats' form, lower-cased once ----
  let std = null, lower = null;
  app.stdNames = () => {
    if (!std) {
      std = new Array(model.n);
      lower = new Array(model.n);
      for (let f = 0; f < model.n; f++) { std[f] = format.stdName(f); lower[f] = std[f].toLowerCase(); }
    }
    return std;
  };
  app.stdNamesIfReady = () => std;
  app.lowerNames = () => { app.stdNames(); return lower; };
  let queryLower = '';
  app.matches = (f) => {
    app.stdNames();
    return queryLower !== '' && lower[f].includes(queryLower);
  };
  let wholeTotal = 0;
  app.total = () => wholeTotal;
  // The Callers view of a profile without functions has no tree: the
  // forward one stands in.
  app.chartTop = () => (state.view === 'callers' && state.callersZoom ? state.callersZoom : state.zoom);
  app.timed = (what, fn) => {
    const t = performance.now();
    fn();
    hooks.lastOp[what] = performance.now() - t;
  };
  // The source texts are read on the first look at a source: parsed
  // from their own script element (the static file), which comes after
  // the page's script so that the first chart does not wait for the
  // browser to read past them, or fetched.
  let texts = null;
  app.texts = () => {
    if (!texts) {
      const parsed = document.readyState === 'loading'
        ? new Promise((done) => document.addEventListener('DOMContentLoaded', done, { once: true })) : Promise.resolve();
      texts = parsed.then(() => {
        const el = $('hpp-sources');
        if (el.textContent.trim() !== '') {
          const data = JSON.parse(el.textContent);
          el.textContent = '';
          return model.textsOf(data);
        }
        return fetch('source.json').then((r) => {
          if (!r.ok) throw new Error('source.json: HTTP ' + r.status);
          return r.json();
        }).then(model.textsOf);
      });
    }
    return texts;
  };
  const live = $('announce');
  app.announce = (text) => { live.textContent = text; };

  app.sunburst = hpp.Sunburst(app);
  const chart = hpp.Chart(app);
  const detail = hpp.Detail(app);
  const table = hpp.Table(app);

  state.root = model.treeRoot();
  state.zoom = state.root;
  wholeTotal = state.root.value;
  hooks.total = wholeTotal;
  hooks.estimated = !sampled;
  hooks.stacks = model.stacks;
  hooks.funcs = () => {
    const out = [];
    for (let f = 0; f < model.n; f++) out.push({ file: format.file(f), line: model.lineOf[f], name: names[f] });
    return out;
  };
  hooks.disagree = model.disagree.slice();
  hooks.model = { tt, ct };

  // ---- a sampled profile's filters: thread, process, time mode ----
  // The charts, the table and the panel recompute from the kept samples;
  // the zoom follows the same functions down the new tree.
  function setupFilters() {
    $('filters').hidden = false;
    const colourBy = $('colourby'), o = document.createElement('option');
    o.value = 'state';
    o.textContent = 'thread state (GIL)';
    colourBy.insertBefore(o, colourBy.firstChild);
    const threads = sampled.threads, procs = sampled.processes;
    const pidOf = (t) => (threads.process[t] >= 0 ? procs.pid[threads.process[t]] : 0);
    threads.id.forEach((id, t) => {
      const opt = document.createElement('option');
      opt.value = String(t);
      opt.textContent = (threads.name[t] || 'thread') + ' (' + id + ')' + (procs.pid.length > 1 && pidOf(t) ? ' in ' + pidOf(t) : '');
      $('thread').appendChild(opt);
    });
    if (procs.pid.length > 0) {
      $('processctl').hidden = procs.pid.length < 2;
      procs.pid.forEach((pid, k) => {
        const opt = document.createElement('option');
        opt.value = String(k);
        const cmd = procs.command[k] || '';
        opt.textContent = pid + (cmd ? ' ' + (cmd.length > 40 ? cmd.slice(0, 39) + '\u2026' : cmd) : '');
        opt.title = cmd;
        $('process').appendChild(opt);
      });
    }
    const changed = () => app.timed('filter', () => setFilter({
      thread: Number($('thread').value), process: Number($('process').value), mode: $('mode').value, idle: $('idle').checked
    }));
    for (const id of ['thread', 'process', 'mode', 'idle']) $(id).addEventListener('change', changed);
  }
  function showFilter() {
    if (!sampled) return;
    const f = sampled.filter;
    $('thread').value = String(f.thread);
    $('process').value = String(f.process);
    $('mode').value = f.mode;
    $('idle').checked = f.idle;
    $('idle').disabled = f.mode !== 'cpu';
    hooks.filter = Object.assign({}, f);
    hooks.total = model.total;
    hooks.kept = sampled.kept;
  }
  function setFilter(filter) {
    const zoomPath = [];
    for (let a = state.zoom; a && a.parent; a = a.parent) zoomPath.push(a.func);
    sampled.keep(filter);
    state.root = model.treeRoot();
    state.zoom = follow(state.root, zoomPath.reverse());
    wholeTotal = state.root.value;
    if (state.callersRoot) {
      const cpath = [];
      for (let a = state.callersZoom; a && a.parent; a = a.parent) cpath.push(a.func);
      state.callersRoot = model.callersRoot(state.callersRoot.func);
      state.callersZoom = follow(state.callersRoot, cpath.reverse());
    }
    state.focus = null;
    showFilter();
    detail.show(state.selected);
    table.sorted();
    draw();
  }

  // ---- banner, headline and legend ----
  $('title').textContent = model.title;
  $('title').title = model.sources.join('\n');
  document.title = 'hpp view: ' + model.title;
  if (sampled) {
    $('notetext').textContent = 'This tree is exact: drawn from the sampled stacks, its boxes count samples' +
      (sampled.unit === 'samples' ? '' : ' (in ' + sampled.unit + ')') + ', not estimates.' +
      (sampled.mode ? ' Recorded in ' + sampled.mode + ' mode' + (sampled.mode === 'wall' ? '.' : ': samples outside it were not kept.') : '');
    setupFilters();
  } else {
    const notes = [];
    if (model.countOnly) notes.push('This file was written by the profile module, which records only call counts on its edges: inclusive times are apportioned by call counts.');
    if (model.disagree.length) {
      const shown = model.disagree.slice(0, 8).map((f) => format.boxName(f)).join(', ');
      notes.push('cProfile\u2019s own numbers do not add up for ' + model.disagree.length + (model.disagree.length === 1 ? ' function' : ' functions') +
        ' (the tree follows the edges): ' + shown + (model.disagree.length > 8 ? ', \u2026' : '') + '.');
    }
    let cycles = false;
    for (let f = 0; f < model.listed && !cycles; f++) cycles = model.inCycle(f);
    if (cycles) notes.push('Boxes outlined with dashes enter a recursive cycle: times inside it are estimated.');
    if (notes.length) {
      const extra = document.createElement('div');
      extra.id = 'estnotes';
      extra.textContent = notes.join(' ');
      if (model.disagree.length > 8) extra.title = 'Numbers that do not add up: ' + model.disagree.slice(0, 500).map((f) => format.stdName(f)).join('\n');
      $('note').appendChild(extra);
    }
  }
  if (base) {
    $('diffctl').hidden = false;
    $('colourctl').hidden = true;
    const change = model.total - base.total;
    $('headline').hidden = false;
    $('headline-text').textContent = 'Total ' + format.duration(base.total) + ' \u2192 ' + format.duration(model.total) + ': ' +
      format.signed(change) + ' (' + (base.total > 0 ? (change >= 0 ? '+' : '\u2212') + Math.abs(100 * change / base.total).toFixed(1) + '%' : 'new') + ')';
    $('headline-text').className = change > 0 ? 'up' : change < 0 ? 'down' : '';
    if (table.baseOnly.length) {
      const b = $('baseonly');
      b.hidden = false;
      b.textContent = table.baseOnly.length + (table.baseOnly.length === 1 ? ' function' : ' functions') + ' ran only in the base: list them';
      b.addEventListener('click', () => {
        state.baseOnly = !state.baseOnly;
        b.setAttribute('aria-pressed', String(state.baseOnly));
        table.filter();
      });
    }
  }
  const legend = () => {
    const el = $('legend');
    el.textContent = '';
    for (const [colour, words] of app.colours.legend()) {
      const item = document.createElement('span');
      item.className = 'key';
      const swatch = document.createElement('i');
      swatch.style.background = colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(words));
      el.appendChild(item);
    }
    if (!sampled) {
      const item = document.createElement('span');
      item.className = 'key';
      const swatch = document.createElement('i');
      swatch.className = 'cycle';
      item.appendChild(swatch);
      item.appendChild(document.createTextNode('enters a recursive cycle (estimated inside)'));
      el.appendChild(item);
    }
  };

  // ---- the tooltip: each number once, in words ----
  const describe = (nd) => {
    const f = nd.func, lines = [];
    if (f < 0) return ['The whole profile: ' + format.duration(nd.value) + '.'];
    lines.push(names[f]);
    lines.push('file: ' + format.where(f) + (format.directory(f) ? '   (directory: ' + format.directory(f) + ')' : ''));
    const parent = nd.parent;
    let here = 'This box: ' + format.duration(nd.value) + ', ' + format.percent(nd.value, app.total()) + ' of all';
    if (parent && state.view !== 'callers') here += ', ' + format.percent(nd.value, parent.value) + ' of its parent ' + format.boxName(parent.func);
    lines.push(here + '.');
    if (state.view !== 'callers') lines.push('Of which ' + format.duration(nd.self) + ' in ' + names[f] + ' itself, the rest in what it calls.');
    else if (parent) lines.push('This caller accounts for ' + format.duration(nd.value) + ' of ' + format.boxName(state.callersRoot.func) + '\u2019s time.');
    if (sampled) {
      if (nd.states) lines.push('Thread states in this box: ' + Array.from(nd.states).map((w, k) => sampled.stateNames[k] + ' ' + format.percent(w, nd.value)).join(', ') + '.');
      lines.push('All its kept samples: ' + format.duration(tt[f]) + ' running it, ' + format.duration(ct[f]) + ' with it on the stack.');
    } else {
      lines.push('Over the whole run: ' + format.duration(tt[f]) + ' in itself, ' + format.duration(ct[f]) + ' cumulative with what it called; ' +
        model.nc[f] + (model.nc[f] === 1 ? ' call.' : ' calls.'));
    }
    if (base) lines.push('In the base: ' + format.duration(base.tt[f]) + ' in itself, ' + format.duration(base.ct[f]) + ' cumulative (change ' +
      format.signed(ct[f] - base.ct[f]) + ').');
    if (model.isCycleEntry(nd)) lines.push('Recursive cycle of ' + model.cycleOf(f) + ' functions: times inside are estimated.');
    else if (model.inCycle(f) && state.view !== 'callers' && !sampled) lines.push('Inside a recursive cycle: this box\u2019s time is estimated.');
    return lines;
  };
  const tip = $('tip');
  app.showTip = (nd, x, y) => {
    tip.textContent = describe(nd).join('\n');
    tip.hidden = false;
    let left = x + 14, top = y + 14;
    if (left + tip.offsetWidth > window.innerWidth) left = Math.max(0, x - tip.offsetWidth - 8);
    if (top + tip.offsetHeight > window.innerHeight) top = Math.max(0, y - tip.offsetHeight - 8);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  };
  app.hideTip = () => { tip.hidden = true; };

  // ---- the URL ----
  const pathIds = (nd, top) => {
    const ids = [];
    for (let a = nd; a && a !== top; a = a.parent) ids.push(a.func);
    return ids.reverse().join('.');
  };
  const follow = (from, ids) => {
    let nd = from;
    for (const id of ids) {
      const next = model.childrenOf(nd).find((k) => k.func === id);
      if (!next) break;
      nd = next;
    }
    return nd;
  };
  const saveURL = () => {
    const rootFunc = state.root.rooted ? state.root.func : '';
    urlState.write({
      view: state.view === 'icicle' ? '' : state.view,
      root: rootFunc,
      zoom: pathIds(state.zoom, state.root),
      callers: state.callersRoot ? state.callersRoot.func : '',
      czoom: state.callersRoot ? pathIds(state.callersZoom, state.callersRoot) : '',
      q: app.query,
      sort: table.sortName() === (base ? 'dct' : 'tt') && !state.sortAscending ? '' : table.sortName() + (state.sortAscending ? '-asc' : ''),
      depth: state.depth === 12 ? '' : state.depth,
      cutoff: state.cutoff === 0.001 ? '' : state.cutoff,
      colour: state.colourBy === defaultColour ? '' : state.colourBy,
      thread: sampled && sampled.filter.thread >= 0 ? sampled.filter.thread : '',
      proc: sampled && sampled.filter.process >= 0 ? sampled.filter.process : '',
      mode: sampled && sampled.filter.mode !== defaultFilter.mode ? sampled.filter.mode : '',
      idle: sampled && sampled.filter.idle ? 1 : '',
      diff: state.diffBy === 'ct' ? '' : state.diffBy,
      sel: state.selected >= 0 ? state.selected : ''
    });
  };
  const validFunc = (text) => {
    const f = Number(text);
    return text !== '' && Number.isInteger(f) && f >= 0 && f < model.n ? f : -1;
  };
  const loadURL = () => {
    const u = urlState.read();
    if (['icicle', 'sunburst', 'flame', 'callers'].includes(u.view)) state.view = u.view;
    const depth = parseInt(u.depth, 10);
    if (depth > 0) state.depth = Math.min(depth, 200);
    const cutoff = parseFloat(u.cutoff);
    if (cutoff >= 0 && cutoff < 1) state.cutoff = cutoff;
    if (['self', 'kind'].includes(u.colour) || (u.colour === 'state' && sampled)) state.colourBy = u.colour;
    if (sampled && (u.thread || u.proc || u.mode || u.idle)) {
      const pick = (text, count) => { const k = Number(text); return text && Number.isInteger(k) && k >= 0 && k < count ? k : -1; };
      const filter = Object.assign({}, defaultFilter);
      filter.thread = pick(u.thread, sampled.threads.id.length);
      filter.process = pick(u.proc, sampled.processes.pid.length);
      if (['wall', 'cpu', 'gil'].includes(u.mode)) filter.mode = u.mode;
      filter.idle = u.idle === '1';
      sampled.keep(filter);
      state.root = model.treeRoot();
      state.zoom = state.root;
      wholeTotal = state.root.value;
    }
    showFilter();
    if (u.diff === 'tt') state.diffBy = 'tt';
    if (u.sort) {
      table.sortBy(u.sort.replace(/-asc$/, ''));
      state.sortAscending = u.sort.endsWith('-asc');
    }
    const root = validFunc(u.root);
    if (root >= 0 && !sampled && ct[root] > 0) state.root = model.rootedAt(root);
    state.zoom = follow(state.root, urlState.ids(u.zoom));
    const callers = validFunc(u.callers);
    if (callers >= 0) {
      state.callersRoot = model.callersRoot(callers);
      state.callersZoom = follow(state.callersRoot, urlState.ids(u.czoom));
    }
    if (state.view === 'callers' && !state.callersRoot) callersOf(defaultFunc());
    const sel = validFunc(u.sel);
    if (sel >= 0) { state.selected = sel; detail.show(sel); }
    if (u.q) { app.query = u.q; queryLower = u.q.toLowerCase(); $('search').value = u.q; }
    $('depth').value = state.depth;
    const cut = $('cutoff');
    if (![...cut.options].some((o) => parseFloat(o.value) === state.cutoff)) {
      const o = document.createElement('option');
      o.value = String(state.cutoff);
      o.textContent = (100 * state.cutoff) + '%';
      cut.appendChild(o);
    }
    cut.value = [...cut.options].find((o) => parseFloat(o.value) === state.cutoff).value;
    $('colourby').value = state.colourBy;
    $('diffby').value = state.diffBy;
  };

  // ---- drawing and moving ----
  const crumbs = () => {
    const el = $('crumbs');
    el.textContent = '';
    const top = app.chartTop(), path = [];
    for (let a = top; a; a = a.parent) path.push(a);
    path.reverse();
    const lead = document.createElement('span');
    lead.textContent = state.view === 'callers' ? 'Callers of:' : (state.root.rooted ? 'Function as root:' : 'Path:');
    el.appendChild(lead);
    path.forEach((nd, j) => {
      if (j > 0) {
        const s = document.createElement('span');
        s.className = 'sep';
        s.textContent = state.view === 'callers' ? '\u2190' : '\u203a';
        el.appendChild(s);
      }
      const b = document.createElement('button');
      b.textContent = format.boxName(nd.func);
      b.title = nd.func >= 0 ? format.stdName(nd.func) : 'the whole profile';
      b.addEventListener('click', () => app.timed('zoom', () => setTop(nd)));
      el.appendChild(b);
    });
  };
  const searchInfo = () => {
    const el = $('matchinfo');
    if (!app.query) { el.textContent = ''; hooks.matched = 0; hooks.matchedShare = 0; return; }
    const count = chart.matched.length;
    el.textContent = count ? count + (count === 1 ? ' box' : ' boxes') + ' match, ' + format.percent(chart.matchedShare, 1) + ' of the time shown' : 'no box matches';
    hooks.matched = count;
    hooks.matchedShare = chart.matchedShare;
  };
  const draw = () => app.timed('draw', () => {
    const top = app.chartTop();
    if (!state.focus || !isUnder(state.focus, top)) state.focus = null;
    chart.draw();
    if (state.focus && !chart.drawn().includes(state.focus)) state.focus = null;
    crumbs();
    legend();
    searchInfo();
    hooks.view = state.view;
    hooks.zoom = top.func < 0 ? null : format.name(top.func);
    hooks.zoomFunc = top.func;
    hooks.focus = state.focus ? state.focus.func : null;
    hooks.focusName = state.focus ? format.name(state.focus.func) : null;
    hooks.selected = state.selected;
    hooks.rootValue = state.root.value;
    $('chart').setAttribute('aria-label', describe(top)[0] + ' Arrow keys move between boxes, Enter zooms in, Escape zooms out.');
    saveURL();
  });
  const isUnder = (nd, top) => {
    for (let a = nd; a; a = a.parent) if (a === top) return true;
    return false;
  };
  const setTop = (nd) => {
    if (state.view === 'callers') state.callersZoom = nd; else state.zoom = nd;
    draw();
  };
  app.zoomTo = (nd) => app.timed('zoom', () => {
    const top = app.chartTop();
    if (nd === top && nd.parent) nd = nd.parent; // clicking the top goes back up
    if (nd.func >= 0) { state.selected = nd.func; detail.show(nd.func); }
    state.focus = nd;
    setTop(nd);
  });
  const zoomOut = () => {
    const top = app.chartTop();
    if (top.parent) app.timed('zoom', () => { state.focus = top; setTop(top.parent); });
  };
  const setView = (view) => {
    state.view = view;
    document.querySelectorAll('#tabs button').forEach((b) => {
      b.classList.toggle('on', b.dataset.view === view);
      b.setAttribute('aria-selected', String(b.dataset.view === view));
    });
    if (view === 'callers' && (!state.callersRoot || (state.selected >= 0 && state.callersRoot.func !== state.selected))) {
      callersOf(state.selected >= 0 && ct[state.selected] > 0 ? state.selected : defaultFunc());
    }
    draw();
  };
  const defaultFunc = () => {
    let best = -1;
    for (let f = 0; f < (sampled ? model.n : model.listed); f++) if (best < 0 || tt[f] > tt[best]) best = f;
    return best;
  };
  const callersOf = (f) => {
    if (f < 0) return;
    state.callersRoot = model.callersRoot(f);
    state.callersZoom = state.callersRoot;
  };
  // A function as the root: its whole cumulative time, entered at it.
  const rootAt = (f) => {
    if (sampled) { state.zoom = state.root; return; }
    state.root = model.rootedAt(f);
    state.zoom = state.root;
  };
  app.makeRoot = (f) => { rootAt(f); setView(state.view === 'callers' ? 'icicle' : state.view); };
  app.showCallers = (f) => { callersOf(f); setView('callers'); };
  // selectFunc is what a table row does: the function becomes the root
  // (or, in the Callers view, the function whose callers are shown).
  app.selectFunc = (f) => app.timed('select', () => {
    state.selected = f;
    detail.show(f);
    // A function that ran only in the base of a diff has no box.
    if (ct[f] > 0) { if (state.view === 'callers') callersOf(f); else rootAt(f); }
    state.focus = null;
    draw();
    table.render();
  });
  app.sortChanged = () => {
    $('sortby').value = table.sortName() in table.sorts ? table.sortName() : '';
    saveURL();
  };
  // focusBox gives a box the keyboard focus and says what it is.
  const focusBox = (nd) => {
    state.focus = nd;
    draw();
    const text = describe(nd);
    app.announce(text.join(' '));
    const at = chart.boxPoint(nd);
    if (at) app.showTip(nd, at.x, at.y);
  };

  // ---- controls ----
  document.querySelectorAll('#tabs button').forEach((b) => {
    b.addEventListener('click', () => app.timed('view', () => setView(b.dataset.view)));
  });
  $('depth').addEventListener('change', (ev) => {
    const d = parseInt(ev.target.value, 10);
    state.depth = d > 0 ? Math.min(d, 200) : 12;
    draw();
  });
  $('cutoff').addEventListener('change', (ev) => { state.cutoff = parseFloat(ev.target.value) || 0; draw(); });
  $('diffby').addEventListener('change', (ev) => { state.diffBy = ev.target.value; draw(); table.render(); });
  $('colourby').addEventListener('change', (ev) => { state.colourBy = ev.target.value; draw(); });
  $('reset').addEventListener('click', () => app.timed('zoom', () => {
    if (state.root.rooted || state.view !== 'callers') {
      state.root = model.treeRoot();
      state.zoom = state.root;
    }
    if (state.callersRoot) state.callersZoom = state.callersRoot;
    // The detail panel follows: nothing is selected any more.
    state.selected = -1;
    state.focus = null;
    detail.show(-1);
    draw();
    table.render();
  }));
  const sortBy = $('sortby');
  for (const [value, label] of (sampled ? [['tt', 'own samples: where the time goes'], ['ct', 'total samples'], ['gil', 'share of own samples holding the GIL'], ['name', 'name']]
    : base ? [['dct', 'change in cumulative time'], ['dtt', 'change in own time'], ['dpct', '% change'], ['tt', 'own time (tottime)'], ['ct', 'cumulative time'], ['calls', 'calls'], ['name', 'name']]
    : [['tt', 'own time (tottime): where the time goes'], ['ct', 'cumulative time (cumtime)'], ['calls', 'calls'], ['name', 'name']])) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    sortBy.appendChild(o);
  }
  sortBy.addEventListener('change', () => app.timed('sort', () => { table.sortBy(sortBy.value); table.sorted(); }));
  window.addEventListener('resize', () => { draw(); table.render(); });

  // Search: the table keeps the matching rows, the charts mark the
  // matching boxes; next and previous move the focus between them.
  let searchTimer = 0;
  const setQuery = (q) => q !== app.query && app.timed('search', () => {
    app.query = q;
    queryLower = q.toLowerCase();
    state.baseOnly = false;
    $('baseonly').setAttribute('aria-pressed', 'false');
    app.timed('filter', () => table.filter());
    draw();
  });
  $('search').addEventListener('input', (ev) => {
    const q = ev.target.value;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setQuery(q), 60);
  });
  const stepMatch = (step) => {
    const matched = chart.matched;
    if (!matched.length) return;
    let at = matched.indexOf(state.focus);
    at = at < 0 ? (step > 0 ? 0 : matched.length - 1) : (at + step + matched.length) % matched.length;
    focusBox(matched[at]);
    hooks.matchIndex = at;
  };
  $('nextmatch').addEventListener('click', () => stepMatch(1));
  $('prevmatch').addEventListener('click', () => stepMatch(-1));
  $('search').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      clearTimeout(searchTimer);
      if (ev.target.value !== app.query) setQuery(ev.target.value);
      stepMatch(ev.shiftKey ? -1 : 1);
    } else if (ev.key === 'Escape') {
      ev.target.blur();
      $('chart').focus();
    }
  });

  // ---- the keyboard ----
  const canvas = $('chart');
  canvas.addEventListener('keydown', (ev) => {
    if (ev.key.startsWith('Arrow')) {
      ev.preventDefault();
      focusBox(state.focus ? chart.move(ev.key) : app.chartTop());
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      if (state.focus) app.zoomTo(state.focus);
    }
  });
  canvas.addEventListener('focus', () => { if (!state.focus) focusBox(app.chartTop()); });
  canvas.addEventListener('blur', () => app.hideTip());
  document.addEventListener('keydown', (ev) => {
    const typing = ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement || ev.target instanceof HTMLTextAreaElement;
    if (ev.key === '/' && !typing) {
      ev.preventDefault();
      $('search').focus();
      $('search').select();
    } else if ((ev.key === 'Escape' || ev.key === 'Backspace') && !typing) {
      ev.preventDefault();
      app.hideTip();
      zoomOut();
    }
  });

  // A hash changed by hand, or by the browser's back and forward, is a
  // place to go to: start from the defaults and apply it.
  window.addEventListener('hashchange', () => {
    if (location.hash === (urlState.written() || '')) return;
    if (sampled) sampled.keep(Object.assign({}, defaultFilter));
    Object.assign(state, {
      view: 'icicle', depth: 12, cutoff: 0.001, diffBy: 'ct', colourBy: defaultColour,
      callersRoot: null, callersZoom: null, selected: -1, focus: null,
      sortColumn: base ? 4 : 1, sortAscending: false, baseOnly: false
    });
    state.root = model.treeRoot();
    state.zoom = state.root;
    detail.show(-1);
    app.query = '';
    queryLower = '';
    $('search').value = '';
    loadURL();
    setView(state.view);
    table.sorted();
  });

  // ---- go ----
  hooks.startup.parts = performance.now() - t0;
  loadURL();
  setView(state.view);
  hooks.startup.firstDraw = performance.now() - t0;
  hooks.parseMs = performance.now() - t0;
  hooks.firstDraw = performance.now();
  requestAnimationFrame(() => {
    setTimeout(() => {
      $('sortby').value = table.sortName();
      const sortStart = performance.now();
      table.sorted();
      hooks.startup.table = performance.now() - sortStart;
      hooks.ready = true;
      hooks.readyAt = performance.now();
      // Names for the search, made while nobody is waiting.
      setTimeout(app.stdNames, 50);
    }, 0);
  });
};

const holder = $('hpp-data');
if (holder.textContent.trim() !== '') {
  let inline = JSON.parse(holder.textContent);
  // Drop the text: for a big profile it is tens of MB.
  holder.textContent = '';
  try {
    start(inline);
  } catch (e) {
    fail(e.message); // say so on the page, not only in the console
    throw e;
  }
  inline = null;
} else {
  fetch('data.json').then((r) => {
    if (!r.ok) throw new Error('data.json: HTTP ' + r.status);
    return r.json();
  }).then(start).catch((e) => fail(e.message));
}
