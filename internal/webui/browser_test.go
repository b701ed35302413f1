package webui

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
	"hpp/internal/report"
	"hpp/internal/stackcheck"
)

// dnode is a drawn box with the boxes drawn inside it.
type dnode struct {
	b    box
	kids []*dnode
}

// drawnTree rebuilds the drawn tree from the page's boxes, which it
// records in preorder with depths.
func drawnTree(tb testing.TB, bs []box) *dnode {
	tb.Helper()
	if len(bs) == 0 {
		tb.Fatal("the page drew no boxes")
	}
	root := &dnode{b: bs[0]}
	stack := []*dnode{root}
	for _, b := range bs[1:] {
		if b.Depth < 1 || b.Depth > len(stack) {
			tb.Fatalf("box %q at depth %d after depth %d", b.Name, b.Depth, len(stack)-1)
		}
		stack = stack[:b.Depth]
		n := &dnode{b: b}
		stack[b.Depth-1].kids = append(stack[b.Depth-1].kids, n)
		stack = append(stack, n)
	}
	return root
}

var labelNum = regexp.MustCompile(`(-?[0-9.]+) (s|ms|µs)$`)

// compareTree checks every drawn box under n against callgraph's
// estimate: the same children, in the same order, with the same sizes,
// none larger than its parent, each labelled with its own size, and as
// wide as its share of the top box.
func compareTree(tb testing.TB, p *profile.Profile, est *callgraph.Estimator, n *dnode, path []profile.FuncID, min, width, topV float64, maxDepth int) int {
	tb.Helper()
	checked := 1
	if n.b.Label != "" {
		m := labelNum.FindStringSubmatch(n.b.Label)
		if m == nil || !strings.HasPrefix(n.b.Label, n.b.Name) {
			tb.Errorf("box %q has label %q: want its name and size", n.b.Name, n.b.Label)
		} else {
			x, _ := strconv.ParseFloat(m[1], 64)
			x *= map[string]float64{"s": 1, "ms": 1e-3, "µs": 1e-6}[m[2]]
			if math.Abs(x-n.b.V) > 0.006*n.b.V {
				tb.Errorf("box %q of size %g is labelled %q", n.b.Name, n.b.V, n.b.Label)
			}
		}
	}
	if width > 0 {
		if w := n.b.V / topV * width; math.Abs(w-n.b.W) > 0.01 {
			tb.Errorf("box %q is %g px wide, want %g", n.b.Name, n.b.W, w)
		}
	}
	if n.b.Depth >= maxDepth {
		return checked
	}
	var want []callgraph.Child
	if n.b.F < 0 {
		want = est.Roots()
	} else {
		want, _ = est.Expand(path, n.b.V)
	}
	var kept []callgraph.Child
	for _, c := range want {
		if c.Value >= min && c.Value > 0 {
			kept = append(kept, c)
		}
	}
	if len(kept) != len(n.kids) {
		var got []string
		for _, k := range n.kids {
			got = append(got, k.b.Name)
		}
		var exp []string
		for _, k := range kept {
			exp = append(exp, p.Funcs[k.Func].Name)
		}
		tb.Fatalf("under %q (path %v): drew %v, callgraph has %v", n.b.Name, path, got, exp)
	}
	var sum float64
	for i, k := range n.kids {
		c := kept[i]
		if k.b.F != int(c.Func) || k.b.Name != p.Funcs[c.Func].Name || k.b.V != c.Value {
			tb.Errorf("under %q child %d: drew %s=%.17g, callgraph has %s=%.17g", n.b.Name, i, k.b.Name, k.b.V, p.Funcs[c.Func].Name, c.Value)
		}
		if k.b.V > n.b.V {
			tb.Errorf("child %q (%g) larger than its parent %q (%g)", k.b.Name, k.b.V, n.b.Name, n.b.V)
		}
		sum += k.b.V
		checked += compareTree(tb, p, est, k, append(path[:len(path):len(path)], c.Func), min, width, topV, maxDepth)
	}
	if sum > n.b.V*(1+1e-12) {
		tb.Errorf("children of %q add up to %g, more than its %g", n.b.Name, sum, n.b.V)
	}
	return checked
}

func canvasWidth(tb testing.TB, t *tab) float64 {
	return eval[float64](tb, t, `document.getElementById('chart').getBoundingClientRect().width`)
}

func rowsText(tb testing.TB, t *tab) []string {
	return eval[[]string](tb, t, `window.hppTest.tableRows`)
}

