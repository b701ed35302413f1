// model.js: the profile's data in typed arrays, and the calling-context
// tree drawn from it: callgraph.Estimator's arithmetic, operation for
// operation (same order of floating-point additions, same stable sorts),
// or the exact tree of sampled stacks.
hpp.Model = (data) => {
  const n = data.n, listed = data.listed;
  const names = data.name, files = data.files;
  const fileOf = Int32Array.from(data.file), lineOf = Int32Array.from(data.line);
  const pc = Float64Array.from(data.pc), nc = Float64Array.from(data.nc);
  const tt = Float64Array.from(data.tt), ct = Float64Array.from(data.ct);
  const edgeCount = data.ecaller.length;
  // Callers of f are edges callerOff[f] .. callerOff[f+1], in file order.
  const callerOff = new Int32Array(listed + 1);
  for (let f = 0; f < listed; f++) callerOff[f + 1] = callerOff[f] + data.ecount[f];
  const edgeCaller = Int32Array.from(data.ecaller);
  const edgePC = Float64Array.from(data.epc), edgeNC = Float64Array.from(data.enc);
  const edgeTT = Float64Array.from(data.ett), edgeCT = Float64Array.from(data.ect);
  const edgeCountOnly = new Uint8Array(edgeCount);
  for (const e of data.eonly) edgeCountOnly[e] = 1;
  const edgeCallee = new Int32Array(edgeCount);
  for (let f = 0; f < listed; f++) for (let e = callerOff[f]; e < callerOff[f + 1]; e++) edgeCallee[e] = f;
  // Callee lists in the order callgraph.NewGraph builds its arcs.
  const calleeOff = new Int32Array(n + 1);
  for (let e = 0; e < edgeCount; e++) calleeOff[edgeCaller[e] + 1]++;
  for (let f = 0; f < n; f++) calleeOff[f + 1] += calleeOff[f];
  const calleeEdge = new Int32Array(edgeCount);
  {
    const fill = calleeOff.slice(0, n);
    for (let e = 0; e < edgeCount; e++) calleeEdge[fill[edgeCaller[e]]++] = e;
  }
  const base = data.base ? {
    total: data.base.total, sources: data.base.sources,
    pc: Float64Array.from(data.base.pc), nc: Float64Array.from(data.base.nc),
    tt: Float64Array.from(data.base.tt), ct: Float64Array.from(data.base.ct)
  } : null;
  const sampled = data.samples ? samplesOf(data.samples) : null;
  // Sampled trees count samples, or nanoseconds of them.
  const sampledNS = !!sampled && sampled.unit === 'nanoseconds';
  const countUnit = sampled && !sampledNS ? (sampled.unit || 'samples') : '';

  // edgeCum is an edge's cumulative time; the profile module records only
  // a count there, so its time is the callee's shared by calls.
  const edgeCum = (e) => {
    if (!edgeCountOnly[e]) return edgeCT[e];
    const g = edgeCallee[e];
    return nc[g] <= 0 ? 0 : ct[g] * edgeNC[e] / nc[g];
  };
  // The time the estimate gives each edge (Arc.Weight): its cumulative
  // time, or for a count-only edge the time the server balanced it to.
  const weight = new Float64Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) weight[e] = edgeCum(e);
  if (data.eweight) data.eonly.forEach((e, j) => { weight[e] = data.eweight[j]; });
  const countOnly = data.eonly.length > 0;

  // Recursive cycles (strongly connected components), from the server.
  const comp = Int32Array.from(data.comp || []);
  const funcCount = comp.length; // the profile's functions, without base-only ones
  let compCount = 0;
  for (let f = 0; f < funcCount; f++) if (comp[f] >= compCount) compCount = comp[f] + 1;
  const cyclic = new Uint8Array(compCount), cycleSize = new Int32Array(compCount);
  (data.cyclic || []).forEach((c, j) => { cyclic[c] = 1; cycleSize[c] = data.cycsize[j]; });
  const disagree = (data.disagree || []).slice();
  // Functions whose name another function shares.
  const shared = new Uint8Array(n);
  for (const f of data.shared || []) shared[f] = 1;

  // W per component (members' tottime and edges leaving it) and the time
  // of the edges entering it, added in NewEstimator's order.
  const work = new Float64Array(compCount), entering = new Float64Array(compCount);
  for (let f = 0; f < funcCount; f++) {
    const c = comp[f];
    work[c] += tt[f];
    for (let j = calleeOff[f]; j < calleeOff[f + 1]; j++) {
      const e = calleeEdge[j], d = comp[edgeCallee[e]];
      if (d !== c) { work[c] += weight[e]; entering[d] += weight[e]; }
    }
  }
  // The member of each component called at the top level: the most
  // cumulative time not covered by callers outside the component.
  const head = new Int32Array(compCount).fill(-1), headTime = new Float64Array(compCount);
  for (let f = 0; f < funcCount; f++) {
    const c = comp[f];
    let uncovered = ct[f];
    if (f < listed) for (let e = callerOff[f]; e < callerOff[f + 1]; e++) if (comp[edgeCaller[e]] !== c) uncovered -= edgeCum(e);
    if (head[c] < 0 || uncovered > headTime[c]) { head[c] = f; headTime[c] = uncovered; }
  }
  // A component whose callers bring more than its work (cProfile's
  // numbers disagreeing) keeps the surplus as self time, so that its
  // callees still get exactly their edges' time.
  for (let c = 0; c < compCount; c++) work[c] = Math.max(work[c], entering[c]);

  // A box: function func, value, self, parent, children (null until
  // expanded), depth, inverted for the callers tree, and the member at
  // which the drawing entered func's component.
  const node = (func, value, parent, entry) => ({
    func, value, self: value, parent, children: null,
    depth: parent ? parent.depth + 1 : 0, inverted: parent ? parent.inverted : false, entry
  });
  const byValue = (a, b) => b.value - a.value; // Array.prototype.sort is stable

  // Only cycles of several functions are estimated inside: a function
  // that calls only itself is folded into its outermost call, exactly.
  const inCycle = (f) => f >= 0 && f < funcCount && cyclic[comp[f]] === 1 && cycleSize[comp[f]] > 1;
  const isCycleEntry = (nd) => inCycle(nd.func) && !nd.inverted &&
    (!nd.parent || nd.parent.func < 0 || comp[nd.parent.func] !== comp[nd.func]);
  const cycleOf = (f) => (inCycle(f) ? cycleSize[comp[f]] : 0);

  // widestLess is widestQueue.Less: widest first, then fewer hops, then
  // the lower function index.
  const widestLess = (a, b) => {
    if (a.width !== b.width) return a.width > b.width;
    if (a.hops !== b.hops) return a.hops < b.hops;
    return a.func < b.func;
  };
  const heapPush = (heap, item) => {
    heap.push(item);
    for (let j = heap.length - 1; j > 0;) {
      const up = (j - 1) >> 1;
      if (!widestLess(heap[j], heap[up])) break;
      [heap[j], heap[up]] = [heap[up], heap[j]];
      j = up;
    }
  };
  const heapPop = (heap) => {
    const top = heap[0], last = heap.pop();
    if (heap.length) {
      heap[0] = last;
      for (let j = 0; ;) {
        const left = 2 * j + 1, right = left + 1;
        let m = j;
        if (left < heap.length && widestLess(heap[left], heap[m])) m = left;
        if (right < heap.length && widestLess(heap[right], heap[m])) m = right;
        if (m === j) break;
        [heap[j], heap[m]] = [heap[m], heap[j]];
        j = m;
      }
    }
    return top;
  };
  // widestTree hangs every member of entry's component under the member
  // from which the widest path inside the component reaches it, and sums
  // each member's subtree weight (callgraph's widestTree).
  const widestTree = (entry) => {
    const c = comp[entry];
    const width = new Map([[entry, Infinity]]), hops = new Map([[entry, 0]]), parent = new Map([[entry, -1]]);
    const done = new Set(), order = [], heap = [{ func: entry, width: Infinity, hops: 0 }];
    while (heap.length) {
      const it = heapPop(heap);
      if (done.has(it.func) || it.width !== width.get(it.func) || it.hops !== hops.get(it.func)) continue;
      done.add(it.func);
      order.push(it.func);
      for (let j = calleeOff[it.func]; j < calleeOff[it.func + 1]; j++) {
        const e = calleeEdge[j], to = edgeCallee[e];
        if (comp[to] !== c || to === it.func || done.has(to)) continue;
        const wd = Math.min(it.width, weight[e]), h = it.hops + 1, old = width.get(to);
        if (old === undefined || wd > old || (wd === old && (h < hops.get(to) || (h === hops.get(to) && it.func < parent.get(to))))) {
          width.set(to, wd); hops.set(to, h); parent.set(to, it.func);
          heapPush(heap, { func: to, width: wd, hops: h });
        }
      }
    }
    const subtree = new Map(), kids = new Map();
    for (const m of order) {
      let own = tt[m];
      for (let j = calleeOff[m]; j < calleeOff[m + 1]; j++) if (comp[edgeCallee[calleeEdge[j]]] !== c) own += weight[calleeEdge[j]];
      subtree.set(m, own);
    }
    for (let k = order.length - 1; k > 0; k--) {
      const m = order[k], up = parent.get(m);
      subtree.set(up, subtree.get(up) + subtree.get(m));
      if (!kids.has(up)) kids.set(up, []);
      kids.get(up).push(m);
    }
    for (const list of kids.values()) list.sort((a, b) => subtree.get(b) - subtree.get(a) || a - b);
    return { kids, weight: subtree };
  };
  const cycleTrees = new Map();
  const cycleTree = (entry) => {
    let tree = cycleTrees.get(entry);
    if (!tree) { tree = widestTree(entry); cycleTrees.set(entry, tree); }
    return tree;
  };

  // expandCallees is Estimator.expand: outside a cycle a callee's share of
  // the box is its edge's time over the component's work W; a cycle is
  // drawn once along its widest tree from the member it was entered at.
  const expandCallees = (nd) => {
    const f = nd.func, value = nd.value, out = [];
    if (f < 0 || f >= funcCount) { nd.children = out; nd.self = value; return; }
    const c = comp[f], cyc = cyclic[c] === 1;
    let w;
    if (cyc) {
      const tree = cycleTree(nd.entry);
      // The entry member's box is the whole component's work.
      w = f === nd.entry ? work[c] : tree.weight.get(f);
      for (const k of tree.kids.get(f) || []) out.push(node(k, tree.weight.get(k), nd, nd.entry));
    } else {
      w = work[c];
    }
    if (w <= 0 || value <= 0) { nd.children = []; nd.self = value; return; }
    const leaving = [];
    for (let j = calleeOff[f]; j < calleeOff[f + 1]; j++) {
      const e = calleeEdge[j], g = edgeCallee[e];
      if (comp[g] !== c && weight[e] > 0) leaving.push(node(g, weight[e], nd, g));
    }
    leaving.sort(byValue);
    for (const k of leaving) out.push(k);
    const scale = value / w;
    let sum = 0;
    for (const k of out) { k.value *= scale; k.self = k.value; sum += k.value; }
    if (cyc) out.sort(byValue);
    // Rounding must not let the children outgrow the box.
    if (sum > value) {
      const fit = value / sum;
      for (const k of out) { k.value *= fit; k.self = k.value; }
      sum = value;
    }
    nd.children = out;
    nd.self = Math.max(value - sum, 0);
  };

  // expandCallers keeps the simple proportional rule: a caller's share of
  // the box is its edge's cumulative time over the function's; the rest
  // is time no caller accounts for. Recursion folds into the outermost
  // call: a caller already on the path gets no box.
  const mark = new Uint32Array(n);
  let stamp = 0;
  const expandCallers = (nd) => {
    const f = nd.func, value = nd.value, cum = f < listed ? ct[f] : 0, out = [];
    let sum = 0;
    if (cum <= 0 || value <= 0 || f >= listed) { nd.children = out; nd.self = value; return; }
    stamp++;
    for (let a = nd; a && a.func >= 0; a = a.parent) mark[a.func] = stamp;
    for (let e = callerOff[f]; e < callerOff[f + 1]; e++) {
      const g = edgeCaller[e], w = weight[e];
      if (mark[g] === stamp || w <= 0) continue;
      const v = value * w / cum;
      out.push(node(g, v, nd, g));
      sum += v;
    }
    if (sum > value) {
      const fit = value / sum;
      sum = 0;
      for (const k of out) { k.value *= fit; k.self = k.value; sum += k.value; }
    }
    out.sort(byValue);
    nd.children = out;
    nd.self = Math.max(value - sum, 0);
  };

  // estimatedRoot is NewEstimator's roots: components whose work is not
  // all covered by edges entering them, drawn at their head member and
  // scaled to add up to the total.
  const estimatedRoot = () => {
    const roots = [], root = node(-1, 0, null, -1);
    let sum = 0;
    for (let c = 0; c < compCount; c++) {
      const top = work[c] - entering[c];
      if (top > 1e-7 * work[c] && top > 0) { roots.push(node(head[c], top, root, head[c])); sum += top; }
    }
    let t = data.total;
    if (sum > 0 && t > 0) {
      for (const r of roots) { r.value *= t / sum; r.self = r.value; }
    } else {
      t = sum;
    }
    roots.sort(byValue);
    let rootSum = 0;
    for (const r of roots) rootSum += r.value;
    root.value = t;
    root.self = Math.max(t - rootSum, 0);
    root.children = roots;
    return root;
  };
  const treeRoot = () => (sampled ? sampled.root() : estimatedRoot());
  const childrenOf = (nd) => {
    if (nd.children === null) (nd.boxes ? sampled.expand : nd.inverted ? expandCallers : expandCallees)(nd);
    return nd.children;
  };
  // rootedAt is a function as the root: its whole cumulative time, entered
  // at it (Expand([f], cum(f))).
  const rootedAt = (f) => {
    const r = node(f, ct[f], null, f);
    r.rooted = true;
    return r;
  };
  const callersRoot = (f) => {
    if (sampled) return sampled.callersRoot(f);
    const r = node(f, ct[f], null, f);
    r.inverted = true;
    return r;
  };

  // stacks walks a fresh tree as callgraph's Tree does (boxes below
  // minFraction of the total get no children, at most maxDepth levels)
  // and returns every box with self time as the path of functions from
  // its root and that self time, in preorder.
  const stacks = (minFraction = 1e-6, maxDepth = 512) => {
    const out = [], path = [], root = treeRoot(), min = root.value * minFraction;
    const walk = (nd, depth) => {
      path.push(nd.func);
      let self = nd.value, kids = [];
      if (depth < maxDepth && nd.value >= min && (sampled || nd.value > 0)) {
        kids = childrenOf(nd);
        self = nd.self;
        for (const k of kids) if (k.value <= 0) self += k.value;
      }
      if (self > 0) out.push({ frames: path.slice(), self });
      for (const k of kids) if (k.value > 0) walk(k, depth + 1);
      if (!sampled) nd.children = null;
      path.pop();
    };
    for (const r of childrenOf(root)) if (r.value > 0) walk(r, 1);
    return out;
  };

  const model = {
    n, listed, names, files, fileOf, lineOf, pc, nc, tt, ct, base, total: data.total, sampled, sampledNS, countUnit,
    title: data.title, sources: data.sources,
    callerOff, calleeOff, calleeEdge, edgeCaller, edgeCallee, edgePC, edgeNC, edgeTT, edgeCT, edgeCountOnly, weight,
    countOnly, disagree, shared, isCycleEntry, cycleOf, inCycle,
    treeRoot, childrenOf, rootedAt, callersRoot, stacks, textsOf
  };
  if (sampled) sampled.keep(sampled.filter);
  return model;

  // samplesOf reads a sampled profile's samples (data.go's appendSamples)
  // and returns what the page asks of them: which samples the filters
  // keep, and from the kept ones the exact tree, every function's own
  // and total samples (in tt and ct, the table's columns), each line's
  // samples, and the split by thread state.
  function samplesOf(sd) {
    // new Int32Array(array) copies a plain array many times faster than
    // Int32Array.from, which goes through the iterator.
    const sfunc = new Int32Array(sd.sfunc), sline = new Int32Array(sd.sline);
    const sparent = new Int32Array(sd.sparent), sframe = new Int32Array(sd.sframe);
    const stack = new Int32Array(sd.stack), weight = new Float64Array(sd.weight);
    const thread = new Int32Array(sd.thread), state = new Uint8Array(sd.state);
    const threads = { id: sd.threads.id, name: sd.threads.name, process: new Int32Array(sd.threads.process) };
    const processes = { pid: sd.processes.pid, parent: sd.processes.parent, command: sd.processes.command };
    const nodes = sparent.length, states = sd.states.length;
    // funcAt is the function of stack node j.
    const funcAt = new Int32Array(nodes), lineAt = new Int32Array(nodes);
    for (let j = 0; j < nodes; j++) { funcAt[j] = sfunc[sframe[j]]; lineAt[j] = sline[sframe[j]]; }
    // Per stack node: the kept samples that end there (self), those at
    // or below it (sub), and both by state.
    const self = new Float64Array(nodes), sub = new Float64Array(nodes);
    const selfState = new Float64Array(nodes * states);
    const set = {
      unit: sd.unit || 'samples', period: sd.period, mode: sd.mode, stateNames: sd.states,
      threads, processes, count: stack.length,
      filter: { thread: -1, process: -1, mode: 'wall', idle: false },
      kept: 0, all: 0, stateTotals: new Float64Array(states),
      ownStates: new Float64Array(n * states) // own kept samples of each function by state
    };
    if (['wall', 'cpu', 'gil'].includes(sd.mode)) set.filter.mode = sd.mode;
    // keepState is timemode.KeepState: the states a mode counts.
    const keepState = (mode, idle, st) => (mode === 'cpu' ? idle || st === 0 || st === 1 : mode === 'gil' ? st === 0 : true);
    set.keep = (filter) => {
      set.filter = filter;
      self.fill(0); sub.fill(0); selfState.fill(0); set.stateTotals.fill(0);
      let kept = 0, all = 0;
      for (let i = 0; i < stack.length; i++) {
        const w = weight[i], t = thread[i];
        all += w;
        if (filter.thread >= 0 && t !== filter.thread) continue;
        if (filter.process >= 0 && (t < 0 || threads.process[t] !== filter.process)) continue;
        if (!keepState(filter.mode, filter.idle, state[i])) continue;
        kept += w;
        set.stateTotals[state[i]] += w;
        const j = stack[i];
        if (j < 0) continue; // a sample of no known frame: in the total only
        self[j] += w;
        selfState[j * states + state[i]] += w;
      }
      sub.set(self);
      for (let j = nodes - 1; j >= 0; j--) {
        const up = sparent[j];
        if (up < 0) continue;
        sub[up] += sub[j];
      }
      set.kept = kept;
      set.all = all;
      model.total = kept;
      // The boxes' numbers: their own samples, then each box's added to
      // its parent's (parents come first).
      const t = tree;
      t.value.fill(0); t.self.fill(0); t.states.fill(0);
      for (let j = 0; j < nodes; j++) {
        const w = self[j];
        if (w <= 0) continue;
        const b = boxOf[j];
        t.self[b] += w;
        for (let k = 0; k < states; k++) t.states[b * states + k] += selfState[j * states + k];
      }
      t.value.set(t.self);
      for (let b = t.count - 1; b > 0; b--) {
        const up = t.parent[b];
        t.value[up] += t.value[b];
        for (let k = 0; k < states; k++) t.states[up * states + k] += t.states[b * states + k];
      }
      // Samples of no known frame count in the top box's value.
      t.self[0] = Math.max(kept - t.value[0], 0);
      t.value[0] = kept;
      for (let k = 0; k < states; k++) t.states[k] = set.stateTotals[k];
      // Own samples and total samples (each sample once per function,
      // however deep it recurses), as the table's tottime and cumtime.
      tt.fill(0); ct.fill(0); set.ownStates.fill(0);
      for (let j = 0; j < nodes; j++) {
        tt[funcAt[j]] += self[j];
        for (let k = 0; k < states; k++) set.ownStates[funcAt[j] * states + k] += selfState[j * states + k];
      }
      // A depth-first walk with a stack of boxes to enter (b) and to
      // leave (~b).
      const onPath = new Int32Array(n), todo = new Int32Array(2 * t.count + 2);
      let top = 0;
      for (let c = t.first[0]; c < t.first[1]; c++) if (t.value[t.kids[c]] > 0) todo[top++] = t.kids[c];
      while (top > 0) {
        const b = todo[--top];
        if (b < 0) { onPath[t.func[~b]]--; continue; }
        const f = t.func[b];
        if (onPath[f] === 0) ct[f] += t.value[b];
        onPath[f]++;
        todo[top++] = ~b;
        for (let c = t.first[b]; c < t.first[b + 1]; c++) if (t.value[t.kids[c]] > 0) todo[top++] = t.kids[c];
      }
    };

    // A tree of boxes in typed arrays: box 0 is the top; box b is
    // function func[b] under box parent[b], with value, self and (for
    // the forward tree) samples by state. Boxes are made in the order
    // samples first reach them, so each box's children, kids[first[b]]
    // to kids[first[b+1]], are in that order too; the page makes node
    // objects only for the boxes it expands.
    const boxTree = (size, withStates) => {
      const t = {
        count: 1, parent: new Int32Array(size), func: new Int32Array(size).fill(-1),
        value: new Float64Array(size), self: new Float64Array(size),
        states: withStates ? new Float64Array(size * states) : null, first: null, kids: null
      };
      // An open-addressing hash table from (parent box, function) to
      // box, in typed arrays: a Map of millions of number keys is many
      // times slower.
      // The hash is the top bits of a multiplicative hash, the bits
      // that mix all of the key.
      let bits = 1;
      while ((1 << bits) < 2 * size) bits++;
      const slot = new Int32Array(1 << bits).fill(-1), mask = (1 << bits) - 1;
      t.child = (up, f) => {
        for (let h = Math.imul(Math.imul(up, 0x9e3779b1) ^ (f + 1), 0x85ebca77) >>> (32 - bits); ; h = (h + 1) & mask) {
          const b = slot[h];
          if (b < 0) {
            const made = t.count++;
            slot[h] = made;
            t.parent[made] = up;
            t.func[made] = f;
            return made;
          }
          if (t.parent[b] === up && t.func[b] === f) return b;
        }
      };
      t.finish = () => {
        const first = new Int32Array(t.count + 1), kids = new Int32Array(Math.max(t.count - 1, 0));
        for (let b = 1; b < t.count; b++) first[t.parent[b] + 1]++;
        for (let b = 0; b < t.count; b++) first[b + 1] += first[b];
        const fill = first.slice(0, t.count);
        for (let b = 1; b < t.count; b++) kids[fill[t.parent[b]]++] = b;
        t.first = first;
        t.kids = kids;
        return t;
      };
      return t;
    };
    // The forward tree's boxes, made once from every sample: stack
    // nodes that differ only by a line are one box, as in
    // callgraph.FromSamples; the filters change only the boxes' numbers
    // (boxes left with none are not drawn), so that ties keep the order
    // in which all the samples first reached them.
    const boxOf = new Int32Array(nodes);
    const tree = boxTree(nodes + 1, true);
    for (let j = 0; j < nodes; j++) boxOf[j] = tree.child(sparent[j] < 0 ? 0 : boxOf[sparent[j]], funcAt[j]);
    tree.finish();
    const boxNode = (t, b, up, inverted) => {
      const nd = node(t.func[b], t.value[b], up, t.func[b]);
      nd.self = t.self[b];
      nd.boxes = t;
      nd.box = b;
      if (inverted) nd.inverted = true;
      if (t.states) nd.states = Array.from(t.states.subarray(b * states, (b + 1) * states));
      return nd;
    };
    // expand makes a box's children, largest first (stable: ties in the
    // order samples first reached them).
    set.expand = (nd) => {
      const t = nd.boxes, out = [];
      for (let c = t.first[nd.box]; c < t.first[nd.box + 1]; c++) if (t.value[t.kids[c]] > 0) out.push(boxNode(t, t.kids[c], nd, nd.inverted));
      out.sort(byValue);
      nd.children = out;
    };
    set.root = () => boxNode(tree, 0, null, false);
    // callersRoot is the exact inverted tree of f: each kept sample in
    // which f runs, under the chain of its callers from f's outermost
    // frame up.
    set.callersRoot = (f) => {
      const above = new Uint8Array(nodes);
      const outer = [];
      let size = 1;
      for (let j = 0; j < nodes; j++) {
        const up = sparent[j];
        above[j] = up >= 0 && (above[up] || funcAt[up] === f) ? 1 : 0;
        if (funcAt[j] !== f || above[j] || sub[j] <= 0) continue;
        outer.push(j);
        for (let a = up; a >= 0; a = sparent[a]) size++;
      }
      const t = boxTree(size, false);
      t.func[0] = f;
      for (const j of outer) {
        let b = 0;
        for (let a = sparent[j]; a >= 0; a = sparent[a]) {
          b = t.child(b, funcAt[a]);
          t.value[b] += sub[j];
        }
        t.self[b] += sub[j]; // the top of the chain: no caller above
      }
      t.value[0] = ct[f];
      return boxNode(t.finish(), 0, null, true);
    };
    // lines returns f's kept samples by line: own (f running that line)
    // and total (that line of f on the stack, once per sample), and f's
    // own samples by state.
    set.lines = (f) => {
      const own = new Map(), total = new Map(), ownStates = new Float64Array(states);
      for (let j = 0; j < nodes; j++) {
        if (funcAt[j] !== f || sub[j] <= 0) continue;
        const line = lineAt[j];
        if (self[j] > 0) {
          own.set(line, (own.get(line) || 0) + self[j]);
          for (let k = 0; k < states; k++) ownStates[k] += selfState[j * states + k];
        }
        // A sample counts once per line: only at the outermost frame of
        // f on that line (recursion repeats it below).
        let outer = true;
        for (let a = sparent[j]; a >= 0 && outer; a = sparent[a]) outer = funcAt[a] !== f || lineAt[a] !== line;
        if (outer) total.set(line, (total.get(line) || 0) + sub[j]);
      }
      return { own, total, ownStates };
    };
    return set;
  }

  // textsOf indexes the source texts by path.
  function textsOf(td) {
    const byPath = new Map();
    if (!td) return byPath;
    const disk = new Set(td.disk);
    td.path.forEach((path, j) => byPath.set(path, { text: td.text[j], disk: disk.has(j) }));
    return byPath;
  }
};
