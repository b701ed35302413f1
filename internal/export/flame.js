// hpp flame graph: hover shows a frame's details, click zooms into it,
// Search (or Ctrl-F, or ?s=REGEX in the URL) highlights matching names.
// Text is set only through textContent, never parsed as markup.
(function () {
  "use strict";
  var svg, pad, font, inner, frames = [], details, matched, unzoom, zoomed = null;

  function name(g) { return g.querySelector("title").textContent.split("\n")[0]; }
  function info(g) { return g.querySelector("title").textContent.split("\n").join(" · "); }

  function fit(g, px) {
    var t = g.querySelector("text"), n = Math.floor(px / (font * 0.59)), s = g.__name;
    if (n < 3) { s = ""; } else if (Array.from(s).length > n) { s = Array.from(s).slice(0, n - 2).join("") + ".."; }
    t.textContent = s;
  }

  function place(g, fx, fw) {
    var r = g.querySelector("rect"), x = pad + fx * inner, w = fw * inner;
    r.setAttribute("x", x.toFixed(2));
    r.setAttribute("width", w.toFixed(2));
    g.querySelector("text").setAttribute("x", (x + 3).toFixed(2));
    fit(g, w);
  }

  function zoom(g) {
    var x0 = g.__x, w0 = g.__w, d0 = g.__d, eps = 1e-9;
    zoomed = g;
    unzoom.classList.remove("hide");
    frames.forEach(function (f) {
      f.classList.remove("parent");
      var inside = f.__x >= x0 - eps && f.__x + f.__w <= x0 + w0 + eps;
      if (f.__d < d0) {
        if (f.__x <= x0 + eps && f.__x + f.__w >= x0 + w0 - eps) {
          f.classList.add("parent");
          f.classList.remove("hide");
          place(f, 0, 1);
        } else {
          f.classList.add("hide");
        }
      } else if (inside && w0 > 0) {
        f.classList.remove("hide");
        place(f, (f.__x - x0) / w0, f.__w / w0);
      } else {
        f.classList.add("hide");
      }
    });
  }

  function reset() {
    zoomed = null;
    unzoom.classList.add("hide");
    frames.forEach(function (f) {
      f.classList.remove("parent", "hide");
      place(f, f.__x, f.__w);
    });
  }

  function search(term) {
    var re = null;
    frames.forEach(function (f) { f.querySelector("rect").setAttribute("fill", f.__fill); });
    matched.textContent = "";
    if (!term) { return 0; }
    try { re = new RegExp(term); } catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")); }
    var spans = [];
    frames.forEach(function (f) {
      if (f.__d > 0 && re.test(f.__name)) {
        f.querySelector("rect").setAttribute("fill", "rgb(230,0,230)");
        spans.push([f.__x, f.__x + f.__w]);
      }
    });
    // Nested matches would count twice: merge the spans first.
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var sum = 0, end = -1;
    spans.forEach(function (s) {
      if (s[0] >= end) { sum += s[1] - s[0]; end = s[1]; }
      else if (s[1] > end) { sum += s[1] - end; end = s[1]; }
    });
    matched.textContent = "Matched: " + (100 * sum).toFixed(2) + "%";
    return sum;
  }

  function init() {
    svg = document.querySelector("svg");
    pad = +svg.getAttribute("data-pad");
    font = +svg.getAttribute("data-font");
    inner = +svg.getAttribute("width") - 2 * pad;
    details = document.getElementById("details");
    matched = document.getElementById("matched");
    unzoom = document.getElementById("unzoom");
    frames = Array.prototype.slice.call(document.querySelectorAll("g.f"));
    frames.forEach(function (f) {
      f.__x = +f.getAttribute("data-x");
      f.__w = +f.getAttribute("data-w");
      f.__d = +f.getAttribute("data-d");
      f.__name = name(f);
      f.__fill = f.querySelector("rect").getAttribute("fill");
      f.addEventListener("mouseover", function () { details.textContent = info(f); });
      f.addEventListener("mouseout", function () { details.textContent = " "; });
      f.addEventListener("click", function () { if (f.__d === 0) { reset(); } else { zoom(f); } });
    });
    unzoom.addEventListener("click", reset);
    document.getElementById("search").addEventListener("click", function () {
      var t = window.prompt("Search for (regular expression):", "");
      if (t !== null) { search(t); }
    });
    window.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "f") {
        e.preventDefault();
        var t = window.prompt("Search for (regular expression):", "");
        if (t !== null) { search(t); }
      } else if (e.key === "Escape") {
        reset();
        search("");
      }
    });
    var q = new URLSearchParams(window.location.search).get("s");
    if (q) { search(q); }
    window.hppFlame = { zoom: zoom, reset: reset, search: search, frames: frames };
  }

  if (document.readyState === "complete") {
    init();
  } else {
    window.addEventListener("load", init);
  }
})();