func TestBrowser(t *testing.T) {
	br := getBrowser(t)
	fibPath, fib := cprofile(t, fmt.Sprintf(fibSrc, 300000, 22))
	est := callgraph.NewEstimator(fib)
	srv := httptest.NewServer(Handler(fib, Options{Title: "fib.prof"}))
	defer srv.Close()
	var served []box

	t.Run("fib", func(t *testing.T) {
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		if est := eval[bool](t, tb, `window.hppTest.estimated`); !est {
			t.Error("page does not say the tree is estimated")
		}
		note := eval[string](t, tb, `document.getElementById('notetext').textContent`)
		if !strings.Contains(note, "estimated from the call graph") {
			t.Errorf("note %q does not say the tree is estimated", note)
		}
		served = tb.boxes(t)
		root := drawnTree(t, served)
		if root.b.Name != "all" || root.b.V != est.Total() {
			t.Fatalf("top box %q = %g, want all = %g", root.b.Name, root.b.V, est.Total())
		}
		if root.b.V != fib.TotalTT {
			t.Errorf("top box %g, profile total %g", root.b.V, fib.TotalTT)
		}
		n := compareTree(t, fib, est, root, nil, 0.001*est.Total(), canvasWidth(t, tb), root.b.V, 12)
		if n < 6 {
			t.Errorf("only %d boxes checked", n)
		}
		screenshot(t, tb, "fib-icicle.png")

		// Zoom: click "work"; it becomes the top box with its size, and
		// its children are callgraph's for its path.
		var workPath []profile.FuncID
		var workV float64
		callgraph.Walk(est.Tree(callgraph.Options{MinFraction: 0.001}), func(path []profile.FuncID, nd *callgraph.Node) {
			if workPath == nil && fib.Funcs[nd.Func].Name == "work" {
				workPath, workV = append([]profile.FuncID(nil), path...), nd.Value
			}
		})
		if workPath == nil {
			t.Fatal("callgraph has no work node")
		}
		tb.clickBox(t, "work")
		zoomed := drawnTree(t, tb.boxes(t))
		if zoomed.b.Name != "work" || zoomed.b.V != workV {
			t.Fatalf("after clicking work the top box is %q = %g, want work = %g", zoomed.b.Name, zoomed.b.V, workV)
		}
		compareTree(t, fib, est, zoomed, workPath, 0.001*workV, canvasWidth(t, tb), workV, 12)
		crumbs := eval[[]string](t, tb, `Array.from(document.querySelectorAll('#crumbs button')).map(function(b){return b.textContent})`)
		if len(crumbs) != len(workPath)+1 || crumbs[0] != "all" || crumbs[len(crumbs)-1] != "work" {
			t.Errorf("breadcrumbs %q, want all then the path to work", crumbs)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#crumbs button`)))
		if top := tb.boxes(t)[0]; top.Name != "all" {
			t.Errorf("breadcrumb 'all' left %q at the top", top.Name)
		}

		// Hover: name, file, line, directory, sizes and shares.
		var fibBox box
		for _, b := range tb.boxes(t) {
			if b.Name == "fib" {
				fibBox = b
			}
		}
		off := eval[struct{ X, Y float64 }](t, tb, `(function(){var r=document.getElementById('chart').getBoundingClientRect();return {X:r.left,Y:r.top}})()`)
		tb.do(t, chromedp.MouseEvent("mouseMoved", off.X+fibBox.X+fibBox.W/2, off.Y+fibBox.Y+8))
		tip := eval[string](t, tb, `document.getElementById('tip').hidden ? '' : document.getElementById('tip').textContent`)
		for _, want := range []string{"fib\n", "file: " + fibBox.File + ":2", "directory: " + filepath.Dir(fibBox.File), "This box: ", "% of all", "of its parent", "in itself", "cumulative"} {
			if !strings.Contains(tip, want) {
				t.Errorf("hover text %q lacks %q", tip, want)
			}
		}
		// Depth and cutoff controls.
		tb.do(t, chromedp.SetValue(chromedp.CSS(`#depth`), "2"), chromedp.SetValue(chromedp.CSS(`#cutoff`), "0.01"))
		eval[bool](t, tb, `document.getElementById('depth').dispatchEvent(new Event('change')) && document.getElementById('cutoff').dispatchEvent(new Event('change'))`)
		limited := tb.boxes(t)
		for _, b := range limited {
			if b.Depth > 2 || b.V < 0.01*limited[0].V {
				t.Errorf("with depth 2 and cutoff 1%%, drew %q at depth %d of size %g", b.Name, b.Depth, b.V)
			}
		}
		compareTree(t, fib, est, drawnTree(t, limited), nil, 0.01*est.Total(), canvasWidth(t, tb), limited[0].V, 2)
		tb.do(t, chromedp.SetValue(chromedp.CSS(`#depth`), "12"), chromedp.SetValue(chromedp.CSS(`#cutoff`), "0.001"))
		eval[bool](t, tb, `document.getElementById('depth').dispatchEvent(new Event('change')) && document.getElementById('cutoff').dispatchEvent(new Event('change'))`)

		// Sorted by tottime ("where the time goes") from the sort control:
		// the first rows are pstats' first rows.
		tb.do(t, chromedp.SetValue(chromedp.CSS(`#sortby`), "ct"))
		eval[bool](t, tb, `document.getElementById('sortby').dispatchEvent(new Event('change'))`)
		if h := eval[string](t, tb, `document.querySelector('#thead .sorted').textContent`); h != "cumtime" {
			t.Errorf("sorted by cumtime from the control, the sorted heading is %q", h)
		}
		tb.do(t, chromedp.SetValue(chromedp.CSS(`#sortby`), "tt"))
		eval[bool](t, tb, `document.getElementById('sortby').dispatchEvent(new Event('change'))`)
		ord, _ := report.ParseOrder([]string{"tottime"})
		want := ord.Sort(fib)
		rows := rowsText(t, tb)
		for i := 0; i < 3 && i < len(rows); i++ {
			if w := fib.Funcs[want[i]].Func.String(); rows[i] != w {
				t.Errorf("sorted by tottime, row %d is %q, pstats has %q", i, rows[i], w)
			}
		}
		// Search.
		tb.do(t, chromedp.SendKeys(chromedp.CSS(`#search`), "FIB"))
		var nfib int
		for i := range fib.Listed() {
			if strings.Contains(strings.ToLower(fib.Funcs[i].Func.String()), "fib") {
				nfib++
			}
		}
		tb.wait(t, fmt.Sprintf(`window.hppTest.tableCount === %d`, nfib))
		for _, r := range rowsText(t, tb) {
			if !strings.Contains(strings.ToLower(r), "fib") {
				t.Errorf("search fib shows %q", r)
			}
		}
		// A row click makes that function the root.
		tb.do(t, chromedp.Click(chromedp.CSS(`#tbody .row`)))
		top := tb.boxes(t)[0]
		f := profile.FuncID(top.F)
		if top.F < 0 || top.V != fib.Funcs[f].CumTime || fib.Funcs[f].Func.String() != rowsText(t, tb)[0] {
			t.Fatalf("after a row click the top box is %q = %g", top.Name, top.V)
		}
		compareTree(t, fib, est, drawnTree(t, tb.boxes(t)), []profile.FuncID{f}, 0.001*top.V, canvasWidth(t, tb), top.V, 12)
		detail := eval[string](t, tb, `document.getElementById('detail').textContent`)
		if !strings.Contains(detail, "Called by") || !strings.Contains(detail, "work") {
			t.Errorf("detail panel for %s lacks its callers: %q", fib.Funcs[f].Name, detail)
		}

		// Reset, then sunburst: same sizes, as angles.
		tb.do(t, chromedp.Click(chromedp.CSS(`#reset`)), chromedp.Click(chromedp.CSS(`#tabs button[data-view=sunburst]`)))
		sb := tb.boxes(t)
		if eval[string](t, tb, `window.hppTest.view`) != "sunburst" || sb[0].Name != "all" {
			t.Fatalf("sunburst top %q", sb[0].Name)
		}
		for _, b := range sb[1:] {
			if b.Depth == 1 {
				if got, want := (b.A1-b.A0)/(2*math.Pi), b.V/sb[0].V; math.Abs(got-want) > 1e-9 {
					t.Errorf("sunburst %q spans %g of the circle, want %g", b.Name, got, want)
				}
			}
		}
		compareTree(t, fib, est, drawnTree(t, sb), nil, 0.001*est.Total(), 0, sb[0].V, 3)
		screenshot(t, tb, "fib-sunburst.png")
		tb.clickBox(t, "work")
		if z := eval[string](t, tb, `window.hppTest.zoom`); z != "work" {
			t.Errorf("clicking work in the sunburst zoomed to %q", z)
		}

		// Flame graph: root at the bottom.
		tb.do(t, chromedp.Click(chromedp.CSS(`#reset`)), chromedp.Click(chromedp.CSS(`#tabs button[data-view=flame]`)))
		fl := tb.boxes(t)
		for _, b := range fl[1:] {
			if b.Y >= fl[0].Y {
				t.Errorf("flame graph: %q (depth %d) at y=%g, not above the root at %g", b.Name, b.Depth, b.Y, fl[0].Y)
				break
			}
		}
		compareTree(t, fib, est, drawnTree(t, fl), nil, 0.001*est.Total(), canvasWidth(t, tb), fl[0].V, 12)
		screenshot(t, tb, "fib-flame.png")

		// Callers of fib: one box per caller, sized by that edge's
		// cumulative time as cProfile recorded it.
		tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=icicle]`)))
		tb.clickBox(t, "fib")
		tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=callers]`)))
		cb := drawnTree(t, tb.boxes(t))
		fibID := profile.FuncID(cb.b.F)
		if cb.b.Name != "fib" || cb.b.V != fib.Funcs[fibID].CumTime {
			t.Fatalf("callers view top %q = %g, want fib = its cumulative time", cb.b.Name, cb.b.V)
		}
		var wantCallers []profile.Edge
		for _, e := range fib.Funcs[fibID].Callers {
			if e.Caller != fibID && e.CumTime >= 0.001*cb.b.V {
				wantCallers = append(wantCallers, e)
			}
		}
		if len(cb.kids) != len(wantCallers) {
			t.Fatalf("callers of fib: drew %d, profile has %d", len(cb.kids), len(wantCallers))
		}
		for _, k := range cb.kids {
			for _, e := range wantCallers {
				if int(e.Caller) == k.b.F && math.Abs(k.b.V-e.CumTime) > 1e-12*e.CumTime {
					t.Errorf("caller %q accounts for %g of fib, cProfile's edge says %g", k.b.Name, k.b.V, e.CumTime)
				}
			}
		}
		screenshot(t, tb, "fib-callers.png")
		tb.check(t)
	})

	t.Run("escaping", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "evil.prof")
		runPython(t, dir, evilSrc, out, dir)
		p := readProf(t, out)
		srv := httptest.NewServer(Handler(p, Options{Title: `<b>"title"</b>`}))
		defer srv.Close()
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		tb.search(t, "onerror")
		if r := rowsText(t, tb); len(r) != 1 || !strings.Contains(r[0], "(<img src=x onerror=alert(1)>)") {
			t.Errorf("row for the img function: %q", r)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#tbody .row`)))
		if h := eval[string](t, tb, `document.querySelector('#detail h3').textContent`); h != "<img src=x onerror=alert(1)>" {
			t.Errorf("detail heading %q", h)
		}
		tb.search(t, "файл")
		if r := rowsText(t, tb); len(r) == 0 || !strings.Contains(r[0], `dir "quoted" 'single'/naïve_файл_日本.py`) {
			t.Errorf("row for the quoted non-ASCII file: %q", r)
		}
		if n := eval[int](t, tb, `document.querySelectorAll('img, iframe, object, embed').length + document.scripts.length`); n != 3 {
			t.Errorf("the page holds %d img/script elements, want just its 3 scripts (data, source texts, code)", n)
		}
		if title := eval[string](t, tb, `document.getElementById('title').textContent`); title != `<b>"title"</b>` {
			t.Errorf("title shows as %q", title)
		}
		if eval[bool](t, tb, `window.__hpp_pwned === true`) {
			t.Error("a profile string ran as script")
		}
		tb.check(t)
	})

	t.Run("large", func(t *testing.T) {
		dir := t.TempDir()
		path := genProfile(t, dir, 30000)
		p := readProf(t, path)
		if p.NumListed < 30000 {
			t.Fatalf("generated profile has %d functions", p.NumListed)
		}
		est := callgraph.NewEstimator(p)
		srv := httptest.NewServer(Handler(p, Options{Title: "gen"}))
		defer srv.Close()
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		root := drawnTree(t, tb.boxes(t))
		n := compareTree(t, p, est, root, nil, 0.001*est.Total(), canvasWidth(t, tb), root.b.V, 12)
		if n < 100 {
			t.Errorf("only %d boxes drawn and checked", n)
		}
		t.Logf("%d boxes match callgraph exactly", n)
		screenshot(t, tb, "large-icicle.png")
		if n := eval[int](t, tb, `document.querySelectorAll('#tbody .row').length`); n > 100 {
			t.Errorf("table holds %d row elements for %d functions: not virtualised", n, p.NumListed)
		}
		tb.do(t, chromedp.SendKeys(chromedp.CSS(`#search`), "(f2999"))
		tb.wait(t, `window.hppTest.tableCount === 11`) // f2999, f29990..f29999
		tb.do(t, chromedp.Click(chromedp.CSS(`#thead .row span:last-child`)))
		if r := rowsText(t, tb); len(r) != 11 || !strings.HasSuffix(r[0], "(f2999)") {
			t.Errorf("sorted by name, the f2999 search shows %q", r)
		}
		t.Logf("30k functions: first chart %.0f ms after navigation start, table ready %.0f ms; %+v",
			eval[float64](t, tb, `window.hppTest.firstDraw`), eval[float64](t, tb, `window.hppTest.readyAt`),
			eval[map[string]float64](t, tb, `window.hppTest.lastOp`))
		tb.check(t)
	})

	t.Run("diff", func(t *testing.T) {
		// The same script file, run with more work the second time.
		dir := t.TempDir()
		base := cprofileIn(t, dir, "base.prof", fmt.Sprintf(fibSrc, 300000, 17))
		fib := cprofileIn(t, dir, "new.prof", fmt.Sprintf(fibSrc, 300000, 22))
		est := callgraph.NewEstimator(fib)
		srv := httptest.NewServer(Handler(fib, Options{Title: "diff", Base: base}))
		defer srv.Close()
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		if eval[bool](t, tb, `document.getElementById('diffctl').hidden`) {
			t.Error("diff controls hidden in diff mode")
		}
		// The table is sorted by the change in cumulative time.
		baseCT := map[profile.Func]float64{}
		for _, f := range base.Listed() {
			baseCT[f.Func] = f.CumTime
		}
		best, bestD := "", math.Inf(-1)
		for _, f := range fib.Listed() {
			if d := f.CumTime - baseCT[f.Func]; d > bestD {
				best, bestD = f.Func.String(), d
			}
		}
		if r := rowsText(t, tb); len(r) == 0 || r[0] != best {
			t.Errorf("diff table starts with %q, want the largest growth %q", r, best)
		}
		// fib grew (work(22) against work(17)): its box is red.
		for _, b := range tb.boxes(t) {
			if b.Name == "fib" && !strings.HasPrefix(b.Color, "hsl(4,") {
				t.Errorf("fib grew but is coloured %q", b.Color)
			}
		}
		compareTree(t, fib, est, drawnTree(t, tb.boxes(t)), nil, 0.001*est.Total(), canvasWidth(t, tb), est.Total(), 12)
		// The headline: total A → B and the change in ms and %.
		head := eval[string](t, tb, `document.getElementById('headline').hidden ? '' : document.getElementById('headline-text').textContent`)
		pct := 100 * (fib.TotalTT - base.TotalTT) / base.TotalTT
		wantPct := fmt.Sprintf("%.1f%%)", math.Abs(pct))
		if !strings.HasPrefix(head, "Total ") || !strings.Contains(head, " → ") || !strings.HasSuffix(head, wantPct) {
			t.Errorf("diff headline %q, want Total A → B with the change ending %q", head, wantPct)
		}
		// The table paints the change with the chart's colour for the function.
		colour := map[int]string{}
		for _, b := range tb.boxes(t) {
			colour[b.F] = b.Color
		}
		cells := eval[[][]string](t, tb, `Array.from(document.querySelectorAll('#tbody .row')).filter(function(r){return !r.hidden}).map(function(r){return [r.dataset.func, r.children[4].style.background]})`)
		for _, c := range cells {
			f, _ := strconv.Atoi(c[0])
			if want, ok := colour[f]; ok && !sameColour(c[1], want) {
				t.Errorf("row of %s painted %q, its box %q", fib.Funcs[f].Name, c[1], want)
			}
		}
		if n := eval[string](t, tb, `document.querySelectorAll('#thead [role=columnheader]')[5].textContent`); n != "Δ%" {
			t.Errorf("the diff table's sixth column is %q, want Δ%%", n)
		}
		screenshot(t, tb, "fib-diff.png")
		tb.check(t)
	})

	t.Run("sampled", func(t *testing.T) {
		// A profile with real stacks is drawn exactly as they were.
		b := profile.NewBuilder(4)
		m := b.Func(profile.Func{File: "m.py", Line: 1, Name: "main"})
		x := b.Func(profile.Func{File: "m.py", Line: 5, Name: "load"})
		y := b.Func(profile.Func{File: "m.py", Line: 9, Name: "parse"})
		b.Entry(m, profile.Stats{PCalls: 1, NCalls: 1, CumTime: 1}, nil)
		p := b.Profile()
		p.Samples = &profile.SampleSet{Unit: "samples", Samples: []profile.Sample{
			{Stack: []profile.Frame{{Func: y}, {Func: x}, {Func: m}}, Weight: 5, Thread: -1},
			{Stack: []profile.Frame{{Func: x}, {Func: m}}, Weight: 2, Thread: -1},
			{Stack: []profile.Frame{{Func: y}, {Func: m}}, Weight: 3, Thread: -1},
			{Stack: []profile.Frame{{Func: x}, {Func: y}, {Func: m}}, Weight: 1, Thread: -1},
		}}
		srv := httptest.NewServer(Handler(p, Options{Title: "sampled"}))
		defer srv.Close()
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		if eval[bool](t, tb, `window.hppTest.estimated`) {
			t.Error("a sampled profile is called estimated")
		}
		var want []string
		callgraph.Walk(callgraph.FromSamples(p.Samples), func(path []profile.FuncID, n *callgraph.Node) {
			want = append(want, fmt.Sprintf("%d %s %g", len(path), p.Funcs[n.Func].Name, n.Value))
		})
		var got []string
		for _, b := range tb.boxes(t)[1:] {
			got = append(got, fmt.Sprintf("%d %s %g", b.Depth, b.Name, b.V))
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("drew %q, the stacks give %q", got, want)
		}
		if l := tb.boxes(t)[1].Label; l != "main 11 samples" {
			t.Errorf("label %q", l)
		}
		tb.check(t)
	})

	t.Run("sort", func(t *testing.T) {
		// The table's sort without a comparator against a plain
		// comparator sort, on random keys with many ties, infinities and
		// signed zeros, both ways.
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		bad := eval[[]string](t, tb, `(function () {
			var seed = 12345, bad = [];
			function rnd() { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; }
			var specials = [0, -0, Infinity, -Infinity, 1e-300, -2.5];
			for (var trial = 0; trial < 200; trial++) {
				var n = 1 + Math.floor(rnd() * (trial < 100 ? 20 : 3000)), key = new Float64Array(4 * n), ids = [];
				for (var f = 0; f < 4 * n; f++) {
					var r = rnd();
					key[f] = r < 0.1 ? specials[Math.floor(rnd() * specials.length)] : Math.floor(rnd() * (trial % 7 + 2)) / 8 - 0.25;
					if (rnd() < 0.3) ids.push(f);
				}
				ids = Int32Array.from(ids);
				[true, false].forEach(function (asc) {
					var got = window.hppTest.sortByKey(ids, key, asc);
					var want = Array.from(ids).sort(asc ? function (a, b) { return key[a] - key[b] || a - b; } : function (a, b) { return key[b] - key[a] || a - b; });
					if (!got || got.join() !== want.join()) bad.push('trial ' + trial + (asc ? ' ascending' : ' descending'));
				});
			}
			return bad;
		})()`)
		if len(bad) > 0 {
			t.Errorf("sortByKey differs from the comparator sort: %v", bad)
		}
		tb.check(t)
	})

	t.Run("empty", func(t *testing.T) {
		// A profile without functions: every view and control works and
		// nothing throws.
		p := profile.NewBuilder(0).Profile()
		srv := httptest.NewServer(Handler(p, Options{Title: "empty"}))
		defer srv.Close()
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		for _, v := range []string{"callers", "sunburst", "flame", "icicle"} {
			tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=`+v+`]`)))
		}
		tb.search(t, "x")
		tb.do(t, chromedp.Click(chromedp.CSS(`#reset`)), chromedp.Focus(chromedp.CSS(`#chart`)), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Escape))
		tb.reload(t)
		tb.check(t)
	})

	t.Run("static", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "fib.html")
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteHTML(f, fib, Options{Title: filepath.Base(fibPath)}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		tb := br.tab(t, "file://"+out)
		if _, err := chromedp.Run(tb.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			return nil
		})); err != nil {
			t.Fatal(err)
		}
		offline := network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}
		if _, err := chromedp.Call(tb.ctx, network.EmulateNetworkConditionsByRule, offline); err != nil {
			t.Fatal(err)
		}
		tb.load(t, "file://"+out)
		got := tb.boxes(t)
		if len(got) != len(served) {
			t.Fatalf("static file drew %d boxes, the server's page %d", len(got), len(served))
		}
		for i := range got {
			if got[i].Name != served[i].Name || got[i].V != served[i].V || got[i].X != served[i].X {
				t.Errorf("box %d: static %s=%g at %g, served %s=%g at %g", i, got[i].Name, got[i].V, got[i].X, served[i].Name, served[i].V, served[i].X)
			}
		}
		tb.check(t)
	})
}

