// table.js: every function with pstats' numbers in human units and as
// shares of the total, virtualised (only the rows on screen exist), with
// sorting from the headings or the sort control, the search filter, and
// keyboard moves between rows.
hpp.Table = (app) => {
  const { model, format, colours, state } = app;
  const { n, listed, nc, pc, tt, ct, base, sampled } = model;
  // The total changes with a sampled profile's filters.
  const total = () => model.total;
  const rowHeight = 22, body = app.$('tbody'), spacer = app.$('spacer'), pool = [];
  const inTable = [];
  for (let f = 0; f < listed; f++) inTable.push(f);
  // Functions that ran only in the base of a diff are rows too.
  const baseOnly = [];
  if (base) for (let f = listed; f < n; f++) if (base.nc[f] > 0 || base.ct[f] > 0) { inTable.push(f); baseOnly.push(f); }

  const calls = (f) => (nc[f] !== pc[f] ? nc[f] + '/' + pc[f] : String(nc[f]));
  const time = (x) => ({ text: format.duration(x), full: format.seconds(x) + ' s' });
  const share = (x) => ({ text: format.percent(x, total()), full: format.percent(x, total()) + ' of the total ' + format.duration(total()) });
  // count is a sampled number: a count of samples as it is, sampled
  // nanoseconds as a time.
  const count = (x) => (model.sampledNS ? format.duration(x) : String(x));
  // gilShare is the share of f's own kept samples that held the GIL.
  const gilShare = (f) => (tt[f] > 0 ? sampled.ownStates[4 * f] / tt[f] : -1);
  const changePct = (f) => (base.ct[f] > 0 ? (ct[f] - base.ct[f]) / base.ct[f] : ct[f] > 0 ? Infinity : 0);
  const columns = sampled ? [
    { title: 'GIL', key: gilShare, cell: (f) => { const g = gilShare(f); return g < 0 ? { text: '', full: '' } : { text: format.percent(g, 1), full: format.percent(g, 1) + ' of its own samples held the GIL' }; }, help: 'share of own samples that held the GIL' },
    { title: 'own', key: (f) => tt[f], cell: (f) => ({ text: count(tt[f]), full: format.duration(tt[f]) + ' with the function running (at the top of the stack)' }), help: 'own samples' },
    { title: '% own', key: (f) => tt[f], cell: (f) => share(tt[f]), help: 'own samples as % of the kept samples' },
    { title: 'total', key: (f) => ct[f], cell: (f) => ({ text: count(ct[f]), full: format.duration(ct[f]) + ' with the function on the stack' }), help: 'total samples' },
    { title: '% total', key: (f) => ct[f], cell: (f) => share(ct[f]), help: 'total samples as % of the kept samples' },
    { title: 'filename:lineno(function)', name: true }
  ] : base ? [
    { title: 'ncalls', key: (f) => nc[f], cell: (f) => ({ text: calls(f), full: calls(f) + ' calls (base: ' + base.nc[f] + ')' }), help: 'calls' },
    { title: 'tottime', key: (f) => tt[f], cell: (f) => time(tt[f]), help: 'own time (tottime)' },
    { title: '\u0394tottime', key: (f) => tt[f] - base.tt[f], cell: (f) => ({ text: format.signed(tt[f] - base.tt[f]), full: format.seconds(base.tt[f]) + ' s \u2192 ' + format.seconds(tt[f]) + ' s' }), change: 'tt', help: 'change in own time' },
    { title: 'cumtime', key: (f) => ct[f], cell: (f) => time(ct[f]), help: 'cumulative time (cumtime)' },
    { title: '\u0394cumtime', key: (f) => ct[f] - base.ct[f], cell: (f) => ({ text: format.signed(ct[f] - base.ct[f]), full: format.seconds(base.ct[f]) + ' s \u2192 ' + format.seconds(ct[f]) + ' s' }), change: 'ct', help: 'change in cumulative time' },
    { title: '\u0394%', key: (f) => changePct(f), cell: (f) => { const p = changePct(f); const text = p === Infinity ? 'new' : (p > 0 ? '+' : '') + (100 * p).toFixed(1) + '%'; return { text, full: 'cumulative time changed by ' + text + ' of the base' }; }, change: 'ct', help: '% change in cumulative time' },
    { title: 'filename:lineno(function)', name: true }
  ] : [
    { title: 'ncalls', key: (f) => nc[f], cell: (f) => ({ text: calls(f), full: calls(f) + ' calls' + (nc[f] !== pc[f] ? ' (' + pc[f] + ' not recursive)' : '') }), help: 'calls' },
    { title: 'tottime', key: (f) => tt[f], cell: (f) => time(tt[f]), help: 'own time (tottime)' },
    { title: '% own', key: (f) => tt[f], cell: (f) => share(tt[f]), help: 'own time as % of the total' },
    { title: 'percall', key: (f) => (nc[f] ? tt[f] / nc[f] : 0), cell: (f) => (nc[f] ? time(tt[f] / nc[f]) : { text: '', full: '' }), help: 'own time per call' },
    { title: 'cumtime', key: (f) => ct[f], cell: (f) => time(ct[f]), help: 'cumulative time (cumtime)' },
    { title: '% cum', key: (f) => ct[f], cell: (f) => share(ct[f]), help: 'cumulative time as % of the total' },
    { title: 'percall', key: (f) => (pc[f] ? ct[f] / pc[f] : 0), cell: (f) => (pc[f] ? time(ct[f] / pc[f]) : { text: '', full: '' }), help: 'cumulative time per primitive call' },
    { title: 'filename:lineno(function)', name: true }
  ];
  const nameColumn = columns.length - 1;
  // The sort control's choices, by column.
  const sorts = sampled ? { tt: 1, ct: 3, gil: 0, name: nameColumn } : base ? { dct: 4, dtt: 2, dpct: 5, ct: 3, tt: 1, calls: 0, name: nameColumn }
    : { tt: 1, ct: 4, calls: 0, name: nameColumn };
  const sortNames = Object.fromEntries(Object.entries(sorts).map(([k, v]) => [v, k]));
  let rows = null, shown = null, cursor = -1;

  // sortByKey orders ids (ascending function indices) by key, ascending or
  // descending, ties in index order, without a comparator: a native sort
  // of the keys, each id's rank by binary search, and a counting sort by
  // rank, which keeps ids in index order within a rank. On 100k rows it
  // takes a fraction of a comparator sort's time. null when a key is NaN.
  const sortByKey = (ids, key, ascending) => {
    const count = ids.length, sorted = new Float64Array(count);
    for (let j = 0; j < count; j++) {
      const k = key[ids[j]];
      if (k !== k) return null;
      sorted[j] = k;
    }
    sorted.sort();
    let unique = 0;
    for (let j = 0; j < count; j++) if (unique === 0 || sorted[j] !== sorted[unique - 1]) sorted[unique++] = sorted[j];
    const rank = new Int32Array(count), start = new Int32Array(unique + 1);
    for (let j = 0; j < count; j++) {
      const k = key[ids[j]];
      let lo = 0, hi = unique - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < k) lo = mid + 1; else hi = mid;
      }
      const r = ascending ? lo : unique - 1 - lo;
      rank[j] = r;
      start[r + 1]++;
    }
    for (let r = 0; r < unique; r++) start[r + 1] += start[r];
    const out = new Int32Array(count);
    for (let j = 0; j < count; j++) out[start[rank[j]]++] = ids[j];
    return out;
  };
  app.hooks.sortByKey = sortByKey;

  // A sampled profile's rows are the functions its kept samples reach.
  const sampledRows = () => {
    const out = [];
    for (let f = 0; f < n; f++) if (ct[f] > 0) out.push(f);
    return out;
  };
  const sortRows = () => {
    const col = columns[state.sortColumn];
    let ids = Int32Array.from(sampled ? sampledRows() : inTable);
    if (col.name) {
      const names = app.stdNames();
      ids.sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));
      if (!state.sortAscending) ids.reverse();
    } else {
      const key = new Float64Array(n);
      for (const f of ids) key[f] = col.key(f);
      const fast = sortByKey(ids, key, state.sortAscending);
      if (fast) ids = fast;
      else if (state.sortAscending) ids.sort((a, b) => key[a] - key[b] || a - b);
      else ids.sort((a, b) => key[b] - key[a] || a - b);
    }
    rows = ids;
    filter();
  };
  const filter = () => {
    if (state.baseOnly) {
      shown = Int32Array.from(rows.filter((f) => f >= listed));
    } else if (!app.query) {
      shown = rows;
    } else {
      const out = new Int32Array(rows.length), lower = app.lowerNames(), q = app.query.toLowerCase();
      let m = 0;
      for (let j = 0; j < rows.length; j++) if (lower[rows[j]].includes(q)) out[m++] = rows[j];
      shown = out.subarray(0, m);
    }
    app.$('count').textContent = shown.length + ' of ' + (sampled ? rows.length : inTable.length) + ' functions' + (state.baseOnly ? ' (only in the base)' : '');
    app.hooks.tableCount = shown.length;
    app.hooks.query = app.query;
    spacer.style.height = (shown.length * rowHeight) + 'px';
    body.scrollTop = 0;
    cursor = -1;
    render();
  };
  const header = () => {
    const el = app.$('thead');
    el.textContent = '';
    const row = document.createElement('div');
    row.className = 'row';
    row.setAttribute('role', 'row');
    columns.forEach((col, j) => {
      const cell = document.createElement('span');
      const sorted = j === state.sortColumn;
      cell.className = (col.name ? 'fn' : 'num') + (sorted ? ' sorted' + (state.sortAscending ? ' asc' : '') : '');
      cell.textContent = col.title;
      cell.title = 'sort by ' + (col.help || col.title);
      cell.tabIndex = 0;
      cell.setAttribute('role', 'columnheader');
      cell.setAttribute('aria-sort', sorted ? (state.sortAscending ? 'ascending' : 'descending') : 'none');
      const sort = () => app.timed('sort', () => {
        if (state.sortColumn === j) state.sortAscending = !state.sortAscending;
        else { state.sortColumn = j; state.sortAscending = !!col.name; }
        table.sorted();
      });
      cell.addEventListener('click', sort);
      cell.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sort(); } });
      row.appendChild(cell);
    });
    el.appendChild(row);
  };
  const render = () => {
    if (!shown) return;
    const first = Math.floor(body.scrollTop / rowHeight), count = Math.ceil(body.clientHeight / rowHeight) + 2;
    const last = Math.min(shown.length, first + count);
    const names = app.stdNamesIfReady();
    let used = 0;
    app.hooks.tableRows = [];
    for (let j = first; j < last; j++, used++) {
      let row = pool[used];
      if (!row) {
        row = document.createElement('div');
        row.className = 'row';
        row.setAttribute('role', 'row');
        row.tabIndex = -1;
        columns.forEach((col) => {
          const cell = document.createElement('span');
          cell.className = col.name ? 'fn' : 'num';
          cell.setAttribute('role', 'gridcell');
          row.appendChild(cell);
        });
        row.addEventListener('click', () => { cursor = +row.dataset.index; app.selectFunc(+row.dataset.func); });
        body.appendChild(row);
        pool.push(row);
      }
      const f = shown[j];
      row.hidden = false;
      row.dataset.func = f;
      row.dataset.index = j;
      row.style.top = (j * rowHeight) + 'px';
      row.classList.toggle('sel', f === state.selected);
      row.classList.toggle('cursor', j === cursor);
      row.setAttribute('aria-selected', j === cursor ? 'true' : 'false');
      row.setAttribute('aria-rowindex', j + 2);
      for (let k = 0; k < columns.length; k++) {
        const col = columns[k], cell = row.children[k];
        if (col.name) {
          const text = names ? names[f] : format.stdName(f);
          cell.textContent = text;
          cell.title = text;
        } else {
          const c = col.cell(f);
          cell.textContent = c.text;
          cell.title = c.full;
          if (col.change) {
            const r = colours.change(f);
            // The chart's colour for the change it is coloured by, so that
            // a red box is a red row.
            const painted = state.diffBy === col.change;
            cell.style.background = painted ? colours.ofFunc(f) : '';
            cell.className = 'num' + (painted ? ' painted' : r > 0 ? ' up' : r < 0 ? ' down' : '');
          }
        }
      }
      app.hooks.tableRows.push(row.lastChild.textContent);
    }
    for (; used < pool.length; used++) pool[used].hidden = true;
  };
  body.addEventListener('scroll', render, { passive: true });
  body.setAttribute('role', 'grid');
  body.setAttribute('aria-label', 'functions');
  body.tabIndex = 0;
  // moveCursor moves the keyboard's row by delta and focuses it.
  const moveCursor = (delta) => {
    if (!shown || !shown.length) return;
    cursor = Math.max(0, Math.min(shown.length - 1, (cursor < 0 ? (delta > 0 ? -1 : 0) : cursor) + delta));
    const top = cursor * rowHeight;
    if (top < body.scrollTop) body.scrollTop = top;
    else if (top + rowHeight > body.scrollTop + body.clientHeight) body.scrollTop = top + rowHeight - body.clientHeight;
    render();
    const row = pool.find((r) => !r.hidden && +r.dataset.index === cursor);
    if (row) row.focus({ preventScroll: true });
    app.hooks.cursorRow = shown[cursor];
    app.announce(format.stdName(shown[cursor]) + ': own time ' + format.duration(tt[shown[cursor]]) + ', cumulative ' + format.duration(ct[shown[cursor]]));
  };
  body.addEventListener('keydown', (ev) => {
    const page = Math.max(1, Math.floor(body.clientHeight / rowHeight) - 1);
    const delta = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page }[ev.key];
    if (delta) { ev.preventDefault(); moveCursor(delta); return; }
    if (ev.key === 'Home' || ev.key === 'End') { ev.preventDefault(); cursor = -1; moveCursor(ev.key === 'Home' ? 1 : shown.length); return; }
    if (ev.key === 'Enter' && cursor >= 0) { ev.preventDefault(); app.selectFunc(shown[cursor]); }
  });

  const table = {
    baseOnly, columns, sorts,
    sortName: () => sortNames[state.sortColumn] || '',
    sortBy: (name) => {
      if (!(name in sorts)) return;
      state.sortColumn = sorts[name];
      state.sortAscending = columns[state.sortColumn].name === true;
    },
    sorted: () => { header(); sortRows(); app.sortChanged(); },
    filter, render
  };
  return table;
};
