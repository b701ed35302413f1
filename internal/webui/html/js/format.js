// format.js: units, names and labels, and what a colour means.
hpp.Format = (model) => {
  const { names, files, fileOf, lineOf } = model;

  // seconds writes seconds at pstats' scale but to the microsecond, for
  // full values on hover.
  const seconds = (x) => {
    if (x === 0) return '0';
    const a = Math.abs(x);
    if (a >= 100) return x.toFixed(2);
    if (a >= 1e-6) return x.toFixed(6);
    return x.toExponential(2);
  };
  // duration writes a time with its unit (s, ms, µs), three digits.
  const duration = (x) => {
    if (model.countUnit) return x + ' ' + model.countUnit;
    if (model.sampledNS) x *= 1e-9;
    // Pick the unit after rounding to three digits, so 999.96 µs is
    // "1.00 ms", not "1.00e+3 µs".
    const a = Number(Math.abs(x).toPrecision(3));
    if (a === 0) return '0 s';
    if (a >= 1) return x.toFixed(a >= 100 ? 1 : 3) + ' s';
    if (a >= 1e-3) return (x * 1e3).toPrecision(3) + ' ms';
    return (x * 1e6).toPrecision(3) + ' \u00b5s';
  };
  const signed = (x) => (x > 0 ? '+' : x < 0 ? '\u2212' : '') + duration(Math.abs(x));
  const percent = (x, of) => {
    if (!(of > 0)) return '-';
    const p = 100 * x / of;
    return (Math.abs(p) >= 10 || p === 0 ? p.toFixed(1) : p.toPrecision(2)) + '%';
  };
  const name = (f) => (f < 0 ? 'all' : names[f]);
  const file = (f) => files[fileOf[f]];
  const baseName = (f) => {
    const path = file(f);
    if (path === '~') return '';
    const k = path.lastIndexOf('/');
    return k < 0 ? path : path.slice(k + 1);
  };
  // directory is the file's directory, or '' where there is none to
  // show (built-ins, frozen modules, a name relative to the start).
  const directory = (f) => {
    const path = file(f);
    const k = path.lastIndexOf('/');
    return path === '~' || path.startsWith('<') || k < 0 ? '' : path.slice(0, k);
  };
  // stdName is pstats' filename:lineno(function).
  const stdName = (f) => {
    const path = file(f);
    if (path === '~' && lineOf[f] === 0) {
      const s = names[f];
      return s.length >= 2 && s[0] === '<' && s[s.length - 1] === '>' ? '{' + s.slice(1, -1) + '}' : s;
    }
    return path + ':' + lineOf[f] + '(' + names[f] + ')';
  };
  const where = (f) => (file(f) === '~' ? 'built-in' : file(f) + (lineOf[f] ? ':' + lineOf[f] : ''));
  // Names that several functions share (<module>, __init__, main) get
  // their file's base name in labels.
  const ambiguous = (f) => model.shared[f] === 1 && file(f) !== '~';
  const boxName = (f) => (f >= 0 && ambiguous(f) ? names[f] + ' ' + baseName(f) : name(f));

  // kind sorts code into the user's own, the standard library, installed
  // packages and built-in (C) functions.
  const kinds = ['user', 'stdlib', 'library', 'builtin'];
  const kindLabels = { user: 'your code', stdlib: 'standard library', library: 'installed packages (site-packages)', builtin: 'built-in (C) functions' };
  const kindHue = { user: 28, stdlib: 140, library: 205, builtin: 275 };
  const fileKind = files.map((path) => {
    if (path === '~') return 'builtin';
    if (path.includes('/site-packages/') || path.includes('/dist-packages/')) return 'library';
    if (path.startsWith('<frozen ') || /\/lib\/python[0-9.]+\//.test(path) || /\/lib\/pypy[0-9.]*\//.test(path)) return 'stdlib';
    return 'user';
  });
  const kind = (f) => fileKind[fileOf[f]];
  // The kinds of code the profile has, for the legend.
  let present = null;
  const kindsPresent = () => {
    if (!present) {
      const used = new Set();
      for (let f = 0; f < model.listed; f++) used.add(fileKind[fileOf[f]]);
      present = kinds.filter((k) => used.has(k));
    }
    return present;
  };

  return { seconds, duration, signed, percent, name, file, baseName, directory, stdName, where, boxName, kinds, kindLabels, kindHue, kind, kindsPresent };
};

// Colours gives every box and row its colour, and the legend that says
// what the colours mean: the kind of code, the box's share of own time,
// or, for a diff, the change.
hpp.Colours = (model, format, state) => {
  const hash = (s) => {
    let h = 2166136261;
    for (let j = 0; j < s.length; j++) { h ^= s.charCodeAt(j); h = Math.imul(h, 16777619); }
    return h >>> 0;
  };
  const nameHash = new Map();
  const hashOf = (f) => {
    let h = nameHash.get(f);
    if (h === undefined) { h = hash(model.names[f] + '\0' + format.file(f)); nameHash.set(f, h); }
    return h;
  };
  // change is the diff's relative change of f, in [-1, 1].
  const change = (f) => {
    const base = model.base;
    const now = state.diffBy === 'ct' ? model.ct[f] : model.tt[f], was = state.diffBy === 'ct' ? base.ct[f] : base.tt[f];
    const m = Math.max(now, was);
    return m > 0 ? (now - was) / m : 0;
  };
  const diffColour = (r) => {
    const l = 92 - 45 * Math.min(1, Math.abs(r));
    return r > 0 ? 'hsl(4,75%,' + l + '%)' : r < 0 ? 'hsl(215,70%,' + l + '%)' : 'hsl(0,0%,88%)';
  };
  const ofFunc = (f) => (model.base ? diffColour(change(f)) : null);
  // A sampled box's thread states: holding the GIL, running without it,
  // waiting for it, idle (timemode's order).
  const stateColours = ['hsl(130,50%,55%)', 'hsl(205,75%,62%)', 'hsl(6,80%,62%)', 'hsl(40,8%,78%)'];
  const stateLabels = ['running with the GIL', 'running without the GIL (native code that released it)', 'waiting for the GIL', 'idle (sleeping or blocked)'];
  const dominant = (states) => {
    let best = 0;
    for (let k = 1; k < states.length; k++) if (states[k] > states[best]) best = k;
    return best;
  };
  const ofBox = (nd) => {
    const f = nd.func;
    if (f < 0) return '#c9ced8';
    if (model.base) return diffColour(change(f));
    if (state.colourBy === 'state' && nd.states) return stateColours[dominant(nd.states)];
    const h = hashOf(f);
    if (state.colourBy === 'self') {
      // Share of this box that is the function's own time.
      const share = nd.value > 0 ? Math.min(1, Math.max(0, nd.self / nd.value)) : 0;
      return 'hsl(' + (50 - 50 * share) + ',' + (60 + 30 * share) + '%,' + (86 - 32 * share) + '%)';
    }
    const hue = format.kindHue[format.kind(f)] + (h % 24) - 12;
    return 'hsl(' + hue + ',' + (45 + (h >>> 8) % 25) + '%,' + (66 + (h >>> 16) % 16) + '%)';
  };
  // legend lists the colours now in use, as [colour, words] pairs.
  const legend = () => {
    if (model.base) {
      const by = state.diffBy === 'ct' ? 'cumulative time' : 'own time';
      return [[diffColour(1), 'slower (' + by + ' grew)'], [diffColour(0.3), 'a little slower'], [diffColour(0), 'no change'],
        [diffColour(-0.3), 'a little faster'], [diffColour(-1), 'faster']];
    }
    if (state.colourBy === 'state' && model.sampled) {
      const totals = model.sampled.stateTotals, all = totals.reduce((a, b) => a + b, 0);
      return stateColours.map((c, k) => [c, stateLabels[k] + ' ' + format.percent(totals[k], all)]);
    }
    if (state.colourBy === 'self') {
      return [['hsl(50,60%,86%)', 'time spent in callees'], ['hsl(25,75%,70%)', 'half own time'], ['hsl(0,90%,54%)', 'all own time (tottime)']];
    }
    return format.kindsPresent().map((k) => ['hsl(' + format.kindHue[k] + ',55%,72%)', format.kindLabels[k]]);
  };
  return { ofBox, ofFunc, change, legend, stateColours, stateLabels };
};