// evilSrc profiles functions whose names and file names try to break out
// of HTML and JS: argv[1] is the output, argv[2] a directory.
const evilSrc = `
import cProfile, os, sys
out, d = sys.argv[1], sys.argv[2]
def make(name, filename):
    g = {}
    exec(compile("def f():\n    return sum(range(3000))\n", filename, "exec"), g)
    f = g["f"]
    f.__code__ = f.__code__.replace(co_name=name)
    return f
fs = [
    make("<img src=x onerror=alert(1)>", os.path.join(d, "evil.py")),
    make("quote\"and'apos", os.path.join(d, "dir \"quoted\" 'single'", "naïve_файл_日本.py")),
    make("</script><script>window.__hpp_pwned=true</script>", os.path.join(d, "</script>.py")),
    make("\u2028line\u2029sep&amp;", os.path.join(d, "x.py")),
]
def main():
    for f in fs:
        for _ in range(50):
            f()
pr = cProfile.Profile()
pr.enable()
main()
pr.disable()
pr.dump_stats(out)
`

// pageStack is one entry of window.hppTest.stacks(): a path of function
// indices from the root and the self time of the box at its end.
type pageStack struct {
	Frames []int   `json:"frames"`
	Self   float64 `json:"self"`
}

type pageFunc struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Name string `json:"name"`
}

