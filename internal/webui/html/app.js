// hpp view: draws a profile's estimated (or, with real stacks, exact)
// calling-context tree on a canvas and lists its functions in a
// virtualised table. Every string from the profile reaches the page
// through textContent or canvas text, never as HTML.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var H = window.__hpp = { ready: false, boxes: [], firstDraw: 0, lastOp: {}, errors: [] };

  function fail(msg) {
    var e = $('error');
    e.textContent = 'hpp view: ' + msg;
    e.hidden = false;
    H.errors.push(String(msg));
  }

  var holder = $('hpp-data'), raw = holder.textContent;
  if (raw.trim() !== '') {
    var inline = JSON.parse(raw);
    // Drop the text: for a big profile it is tens of MB.
    raw = null;
    holder.textContent = '';
    start(inline);
    inline = null;
  } else {
    fetch('data.json').then(function (r) {
      if (!r.ok) throw new Error('data.json: HTTP ' + r.status);
      return r.json();
    }).then(start).catch(function (e) { fail(e.message); });
  }

  function start(D) {
    var t0 = performance.now();
    // ---- the call graph, in typed arrays ----
    var n = D.n, listed = D.listed;
    var names = D.name, files = D.files;
    var fileOf = Int32Array.from(D.file), lineOf = Int32Array.from(D.line);
    var pc = Float64Array.from(D.pc), nc = Float64Array.from(D.nc);
    var tt = Float64Array.from(D.tt), ct = Float64Array.from(D.ct);
    var ne = D.ecaller.length;
    var coff = new Int32Array(listed + 1);
    for (var i = 0; i < listed; i++) coff[i + 1] = coff[i] + D.ecount[i];
    var ecaller = Int32Array.from(D.ecaller);
    var epc = Float64Array.from(D.epc), enc = Float64Array.from(D.enc);
    var ett = Float64Array.from(D.ett), ect = Float64Array.from(D.ect);
    var eonly = new Uint8Array(ne);
    D.eonly.forEach(function (e) { eonly[e] = 1; });
    var ecallee = new Int32Array(ne);
    for (i = 0; i < listed; i++) for (var e = coff[i]; e < coff[i + 1]; e++) ecallee[e] = i;
    // Callee lists in the order profile.Callees builds them.
    var doff = new Int32Array(n + 1);
    for (e = 0; e < ne; e++) doff[ecaller[e] + 1]++;
    for (i = 0; i < n; i++) doff[i + 1] += doff[i];
    var dedge = new Int32Array(ne), fill = doff.slice(0, n);
    for (e = 0; e < ne; e++) dedge[fill[ecaller[e]]++] = e;
    fill = null;
    var base = D.base || null;
    var bpc, bnc, btt, bct;
    if (base) {
      bpc = Float64Array.from(base.pc); bnc = Float64Array.from(base.nc);
      btt = Float64Array.from(base.tt); bct = Float64Array.from(base.ct);
    }
    H.heapParsed = performance.memory ? performance.memory.usedJSHeapSize : 0;
    var dataTotal = D.total, sampled = D.tree || null, title = D.title, sources = D.sources;
    // Sampled trees count samples, or nanoseconds of them.
    var sampledNS = sampled && sampled.unit === 'nanoseconds';
    var countUnit = sampled && !sampledNS ? (sampled.unit || 'samples') : '';
    var compIn = D.comp || [], cyclicIn = D.cyclic || [], cycSizeIn = D.cycsize || [], disagree = D.disagree || [];
    D = null; // let the parsed JSON arrays go

    function edgeCum(e) {
      if (!eonly[e]) return ect[e];
      var g = ecallee[e];
      if (nc[g] <= 0) return 0;
      return ct[g] * enc[e] / nc[g];
    }

    // ---- the tree: callgraph.Estimator's arithmetic, step for step ----
    // Every edge's cumulative time (Arc.Weight), computed once.
    var ew = new Float64Array(ne);
    for (e = 0; e < ne; e++) ew[e] = edgeCum(e);
    // Recursive cycles (strongly connected components), from the server.
    var comp = Int32Array.from(compIn);
    var nf = comp.length, ncomp = 0;
    for (i = 0; i < nf; i++) if (comp[i] >= ncomp) ncomp = comp[i] + 1;
    var cyclic = new Uint8Array(ncomp), cycSize = new Int32Array(ncomp);
    cyclicIn.forEach(function (c, j) { cyclic[c] = 1; cycSize[c] = cycSizeIn[j]; });
    compIn = cyclicIn = cycSizeIn = null;
    var countOnly = false;
    for (e = 0; e < ne; e++) if (eonly[e]) { countOnly = true; break; }
    // W per component (members' tottime and edges leaving it) and the
    // time of edges entering it, added in NewEstimator's order.
    var work = new Float64Array(ncomp), into = new Float64Array(ncomp);
    for (i = 0; i < nf; i++) {
      var ci = comp[i];
      work[ci] += tt[i];
      for (var j0 = doff[i]; j0 < doff[i + 1]; j0++) {
        var e0 = dedge[j0], d0 = comp[ecallee[e0]];
        if (d0 !== ci) { work[ci] += ew[e0]; into[d0] += ew[e0]; }
      }
    }
    // The member of each component called at the top level: the most
    // cumulative time not covered by callers outside the component.
    var head = new Int32Array(ncomp).fill(-1), best = new Float64Array(ncomp);
    for (i = 0; i < nf; i++) {
      var cu = comp[i], u = ct[i];
      if (i < listed) for (e = coff[i]; e < coff[i + 1]; e++) if (comp[ecaller[e]] !== cu) u -= ew[e];
      if (head[cu] < 0 || u > best[cu]) { head[cu] = i; best[cu] = u; }
    }
    function isCycleEntry(node) {
      return node.f >= 0 && node.f < nf && cyclic[comp[node.f]] === 1 && !node.inv &&
        (!node.p || node.p.f < 0 || comp[node.p.f] !== comp[node.f]);
    }

    var mark = new Uint32Array(n), stamp = 0;
    function markPath(node) {
      stamp++;
      for (var a = node; a && a.f >= 0; a = a.p) mark[a.f] = stamp;
    }
    // A box: function f, value v, self s, parent p, children k (null until
    // expanded), depth d, inv for the callers tree, and the member at
    // which the drawing entered f's component.
    function mk(f, v, p, entry) {
      return { f: f, v: v, s: v, p: p, k: null, d: p ? p.d + 1 : 0, inv: p ? p.inv : false, entry: entry };
    }
    function byValue(a, b) { return b.v - a.v; } // Array.prototype.sort is stable

    // A cycle drawn from one entry member: widestTree's result.
    var cycleTrees = new Map();
    function cycleTree(entry) {
      var t = cycleTrees.get(entry);
      if (!t) { t = widestTree(entry); cycleTrees.set(entry, t); }
      return t;
    }
    // widestLess is widestQueue.Less: widest first, then fewer hops, then
    // the lower function index.
    function widestLess(a, b) {
      if (a.width !== b.width) return a.width > b.width;
      if (a.hops !== b.hops) return a.hops < b.hops;
      return a.f < b.f;
    }
    function heapPush(h, it) {
      h.push(it);
      for (var j = h.length - 1; j > 0;) {
        var up = (j - 1) >> 1;
        if (!widestLess(h[j], h[up])) break;
        var x = h[j]; h[j] = h[up]; h[up] = x; j = up;
      }
    }
    function heapPop(h) {
      var top = h[0], last = h.pop();
      if (h.length) {
        h[0] = last;
        for (var j = 0; ;) {
          var l = 2 * j + 1, r = l + 1, m = j;
          if (l < h.length && widestLess(h[l], h[m])) m = l;
          if (r < h.length && widestLess(h[r], h[m])) m = r;
          if (m === j) break;
          var x = h[j]; h[j] = h[m]; h[m] = x; j = m;
        }
      }
      return top;
    }
    // widestTree hangs every member of entry's component under the member
    // from which the widest path inside the component reaches it, and
    // sums each member's subtree weight (callgraph's widestTree).
    function widestTree(entry) {
      var c = comp[entry];
      var width = new Map([[entry, Infinity]]), hops = new Map([[entry, 0]]), parent = new Map([[entry, -1]]);
      var done = new Set(), order = [], heap = [{ f: entry, width: Infinity, hops: 0 }];
      while (heap.length) {
        var it = heapPop(heap);
        if (done.has(it.f) || it.width !== width.get(it.f) || it.hops !== hops.get(it.f)) continue;
        done.add(it.f);
        order.push(it.f);
        for (var j = doff[it.f]; j < doff[it.f + 1]; j++) {
          var e = dedge[j], to = ecallee[e];
          if (comp[to] !== c || to === it.f || done.has(to)) continue;
          var wd = Math.min(it.width, ew[e]), h = it.hops + 1, old = width.get(to);
          if (old === undefined || wd > old || (wd === old && (h < hops.get(to) || (h === hops.get(to) && it.f < parent.get(to))))) {
            width.set(to, wd); hops.set(to, h); parent.set(to, it.f);
            heapPush(heap, { f: to, width: wd, hops: h });
          }
        }
      }
      var weight = new Map(), kidsOf = new Map();
      order.forEach(function (m) {
        var own = tt[m];
        for (var j = doff[m]; j < doff[m + 1]; j++) if (comp[ecallee[dedge[j]]] !== c) own += ew[dedge[j]];
        weight.set(m, own);
      });
      for (var k = order.length - 1; k > 0; k--) {
        var m = order[k], pm = parent.get(m);
        weight.set(pm, weight.get(pm) + weight.get(m));
        if (!kidsOf.has(pm)) kidsOf.set(pm, []);
        kidsOf.get(pm).push(m);
      }
      kidsOf.forEach(function (ks) {
        ks.sort(function (a, b) { return weight.get(b) - weight.get(a) || a - b; });
      });
      return { kids: kidsOf, weight: weight };
    }

    // expandCallees is Estimator.expand: outside a cycle, a callee's share
    // of the box is the edge's time over the component's work W; a cycle
    // is drawn once along its widest tree from the member it was entered
    // at, each member weighing its tottime, its edges out of the cycle and
    // its tree children.
    function expandCallees(node) {
      var f = node.f, value = node.v, out = [], w = 0;
      if (f < 0 || f >= nf) { node.k = out; node.s = value; return; }
      var c = comp[f], cyc = cyclic[c] === 1;
      if (cyc) {
        var t = cycleTree(node.entry);
        w = t.weight.get(f);
        var ks = t.kids.get(f) || [];
        for (var j = 0; j < ks.length; j++) out.push(mk(ks[j], t.weight.get(ks[j]), node, node.entry));
      } else {
        w = work[c];
      }
      if (w <= 0 || value <= 0) { node.k = []; node.s = value; return; }
      var leaving = [];
      for (j = doff[f]; j < doff[f + 1]; j++) {
        var e = dedge[j], g = ecallee[e];
        if (comp[g] !== c && ew[e] > 0) leaving.push(mk(g, ew[e], node, g));
      }
      leaving.sort(byValue);
      for (j = 0; j < leaving.length; j++) out.push(leaving[j]);
      var k = value / w, sum = 0;
      for (j = 0; j < out.length; j++) { out[j].v *= k; out[j].s = out[j].v; sum += out[j].v; }
      if (cyc) out.sort(byValue);
      // Rounding must not let the children outgrow the box.
      if (sum > value) {
        var sc = value / sum;
        for (j = 0; j < out.length; j++) { out[j].v *= sc; out[j].s = out[j].v; }
        sum = value;
      }
      node.k = out;
      node.s = value - sum < 0 ? 0 : value - sum;
    }
    function fitChildren(node, out, sum) {
      var value = node.v;
      if (sum > value) {
        var k = value / sum;
        sum = 0;
        for (var j = 0; j < out.length; j++) { out[j].v *= k; out[j].s = out[j].v; sum += out[j].v; }
      }
      out.sort(byValue);
      node.k = out;
      node.s = value - sum < 0 ? 0 : value - sum;
    }
    // expandCallers inverts it: a caller's share of the node is its
    // edge's cumulative time over the function's; the rest is time that
    // no caller accounts for (the top level).
    function expandCallers(node) {
      var f = node.f, value = node.v, cum = f < listed ? ct[f] : 0, out = [], sum = 0;
      if (cum <= 0 || value <= 0 || f >= listed) { node.k = out; node.s = value; return; }
      markPath(node);
      for (var e = coff[f]; e < coff[f + 1]; e++) {
        var c = ecaller[e], w = ew[e];
        if (mark[c] === stamp || w <= 0) continue;
        var v = value * w / cum;
        out.push(mk(c, v, node, c));
        sum += v;
      }
      fitChildren(node, out, sum);
    }

    // estimatedRoot is NewEstimator's roots: components whose work is
    // not all covered by edges entering them, drawn at their head member
    // and scaled to add up to the total.
    function estimatedRoot() {
      var roots = [], sum = 0, root = mk(-1, 0, null, -1);
      for (var c = 0; c < ncomp; c++) {
        var top = work[c] - into[c];
        if (top > 1e-7 * work[c] && top > 0) { roots.push(mk(head[c], top, root, head[c])); sum += top; }
      }
      var t = dataTotal;
      if (sum > 0 && t > 0) {
        for (var j = 0; j < roots.length; j++) { roots[j].v *= t / sum; roots[j].s = roots[j].v; }
      } else {
        t = sum;
      }
      roots.sort(byValue);
      var rs = 0;
      for (j = 0; j < roots.length; j++) rs += roots[j].v;
      root.v = t;
      root.s = t - rs < 0 ? 0 : t - rs;
      root.k = roots;
      return root;
    }
    // stacks walks a fresh estimated tree as callgraph's Tree does (boxes
    // below minFraction of the total get no children, at most maxDepth
    // levels) and returns every box with self time as the path of
    // functions from its root and that self time.
    function stacks(minFraction, maxDepth) {
      if (minFraction === undefined) minFraction = 1e-6;
      if (!maxDepth) maxDepth = 512;
      var out = [], path = [];
      var root = sampled ? sampledRoot(sampled) : estimatedRoot(), min = root.v * minFraction;
      function walk(node, depth) {
        path.push(node.f);
        var self = node.v, ks = [];
        if (depth < maxDepth && node.v >= min && (sampled || node.v > 0)) {
          ks = sampled ? node.k : kids(node);
          self = node.s;
          for (var j = 0; j < ks.length; j++) if (ks[j].v <= 0) self += ks[j].v;
        }
        if (self > 0) out.push({ frames: path.slice(), self: self });
        for (j = 0; j < ks.length; j++) if (ks[j].v > 0) walk(ks[j], depth + 1);
        if (!sampled) node.k = null;
        path.pop();
      }
      root.k.forEach(function (r) { if (r.v > 0) walk(r, 1); });
      return out;
    }
    // sampledRoot rebuilds callgraph.FromSamples' exact tree, sent in
    // preorder with depths.
    function sampledRoot(T) {
      var root = mk(-1, T.total, null, -1), stack = [root];
      root.k = [];
      for (var j = 0; j < T.f.length; j++) {
        var d = T.d[j];
        stack.length = d;
        var parent = stack[d - 1], node = mk(T.f[j], T.v[j], parent, T.f[j]);
        node.k = [];
        parent.k.push(node);
        parent.s -= node.v;
        stack.push(node);
      }
      return root;
    }
    function kids(node) {
      if (node.k === null) (node.inv ? expandCallers : expandCallees)(node);
      return node.k;
    }

    // ---- formatting and colour ----
    // fmtT writes seconds for the table, at pstats' scale but to the
    // microsecond; fmtD writes a duration with its unit for labels.
    function fmtT(x) {
      if (x === 0) return '0';
      var a = Math.abs(x);
      if (a >= 100) return x.toFixed(2);
      if (a >= 1e-6) return x.toFixed(6);
      return x.toExponential(2);
    }
    function fmtD(x) {
      if (countUnit) return x + ' ' + countUnit;
      if (sampledNS) x *= 1e-9;
      // Pick the unit after rounding to three digits, so 999.96 µs is
      // "1.00 ms", not "1.00e+3 µs".
      var a = Number(Math.abs(x).toPrecision(3));
      if (a === 0) return '0 s';
      if (a >= 1) return x.toFixed(a >= 100 ? 1 : 3) + ' s';
      if (a >= 1e-3) return (x * 1e3).toPrecision(3) + ' ms';
      return (x * 1e6).toPrecision(3) + ' \u00b5s';
    }
    function pct(x, of) { return of > 0 ? (100 * x / of).toFixed(1) + '%' : '-'; }
    function fname(f) { return f < 0 ? 'all' : names[f]; }
    function stdname(f) {
      var file = files[fileOf[f]];
      if (file === '~' && lineOf[f] === 0) {
        var s = names[f];
        return s.length >= 2 && s[0] === '<' && s[s.length - 1] === '>' ? '{' + s.slice(1, -1) + '}' : s;
      }
      return file + ':' + lineOf[f] + '(' + names[f] + ')';
    }
    function dirOf(f) {
      var file = files[fileOf[f]];
      if (file === '~') return '';
      var k = file.lastIndexOf('/');
      return k < 0 ? '.' : file.slice(0, k);
    }
    function hash(s) {
      var h = 2166136261;
      for (var j = 0; j < s.length; j++) { h ^= s.charCodeAt(j); h = Math.imul(h, 16777619); }
      return h >>> 0;
    }
    var fileHue = new Float32Array(files.length).fill(-1);
    function colour(node, flame) {
      var f = node.f;
      if (f < 0) return '#c9ced8';
      if (bct) {
        var now = state.diffBy === 'ct' ? ct[f] : tt[f], was = state.diffBy === 'ct' ? bct[f] : btt[f];
        var m = Math.max(now, was), r = m > 0 ? (now - was) / m : 0;
        var l = 92 - 45 * Math.min(1, Math.abs(r));
        return r > 0 ? 'hsl(4,75%,' + l + '%)' : r < 0 ? 'hsl(215,70%,' + l + '%)' : 'hsl(0,0%,88%)';
      }
      if (flame) {
        var h = hash(names[f]);
        return 'hsl(' + (h % 50) + ',' + (80 + (h >>> 8) % 20) + '%,' + (55 + (h >>> 16) % 15) + '%)';
      }
      // Hue by file, so that a module's functions look alike, shifted
      // a little by name so that neighbours differ.
      var fi = fileOf[f], hn = hash(names[f]);
      if (fileHue[fi] < 0) fileHue[fi] = hash(files[fi]) % 360;
      return 'hsl(' + ((fileHue[fi] + hn % 100 + 310) % 360) + ',' + (45 + (hn >>> 8) % 25) + '%,' + (68 + (hn >>> 16) % 14) + '%)';
    }

    // ---- state ----
    var state = {
      view: 'icicle', depth: 12, cutoff: 0.001, diffBy: 'ct',
      root: null, zoom: null,   // the forward tree and the node at the chart's top
      sel: -1                   // the function whose callers the Callers view shows
    };
    state.root = sampled ? sampledRoot(sampled) : estimatedRoot();
    state.zoom = state.root;
    var croot = null, czoom = null;
    var total = state.root.v;
    H.total = total;
    H.estimated = !sampled;
    // Test hooks: the drawn estimate as stacks, and the function table.
    H.stacks = stacks;
    H.funcs = function () {
      var out = [];
      for (var j = 0; j < n; j++) out.push({ file: files[fileOf[j]], line: lineOf[j], name: names[j] });
      return out;
    };
    H.disagree = disagree.slice();
    window.hppTest = H;
    if (!sampled) {
      var notes = [];
      if (countOnly) notes.push('This file was written by the profile module, which records only call counts on its edges: inclusive times are apportioned by call counts.');
      if (disagree.length) {
        notes.push('cProfile\'s own numbers do not add up for ' + disagree.length + (disagree.length === 1 ? ' function' : ' functions') +
          ' (the tree follows the edges): ' + disagree.slice(0, 8).map(function (f) { return names[f]; }).join(', ') +
          (disagree.length > 8 ? ', \u2026' : '') + '.');
      }
      var ncyc = 0;
      for (var cc = 0; cc < ncomp; cc++) if (cyclic[cc]) ncyc++;
      if (ncyc) notes.push('Boxes outlined with dashes enter a recursive cycle: times inside it are estimated.');
      if (notes.length) {
        var extra = document.createElement('div');
        extra.id = 'estnotes';
        extra.textContent = notes.join(' ');
        $('note').appendChild(extra);
      }
    }
    $('title').textContent = title;
    $('title').title = sources.join('\n');
    document.title = 'hpp view: ' + title;
    if (sampled) {
      $('notetext').textContent = 'This tree is drawn exactly from the sampled stacks (' + sampled.unit + ').';
    }
    if (bct) $('diffctl').hidden = false;

    // ---- the chart ----
    var canvas = $('chart'), box = $('chartbox'), ctx = canvas.getContext('2d');
    var RH = 18;
    var drawn = []; // hit-test records, parallel to H.boxes
    function chartTop() { return state.view === 'callers' ? czoom : state.zoom; }

    function resize(rows) {
      var dpr = window.devicePixelRatio || 1;
      var w = box.clientWidth, h = Math.max(box.clientHeight, rows);
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
        canvas.style.width = w + 'px';
        canvas.style.height = h + 'px';
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      return { w: w, h: h };
    }

    function record(node, geo) {
      drawn.push(node);
      var f = node.f;
      geo.name = fname(node.f);
      geo.file = f >= 0 ? files[fileOf[f]] : '';
      geo.line = f >= 0 ? lineOf[f] : 0;
      geo.f = f;
      geo.v = node.v;
      geo.depth = node.d - chartTop().d;
      H.boxes.push(geo);
    }

    // fit shortens text with an ellipsis to max pixels, or gives ''.
    function fit(text, max) {
      if (ctx.measureText(text).width <= max) return text;
      var lo = 0, hi = text.length;
      while (lo < hi) {
        var mid = (lo + hi + 1) >> 1;
        if (ctx.measureText(text.slice(0, mid) + '\u2026').width <= max) lo = mid; else hi = mid - 1;
      }
      return lo < 2 ? '' : text.slice(0, lo) + '\u2026';
    }
    function label(text, x, y, w) {
      if (w < 24) return;
      text = fit(text, w - 6);
      if (text) ctx.fillText(text, x + 3, y + 13);
    }

    var geoLabel = '';
    // drawRows lays out an icicle (top down) or a flame graph (bottom up).
    function drawRows(top, flame) {
      var rows = (state.depth + 1) * RH;
      var sz = resize(rows + 4);
      ctx.clearRect(0, 0, sz.w, sz.h);
      ctx.font = '12px system-ui, sans-serif';
      var scale = sz.w / (top.v || 1), min = state.cutoff * top.v;
      var minW = state.cutoff > 0 ? 0 : 0.3;
      var baseY = flame ? sz.h - RH - 2 : 0;
      var stack = [top], xs = [0];
      while (stack.length) {
        var node = stack.pop(), x = xs.pop();
        var d = node.d - top.d, w = node.v * scale;
        var y = flame ? baseY - d * RH : d * RH;
        var col = colour(node, flame);
        ctx.fillStyle = col;
        ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), RH - 1);
        ctx.fillStyle = '#111';
        geoLabel = fname(node.f) + ' ' + fmtD(node.v);
        if (isCycleEntry(node) && w >= 3) {
          ctx.save();
          ctx.setLineDash([4, 3]);
          ctx.strokeStyle = '#333';
          ctx.strokeRect(x + 0.5, y + 0.5, Math.max(w - 1.5, 0.5), RH - 2);
          ctx.restore();
        }
        label(geoLabel, x, y, w);
        record(node, { x: x, y: y, w: w, h: RH - 1, label: geoLabel, c: col });
        if (d >= state.depth) continue;
        var ks = kids(node), cx = x;
        var pending = [];
        for (var j = 0; j < ks.length; j++) {
          var c = ks[j];
          if (c.v < min || c.v * scale < minW || c.v <= 0) continue;
          pending.push(c, cx);
          cx += c.v * scale;
        }
        for (j = pending.length - 2; j >= 0; j -= 2) { stack.push(pending[j]); xs.push(pending[j + 1]); }
      }
    }

    function drawSunburst(top) {
      var sz = resize(0);
      ctx.clearRect(0, 0, sz.w, sz.h);
      var cx = sz.w / 2, cy = sz.h / 2, R = Math.min(sz.w, sz.h) / 2 - 4;
      var min = state.cutoff * top.v, k = 2 * Math.PI / (top.v || 1);
      // Lay out first, so that the rings share the radius among the
      // levels actually drawn.
      var laid = [], stack = [top], as = [0], maxD = 0;
      while (stack.length) {
        var node = stack.pop(), a0 = as.pop(), d = node.d - top.d;
        laid.push(node, a0);
        if (d > maxD) maxD = d;
        if (d >= state.depth) continue;
        var ks = kids(node), ca = a0, pending = [];
        for (var j = 0; j < ks.length; j++) {
          var c = ks[j];
          if (c.v < min || c.v * k * R < 0.3 || c.v <= 0) continue;
          pending.push(c, ca);
          ca += c.v * k;
        }
        for (j = pending.length - 2; j >= 0; j -= 2) { stack.push(pending[j]); as.push(pending[j + 1]); }
      }
      var ring = Math.max(8, R / (maxD + 1));
      ctx.font = '11px system-ui, sans-serif';
      ctx.lineWidth = 0.5;
      ctx.strokeStyle = '#fff';
      for (var i = 0; i < laid.length; i += 2) {
        node = laid[i]; a0 = laid[i + 1]; d = node.d - top.d;
        var a1 = a0 + node.v * k, r0 = d === 0 ? 0 : d * ring, r1 = (d + 1) * ring;
        ctx.beginPath();
        if (d === 0) {
          ctx.arc(cx, cy, r1, 0, 2 * Math.PI);
        } else {
          ctx.arc(cx, cy, r1, a0, a1);
          ctx.arc(cx, cy, r0, a1, a0, true);
          ctx.closePath();
        }
        var col = colour(node, false);
        ctx.fillStyle = col;
        ctx.fill();
        if (a1 - a0 > 0.02) ctx.stroke();
        var am = (a0 + a1) / 2, rm = d === 0 ? 0 : (r0 + r1) / 2;
        if (d > 0 && (a1 - a0) * rm >= 13 && ring >= 14) {
          // Label along the radius or along the arc, whichever has room.
          // A straight label along the arc must stay inside the ring:
          // its outer edge, at rm + 6, may reach out to r1 on each side.
          var chord = 2 * Math.sqrt(Math.max(0, r1 * r1 - (rm + 6) * (rm + 6)));
          var along = Math.min((a1 - a0) * rm, chord) - 8, across = ring - 6, tangent = along > across;
          var txt = fit(fname(node.f) + ' ' + fmtD(node.v), tangent ? along : across);
          if (txt) {
            ctx.save();
            ctx.translate(cx + rm * Math.cos(am), cy + rm * Math.sin(am));
            var rot = tangent ? am + Math.PI / 2 : am;
            rot = ((rot % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
            if (rot > Math.PI / 2 && rot < 3 * Math.PI / 2) rot += Math.PI; // keep text upright
            ctx.rotate(rot);
            ctx.fillStyle = '#111';
            ctx.textAlign = 'center';
            ctx.textBaseline = 'middle';
            ctx.fillText(txt, 0, 0);
            ctx.restore();
          }
        }
        record(node, { a0: a0, a1: a1, r0: r0, r1: r1, x: cx + rm * Math.cos(am), y: cy + rm * Math.sin(am), w: 0, h: 0, c: col,
          label: fname(node.f) + ' ' + fmtD(node.v) });
      }
      ctx.fillStyle = '#111';
      ctx.font = '12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      var t = fname(top.f);
      if (t.length > 24) t = t.slice(0, 23) + '\u2026';
      ctx.fillText(t, cx, cy - 2);
      ctx.fillText(fmtD(top.v), cx, cy + 12);
      ctx.textAlign = 'start';
    }

    function draw() {
      H.boxes = [];
      drawn = [];
      var top = chartTop();
      if (state.view === 'sunburst') drawSunburst(top);
      else drawRows(top, state.view === 'flame');
      if (state.view === 'flame') box.scrollTop = box.scrollHeight; // the root is at the bottom
      crumbs();
      H.view = state.view;
      H.zoom = top.f < 0 ? null : fname(top.f);
    }

    function hit(ev) {
      var r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
      var B = H.boxes;
      if (state.view === 'sunburst') {
        var cx = r.width / 2, cy = r.height / 2, dx = x - cx, dy = y - cy;
        var rr = Math.sqrt(dx * dx + dy * dy), a = Math.atan2(dy, dx);
        if (a < 0) a += 2 * Math.PI;
        for (var j = B.length - 1; j >= 0; j--) {
          var b = B[j];
          if (rr >= b.r0 && rr < b.r1 && (b.depth === 0 || (a >= b.a0 && a < b.a1))) return drawn[j];
        }
        return null;
      }
      for (j = B.length - 1; j >= 0; j--) {
        b = B[j];
        if (x >= b.x && x < b.x + Math.max(b.w, 1) && y >= b.y && y < b.y + RH) return drawn[j];
      }
      return null;
    }

    function pathOf(node) {
      var p = [];
      for (var a = node; a; a = a.p) p.push(a);
      return p.reverse();
    }

    function crumbs() {
      var el = $('crumbs');
      el.textContent = '';
      var top = chartTop(), path = pathOf(top);
      var lead = document.createElement('span');
      lead.textContent = state.view === 'callers' ? 'Callers of:' : (state.root.rooted ? 'Function as root:' : 'Path:');
      el.appendChild(lead);
      path.forEach(function (node, j) {
        if (j > 0) {
          var s = document.createElement('span');
          s.className = 'sep';
          s.textContent = state.view === 'callers' ? '\u2190' : '\u203a';
          el.appendChild(s);
        }
        var b = document.createElement('button');
        b.textContent = fname(node.f);
        b.title = node.f >= 0 ? stdname(node.f) : 'the whole profile';
        b.addEventListener('click', function () { timed('zoom', function () { setTop(node); }); });
        el.appendChild(b);
      });
    }

    function setTop(node) {
      if (state.view === 'callers') czoom = node; else state.zoom = node;
      draw();
    }

    function timed(what, fn) {
      var t = performance.now();
      fn();
      H.lastOp[what] = performance.now() - t;
    }

    canvas.addEventListener('click', function (ev) {
      var node = hit(ev);
      if (!node) return;
      timed('zoom', function () {
        var top = chartTop();
        if (node === top && node.p) node = node.p; // clicking the top goes back up
        if (node.f >= 0) showDetail(node.f);
        setTop(node);
      });
    });
    var tip = $('tip');
    canvas.addEventListener('mousemove', function (ev) {
      var node = hit(ev);
      if (!node) { tip.hidden = true; return; }
      var f = node.f, top = chartTop(), lines;
      if (f < 0) {
        lines = ['all: ' + fmtD(node.v) + ', the whole profile'];
      } else {
        lines = [
          names[f],
          'file: ' + files[fileOf[f]] + (lineOf[f] ? ':' + lineOf[f] : ''),
          'directory: ' + dirOf(f),
          'this box: ' + fmtD(node.v) + ' (' + pct(node.v, total) + ' of all, ' + pct(node.v, top.v) + ' of ' + fname(top.f) + ')',
          'own time in this box: ' + fmtD(node.s),
          'function own time: ' + fmtD(tt[f]) + ' (' + pct(tt[f], dataTotal) + '), cumulative: ' + fmtD(ct[f]) + ' (' + pct(ct[f], dataTotal) + ')'
        ];
        if (isCycleEntry(node)) lines.push('recursive cycle of ' + cycSize[comp[f]] + ' functions: times inside are estimated');
        if (bct) lines.push('change: own ' + sign(tt[f] - btt[f]) + ' s, cumulative ' + sign(ct[f] - bct[f]) + ' s');
        if (state.view === 'callers' && node.p) lines.push('accounts for ' + fmtD(node.v) + ' of ' + fname(croot.f) + "'s time");
      }
      tip.textContent = lines.join('\n');
      tip.hidden = false;
      var x = ev.clientX + 14, y = ev.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth) x = ev.clientX - tip.offsetWidth - 8;
      if (y + tip.offsetHeight > window.innerHeight) y = ev.clientY - tip.offsetHeight - 8;
      tip.style.left = x + 'px';
      tip.style.top = y + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
    function sign(x) { return (x > 0 ? '+' : '') + fmtT(x); }

    // ---- controls ----
    function setView(v) {
      state.view = v;
      document.querySelectorAll('#tabs button').forEach(function (b) { b.classList.toggle('on', b.dataset.view === v); });
      if (v === 'callers' && (!croot || (state.sel >= 0 && croot.f !== state.sel))) callersOf(state.sel >= 0 ? state.sel : defaultFunc());
      draw();
    }
    document.querySelectorAll('#tabs button').forEach(function (b) {
      b.addEventListener('click', function () { timed('view', function () { setView(b.dataset.view); }); });
    });
    $('depth').addEventListener('change', function () {
      var d = parseInt(this.value, 10);
      state.depth = d > 0 ? Math.min(d, 200) : 12;
      draw();
    });
    $('cutoff').addEventListener('change', function () { state.cutoff = parseFloat(this.value) || 0; draw(); });
    $('diffby').addEventListener('change', function () { state.diffBy = this.value; draw(); });
    $('reset').addEventListener('click', function () {
      timed('zoom', function () {
        if (state.root.rooted || state.view !== 'callers') {
          state.root = sampled ? sampledRoot(sampled) : estimatedRoot();
          state.zoom = state.root;
        }
        if (croot) czoom = croot;
        draw();
      });
    });
    window.addEventListener('resize', function () { draw(); renderRows(); });

    function defaultFunc() {
      var best = -1;
      for (var j = 0; j < listed; j++) if (best < 0 || tt[j] > tt[best]) best = j;
      return best;
    }
    function callersOf(f) {
      if (f < 0) return;
      croot = mk(f, ct[f], null, f);
      croot.inv = true;
      czoom = croot;
    }
    // A function as the root: its whole cumulative time, expanded with
    // the same estimate as Expand([f], cum(f)).
    function rootAt(f) {
      if (sampled) {
        state.zoom = state.root;
        return;
      }
      var r = mk(f, ct[f], null, f);
      r.rooted = true;
      state.root = r;
      state.zoom = r;
    }

    // ---- the detail panel ----
    function showDetail(f) {
      state.sel = f;
      var el = $('detail');
      el.textContent = '';
      var h = document.createElement('h3');
      h.textContent = names[f];
      el.appendChild(h);
      var p = document.createElement('div');
      p.textContent = (files[fileOf[f]] === '~' ? 'built-in' : files[fileOf[f]] + ':' + lineOf[f]) +
        '\ncalls ' + ncalls(f) + ', own ' + fmtT(tt[f]) + ' s, cumulative ' + fmtT(ct[f]) + ' s' +
        (bct ? '\nbase: own ' + fmtT(btt[f]) + ' s, cumulative ' + fmtT(bct[f]) + ' s' : '');
      p.style.whiteSpace = 'pre-wrap';
      el.appendChild(p);
      var actions = document.createElement('div');
      [['Make root', function () { rootAt(f); setView(state.view === 'callers' ? 'icicle' : state.view); }],
        ['Show callers', function () { callersOf(f); setView('callers'); }]].forEach(function (a) {
        var b = document.createElement('button');
        b.textContent = a[0];
        b.addEventListener('click', a[1]);
        actions.appendChild(b);
      });
      el.appendChild(actions);
      var callers = [], callees = [];
      if (f < listed) for (var e = coff[f]; e < coff[f + 1]; e++) callers.push(e);
      for (var j = doff[f]; j < doff[f + 1]; j++) callees.push(dedge[j]);
      edgeTable(el, 'Called by (' + callers.length + ')', callers, function (e) { return ecaller[e]; });
      edgeTable(el, 'Calls (' + callees.length + ')', callees, function (e) { return ecallee[e]; });
    }
    function edgeTable(el, title, es, other) {
      var h = document.createElement('h4');
      h.textContent = title;
      el.appendChild(h);
      if (!es.length) return;
      es.sort(function (a, b) { return edgeCum(b) - edgeCum(a); });
      var t = document.createElement('table');
      var head = t.insertRow();
      ['ncalls', 'tottime', 'cumtime', 'function'].forEach(function (c) { head.insertCell().textContent = c; });
      es.slice(0, 300).forEach(function (e) {
        var r = t.insertRow(), g = other(e);
        var c = r.insertCell();
        c.className = 'num';
        c.textContent = epc[e] !== enc[e] ? enc[e] + '/' + epc[e] : String(enc[e]);
        c = r.insertCell(); c.className = 'num'; c.textContent = eonly[e] ? '-' : fmtT(ett[e]);
        c = r.insertCell(); c.className = 'num'; c.textContent = eonly[e] ? '~' + fmtT(edgeCum(e)) : fmtT(ect[e]);
        c = r.insertCell(); c.className = 'fn'; c.textContent = stdname(g);
        c.addEventListener('click', function () { selectFunc(g); });
      });
      el.appendChild(t);
      if (es.length > 300) {
        var more = document.createElement('div');
        more.className = 'hint';
        more.textContent = (es.length - 300) + ' more';
        el.appendChild(more);
      }
    }
    function ncalls(f) { return nc[f] !== pc[f] ? nc[f] + '/' + pc[f] : String(nc[f]); }

    // selectFunc is what a table row does: the function becomes the root
    // (or, in the Callers view, the function whose callers are shown).
    function selectFunc(f) {
      timed('select', function () {
        showDetail(f);
        // A function that ran only in the base of a diff has no box.
        if (ct[f] > 0) { if (state.view === 'callers') callersOf(f); else rootAt(f); }
        draw();
        renderRows();
      });
    }

    // ---- the table: every pstats column, virtualised ----
    var rows = null;      // Int32Array of function ids in table order
    var shown = null;     // rows that match the search
    var inTable = [];
    for (i = 0; i < listed; i++) inTable.push(i);
    if (bct) for (i = listed; i < n; i++) if (bnc[i] > 0 || bct[i] > 0) inTable.push(i);
    var cols = bct ? [
      { t: 'ncalls', k: function (f) { return nc[f]; }, s: ncalls },
      { t: 'tottime', k: function (f) { return tt[f]; }, s: function (f) { return fmtT(tt[f]); } },
      { t: '\u0394tottime', k: function (f) { return tt[f] - btt[f]; }, s: function (f) { return sign(tt[f] - btt[f]); }, d: true },
      { t: 'cumtime', k: function (f) { return ct[f]; }, s: function (f) { return fmtT(ct[f]); } },
      { t: '\u0394cumtime', k: function (f) { return ct[f] - bct[f]; }, s: function (f) { return sign(ct[f] - bct[f]); }, d: true },
      { t: 'filename:lineno(function)', name: true }
    ] : [
      { t: 'ncalls', k: function (f) { return nc[f]; }, s: ncalls },
      { t: 'tottime', k: function (f) { return tt[f]; }, s: function (f) { return fmtT(tt[f]); } },
      { t: 'percall', k: function (f) { return nc[f] ? tt[f] / nc[f] : 0; }, s: function (f) { return nc[f] ? fmtT(tt[f] / nc[f]) : ''; } },
      { t: 'cumtime', k: function (f) { return ct[f]; }, s: function (f) { return fmtT(ct[f]); } },
      { t: 'percall', k: function (f) { return pc[f] ? ct[f] / pc[f] : 0; }, s: function (f) { return pc[f] ? fmtT(ct[f] / pc[f]) : ''; } },
      { t: 'filename:lineno(function)', name: true }
    ];
    var sortCol = bct ? 4 : 3, sortAsc = false, query = '';
    var std = null, lower = null;
    function stdNames() {
      if (!std) {
        std = new Array(n);
        lower = new Array(n);
        for (var j = 0; j < inTable.length; j++) { var f = inTable[j]; std[f] = stdname(f); lower[f] = std[f].toLowerCase(); }
      }
      return std;
    }
    function sortRows() {
      var c = cols[sortCol], ids = Int32Array.from(inTable);
      if (c.name) {
        var s = stdNames();
        ids.sort(function (a, b) { return s[a] < s[b] ? -1 : s[a] > s[b] ? 1 : a - b; });
        if (!sortAsc) ids.reverse();
      } else {
        var key = new Float64Array(n);
        for (var j = 0; j < ids.length; j++) key[ids[j]] = c.k(ids[j]);
        if (sortAsc) ids.sort(function (a, b) { return key[a] - key[b] || a - b; });
        else ids.sort(function (a, b) { return key[b] - key[a] || a - b; });
      }
      rows = ids;
      filterRows();
    }
    function filterRows() {
      if (!query) { shown = rows; } else {
        stdNames();
        var q = query.toLowerCase(), out = new Int32Array(rows.length), m = 0;
        for (var j = 0; j < rows.length; j++) if (lower[rows[j]].indexOf(q) >= 0) out[m++] = rows[j];
        shown = out.subarray(0, m);
      }
      $('count').textContent = shown.length + ' of ' + inTable.length + ' functions';
      H.tableCount = shown.length;
      H.query = query;
      $('spacer').style.height = (shown.length * ROWH) + 'px';
      tbody.scrollTop = 0;
      renderRows();
    }
    var ROWH = 20, tbody = $('tbody'), pool = [];
    function header() {
      var el = $('thead');
      el.textContent = '';
      var r = document.createElement('div');
      r.className = 'row';
      cols.forEach(function (c, j) {
        var s = document.createElement('span');
        s.className = (c.name ? 'fn' : 'num') + (j === sortCol ? ' sorted' + (sortAsc ? ' asc' : '') : '');
        s.textContent = c.t;
        s.title = 'sort by ' + c.t;
        s.addEventListener('click', function () {
          timed('sort', function () {
            if (sortCol === j) sortAsc = !sortAsc; else { sortCol = j; sortAsc = !!c.name; }
            header();
            sortRows();
          });
        });
        r.appendChild(s);
      });
      el.appendChild(r);
    }
    function renderRows() {
      if (!shown) return;
      var first = Math.floor(tbody.scrollTop / ROWH), count = Math.ceil(tbody.clientHeight / ROWH) + 2;
      var last = Math.min(shown.length, first + count), used = 0;
      H.tableRows = [];
      for (var j = first; j < last; j++, used++) {
        var r = pool[used];
        if (!r) {
          r = document.createElement('div');
          r.className = 'row';
          cols.forEach(function (c) { var s = document.createElement('span'); s.className = c.name ? 'fn' : 'num'; r.appendChild(s); });
          r.addEventListener('click', function () { selectFunc(+this.dataset.f); });
          tbody.appendChild(r);
          pool.push(r);
        }
        var f = shown[j];
        r.hidden = false;
        r.dataset.f = f;
        r.style.top = (j * ROWH) + 'px';
        r.classList.toggle('sel', f === state.sel);
        for (var k = 0; k < cols.length; k++) {
          var c = cols[k], s = r.children[k];
          s.textContent = c.name ? (std ? std[f] : stdname(f)) : c.s(f);
          if (c.d) { var dv = c.k(f); s.className = 'num' + (dv > 0 ? ' up' : dv < 0 ? ' down' : ''); }
        }
        H.tableRows.push(r.lastChild.textContent);
      }
      for (; used < pool.length; used++) pool[used].hidden = true;
    }
    tbody.addEventListener('scroll', renderRows, { passive: true });
    var searchTimer = 0;
    $('search').addEventListener('input', function () {
      var v = this.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { timed('search', function () { query = v; filterRows(); }); }, 60);
    });

    // ---- go ----
    H.parseMs = performance.now() - t0;
    draw();
    H.firstDraw = performance.now();
    requestAnimationFrame(function () {
      setTimeout(function () {
        header();
        sortRows();
        H.ready = true;
        H.readyAt = performance.now();
      }, 0);
    });
  }
})();
