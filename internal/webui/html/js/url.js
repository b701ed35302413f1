// url.js: the page's place in the URL's hash (view, zoom path, function
// as root, callers, search, sort, depth, cutoff, colours, selection), so
// that a link or a reload reopens the same place. Zoom paths are function
// indices from the top, separated by dots.
hpp.URLState = () => {
  const read = () => {
    const out = {};
    const hash = location.hash.replace(/^#/, '');
    for (const part of hash.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      out[key] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    }
    return out;
  };
  let last = null;
  const write = (fields) => {
    const parts = [];
    for (const [key, value] of Object.entries(fields)) {
      if (value === '' || value === null || value === undefined) continue;
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
    }
    const hash = parts.length ? '#' + parts.join('&') : '';
    if (hash === last) return;
    last = hash;
    try {
      history.replaceState(null, '', hash || location.pathname + location.search);
    } catch (e) {
      location.hash = hash; // history is not available everywhere (some file:// pages)
    }
  };
  const ids = (text) => (text ? text.split('.').map(Number).filter((x) => Number.isInteger(x) && x >= 0) : []);
  return { read, write, ids, written: () => last };
};