// TestBrowserStacks checks the tree the page draws against cProfile's
// own numbers, read by Python's pstats: window.hppTest.stacks() gives
// every box with self time as a path from its root, and stackcheck holds
// those stacks to each function's tottime, each cumtime outside recursive
// cycles, and the total, within 0.5% of the total (what the cut-off of
// 1e-6 may fold), on a -m json.tool profile, an import-heavy numpy
// script, a recursive program and a profile-module file.
func TestBrowserStacks(t *testing.T) {
	br := getBrowser(t)
	cases, skipped, err := stackcheck.MakeCases(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range skipped {
		t.Errorf("not checked: %s", s)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			p := readProf(t, c.Path)
			truth, err := stackcheck.FromPython(c.Python, c.Path)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(Handler(p, Options{Title: c.Name}))
			defer srv.Close()
			tb := br.tab(t, srv.URL+"/")
			tb.load(t, srv.URL+"/")
			const minFraction = 1e-6
			stacks := eval[[]pageStack](t, tb, fmt.Sprintf(`window.hppTest.stacks(%g)`, minFraction))
			funcs := eval[[]pageFunc](t, tb, `window.hppTest.funcs()`)
			if len(funcs) != len(p.Funcs) {
				t.Fatalf("the page lists %d functions, the profile %d", len(funcs), len(p.Funcs))
			}
			var keyed []stackcheck.Stack
			for _, s := range stacks {
				var frames []stackcheck.Key
				for _, f := range s.Frames {
					frames = append(frames, stackcheck.Key{File: funcs[f].File, Line: funcs[f].Line, Name: funcs[f].Name})
				}
				keyed = append(keyed, stackcheck.Stack{Frames: frames, Self: s.Self})
			}
			r := stackcheck.Check(truth, keyed, 0.005*truth.Total)
			if len(r.Failures) > 0 {
				t.Errorf("the page's tree against cProfile's numbers: %v", r)
			} else {
				t.Logf("%d stacks: %v", len(stacks), r)
			}
			// The banner names what the checker lists apart.
			note := eval[string](t, tb, `(document.getElementById('estnotes') || {textContent: ''}).textContent`)
			if len(r.Disagreeing) > 0 && !strings.Contains(note, "do not add up") {
				t.Errorf("%d functions disagree with themselves, the banner says %q", len(r.Disagreeing), note)
			}
			if truth.CountOnly && !strings.Contains(note, "apportioned by call counts") {
				t.Errorf("a profile-module file, the banner says %q", note)
			}
			multi := false
			for _, size := range callgraph.NewGraph(p).Size {
				multi = multi || size > 1
			}
			if multi && !strings.Contains(note, "recursive cycle") {
				t.Errorf("%d functions on cycles, the banner says %q", r.Cyclic, note)
			}
			sameAsGo(t, p, stacks, minFraction)
		})
	}
}

