// detail.js: the panel beside the chart: a function's numbers, what it
// calls and what calls it, with the numbers of each edge.
hpp.Detail = (app) => {
  const { model, format } = app;
  const el = app.$('detail');
  const hint = () => {
    el.textContent = '';
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = 'Click a box or a table row (or move to one with the arrow keys and press Enter) to see a function\u2019s callers and callees.';
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
    if (f < 0) { hint(); return; }
    const h = document.createElement('h3');
    h.textContent = model.names[f];
    el.appendChild(h);
    const where = document.createElement('div');
    where.className = 'where';
    where.textContent = format.where(f);
    where.title = format.stdName(f);
    el.appendChild(where);
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
  };
  return { show };
};