// sameAsGo checks that the page draws the very tree callgraph's
// estimator draws in Go for the exports: the same stacks in the same
// order with the same self times, to rounding.
func sameAsGo(t *testing.T, p *profile.Profile, stacks []pageStack, minFraction float64) {
	t.Helper()
	est := callgraph.NewEstimator(p)
	var want []pageStack
	callgraph.Walk(est.Tree(callgraph.Options{MinFraction: minFraction}), func(path []profile.FuncID, n *callgraph.Node) {
		if n.Self > 0 {
			fr := make([]int, len(path))
			for i, f := range path {
				fr[i] = int(f)
			}
			want = append(want, pageStack{Frames: fr, Self: n.Self})
		}
	})
	if len(want) != len(stacks) {
		t.Errorf("the page has %d stacks, callgraph %d", len(stacks), len(want))
	}
	for i := 0; i < len(want) && i < len(stacks); i++ {
		if fmt.Sprint(want[i].Frames) != fmt.Sprint(stacks[i].Frames) || math.Abs(want[i].Self-stacks[i].Self) > 1e-12*p.TotalTT {
			t.Fatalf("stack %d: page %v %g, callgraph %v %g", i, stacks[i].Frames, stacks[i].Self, want[i].Frames, want[i].Self)
		}
	}
}

// TestBrowserDrive drives the page as a person does: search marks boxes
// in every chart and steps through them, the URL keeps the place over a
// reload, and the keyboard alone moves, zooms, goes back, searches and
// opens rows.
func TestBrowserDrive(t *testing.T) {
	br := getBrowser(t)
	_, fib := cprofile(t, fmt.Sprintf(fibSrc, 300000, 22))
	srv := httptest.NewServer(Handler(fib, Options{Title: "fib.prof"}))
	defer srv.Close()

	// matchesQuery is pstats' name of f containing q, case-insensitive:
	// what the search promises.
	matchesQuery := func(f int, q string) bool {
		return f >= 0 && strings.Contains(strings.ToLower(fib.Funcs[f].Func.String()), strings.ToLower(q))
	}

	t.Run("search", func(t *testing.T) {
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		for _, view := range []string{"icicle", "sunburst", "flame"} {
			tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=`+view+`]`)))
			tb.search(t, "FIB")
			bs := tb.boxes(t)
			root := drawnTree(t, bs)
			var want float64
			var walk func(n *dnode, under bool)
			walk = func(n *dnode, under bool) {
				hit := matchesQuery(n.b.F, "fib")
				if hit != n.b.Match {
					t.Errorf("%s: box %q (f %d) marked %v for the search fib", view, n.b.Name, n.b.F, n.b.Match)
				}
				if hit && !under {
					want += n.b.V
				}
				for _, k := range n.kids {
					walk(k, under || hit)
				}
			}
			walk(root, false)
			want /= root.b.V
			if want == 0 {
				t.Fatalf("%s: no box matches fib", view)
			}
			got := eval[float64](t, tb, `window.hppTest.matchedShare`)
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("%s: matched share %g, the boxes give %g", view, got, want)
			}
			info := eval[string](t, tb, `document.getElementById('matchinfo').textContent`)
			if !strings.Contains(info, fmt.Sprintf("%.1f%% of the time shown", 100*want)) && !strings.Contains(info, fmt.Sprintf("%.2g%% of the time shown", 100*want)) {
				t.Errorf("%s: match info %q, want the share %.3g%%", view, info, 100*want)
			}
			shot := screenshot(t, tb, "search-"+view+".png")
			_ = shot
			// Next and previous step through the matching boxes in order.
			var matched []box
			for _, b := range bs {
				if b.Match {
					matched = append(matched, b)
				}
			}
			tb.do(t, chromedp.Click(chromedp.CSS(`#nextmatch`)))
			if f := eval[int](t, tb, `window.hppTest.focus`); f != matched[0].F {
				t.Errorf("%s: next goes to f %d, want the first match %d", view, f, matched[0].F)
			}
			if len(matched) > 1 {
				tb.do(t, chromedp.Click(chromedp.CSS(`#nextmatch`)))
				if i := eval[int](t, tb, `window.hppTest.matchIndex`); i != 1 {
					t.Errorf("%s: second next is match %d", view, i)
				}
			}
			tb.do(t, chromedp.Click(chromedp.CSS(`#prevmatch`)))
			if i := eval[int](t, tb, `window.hppTest.matchIndex`); i != 0 {
				t.Errorf("%s: previous is match %d, want 0", view, i)
			}
			tb.search(t, "")
			for _, b := range tb.boxes(t) {
				if b.Match {
					t.Errorf("%s: box %q still marked after the search was cleared", view, b.Name)
					break
				}
			}
		}
		tb.check(t)
	})

	t.Run("url", func(t *testing.T) {
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		tb.clickBox(t, "work")
		tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=flame]`)))
		tb.search(t, "fib")
		tb.do(t, chromedp.SetValue(chromedp.CSS(`#depth`), "7"))
		eval[bool](t, tb, `document.getElementById('depth').dispatchEvent(new Event('change'))`)
		before := tb.boxes(t)
		hash := eval[string](t, tb, `location.hash`)
		for _, want := range []string{"view=flame", "zoom=", "q=fib", "depth=7"} {
			if !strings.Contains(hash, want) {
				t.Errorf("hash %q lacks %q", hash, want)
			}
		}
		tb.reload(t)
		if v := eval[string](t, tb, `window.hppTest.view`); v != "flame" {
			t.Errorf("after a reload the view is %q", v)
		}
		if z := eval[string](t, tb, `window.hppTest.zoom`); z != "work" {
			t.Errorf("after a reload the top box is %q, want work", z)
		}
		if q := eval[string](t, tb, `document.getElementById('search').value + '|' + window.hppTest.query`); q != "fib|fib" {
			t.Errorf("after a reload the search is %q", q)
		}
		after := tb.boxes(t)
		if len(after) != len(before) {
			t.Fatalf("after a reload %d boxes, before %d", len(after), len(before))
		}
		for i := range after {
			if after[i].F != before[i].F || after[i].V != before[i].V || after[i].Match != before[i].Match {
				t.Errorf("box %d: %s=%g after the reload, %s=%g before", i, after[i].Name, after[i].V, before[i].Name, before[i].V)
				break
			}
		}
		// A hash changed by hand is followed.
		eval[string](t, tb, `location.hash = '#view=sunburst&q=squares'`)
		tb.wait(t, `window.hppTest.view === 'sunburst' && window.hppTest.query === 'squares'`)
		if z := eval[any](t, tb, `window.hppTest.zoom`); z != nil {
			t.Errorf("a hash without a zoom path left the chart at %v", z)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=icicle]`)))
		// A function as the root, and the callers view, survive too.
		tb.search(t, "squares")
		tb.do(t, chromedp.Click(chromedp.CSS(`#tbody .row`)))
		root := tb.boxes(t)[0]
		tb.reload(t)
		if got := tb.boxes(t)[0]; got.F != root.F || got.V != root.V {
			t.Errorf("after a reload the root is %s=%g, want %s=%g", got.Name, got.V, root.Name, root.V)
		}
		if s := eval[int](t, tb, `window.hppTest.selected`); s != root.F {
			t.Errorf("after a reload the detail shows f %d, want %d", s, root.F)
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view=callers]`)))
		tb.reload(t)
		if v, z := eval[string](t, tb, `window.hppTest.view`), eval[int](t, tb, `window.hppTest.zoomFunc`); v != "callers" || z != root.F {
			t.Errorf("after a reload: view %q of f %d, want the callers of %d", v, z, root.F)
		}
		tb.check(t)
	})

	t.Run("keyboard", func(t *testing.T) {
		tb := br.tab(t, srv.URL+"/")
		tb.load(t, srv.URL+"/")
		est := callgraph.NewEstimator(fib)
		roots := est.Roots()
		tb.do(t, chromedp.Focus(chromedp.CSS(`#chart`)))
		if name := eval[string](t, tb, `window.hppTest.focusName`); name != "all" {
			t.Errorf("focusing the chart focuses %q, want the top box", name)
		}
		key := func(k string) { tb.do(t, chromedp.KeyEvent(k)) }
		key(kb.ArrowDown)
		if f := eval[int](t, tb, `window.hppTest.focus`); f != int(roots[0].Func) {
			t.Errorf("down from the top focuses f %d, want the largest root %d", f, roots[0].Func)
		}
		kids, _ := est.Expand([]profile.FuncID{roots[0].Func}, roots[0].Value)
		key(kb.ArrowDown)
		first := eval[int](t, tb, `window.hppTest.focus`)
		if first != int(kids[0].Func) {
			t.Errorf("down again focuses f %d, want the first child %d", first, kids[0].Func)
		}
		key(kb.ArrowRight)
		if len(kids) > 1 && kids[1].Value >= 0.001*est.Total() {
			if f := eval[int](t, tb, `window.hppTest.focus`); f != int(kids[1].Func) {
				t.Errorf("right focuses f %d, want the next child %d", f, kids[1].Func)
			}
		}
		key(kb.ArrowLeft)
		if f := eval[int](t, tb, `window.hppTest.focus`); f != first {
			t.Errorf("left goes back to f %d, want %d", f, first)
		}
		if live := eval[string](t, tb, `document.getElementById('announce').textContent`); !strings.Contains(live, fib.Funcs[first].Name) {
			t.Errorf("the focused box is announced as %q", live)
		}
		key(kb.Enter)
		if z := eval[int](t, tb, `window.hppTest.zoomFunc`); z != first {
			t.Errorf("Enter zoomed to f %d, want %d", z, first)
		}
		key(kb.Escape)
		if z := eval[int](t, tb, `window.hppTest.zoomFunc`); z != int(roots[0].Func) {
			t.Errorf("Escape zoomed out to f %d, want the parent %d", z, roots[0].Func)
		}
		key(kb.Backspace)
		if z := eval[any](t, tb, `window.hppTest.zoom`); z != nil {
			t.Errorf("Backspace zoomed out to %v, want the whole profile", z)
		}
		key(kb.ArrowUp) // up from the top stays
		key("/")
		if id := eval[string](t, tb, `document.activeElement.id`); id != "search" {
			t.Errorf("/ focuses %q, want the search box", id)
		}
		// chromedp types the "/" too (a char event of its own, which a
		// real keyboard's cancelled keydown would not send): clear it.
		tb.search(t, "")
		// Headings and rows: focusable, announced, and driven by keys.
		roles := eval[[]string](t, tb, `Array.from(document.querySelectorAll('#thead [role=columnheader]')).filter(function(h){return h.tabIndex===0}).map(function(h){return h.textContent})`)
		if len(roles) < 6 {
			t.Errorf("focusable column headers: %q", roles)
		}
		tb.do(t, chromedp.Focus(chromedp.CSS(`#thead [role=columnheader]:nth-child(5)`)))
		key(kb.Enter)
		if s := eval[string](t, tb, `document.querySelector('#thead [aria-sort=descending]').textContent`); s != "cumtime" {
			t.Errorf("Enter on the cumtime heading sorts by %q", s)
		}
		tb.do(t, chromedp.Focus(chromedp.CSS(`#tbody`)))
		key(kb.ArrowDown)
		key(kb.ArrowDown)
		second := eval[int](t, tb, `window.hppTest.cursorRow`)
		if rows := rowsText(t, tb); len(rows) < 2 || fib.Funcs[second].Func.String() != rows[1] {
			t.Errorf("two downs in the table reach f %d, the second row is %q", second, rows)
		}
		if role := eval[string](t, tb, `document.activeElement.getAttribute('role') + ' ' + document.activeElement.getAttribute('aria-selected')`); role != "row true" {
			t.Errorf("the focused element is %q, want the selected row", role)
		}
		key(kb.Enter)
		if top := tb.boxes(t)[0]; top.F != second {
			t.Errorf("Enter on a row made f %d the root, want %d", top.F, second)
		}
		// Reset: back to the whole profile, and the detail panel follows.
		tb.do(t, chromedp.Click(chromedp.CSS(`#reset`)))
		if s, d := eval[int](t, tb, `window.hppTest.selected`), eval[string](t, tb, `document.getElementById('detail').textContent`); s != -1 || strings.Contains(d, "Called by") {
			t.Errorf("after Reset the detail panel still shows f %d: %q", s, d)
		}
		screenshot(t, tb, "keyboard.png")
		tb.check(t)
	})
}

// sameColour compares a CSS colour as the browser reports a style
// (rgb(r, g, b)) with the hsl() the page drew with.
func sameColour(rgb, hsl string) bool {
	var h, sat, l float64
	if _, err := fmt.Sscanf(hsl, "hsl(%g,%g%%,%g%%)", &h, &sat, &l); err != nil {
		return false
	}
	sat, l = sat/100, l/100
	c := (1 - math.Abs(2*l-1)) * sat
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	var R, G, B int
	if _, err := fmt.Sscanf(rgb, "rgb(%d, %d, %d)", &R, &G, &B); err != nil {
		return false
	}
	near := func(a int, v float64) bool { return math.Abs(float64(a)-255*(v+m)) <= 1.5 }
	return near(R, r) && near(G, g) && near(B, b)
}

// TestScriptsInlined checks that every script file is inlined in the
// page, each once: a file left out of scriptOrder would be dead code.
func TestScriptsInlined(t *testing.T) {
	entries, err := scripts.ReadDir("html/js")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, n := range scriptOrder {
		listed[n] = true
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("html/js/%s is not in scriptOrder", e.Name())
		}
		if n := strings.Count(string(appJS()), "// ---- "+e.Name()+" ----\n"); n != 1 {
			t.Errorf("html/js/%s is inlined %d times", e.Name(), n)
		}
	}
	if len(entries) != len(scriptOrder) {
		t.Errorf("%d script files, %d in scriptOrder", len(entries), len(scriptOrder))
	}
}
