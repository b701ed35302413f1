package webui

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hpp/internal/profile"
)

// srcSrc is a cProfile target whose source holds markup, to check that
// the panel shows it as text.
const srcSrc = `
def work(n):
    # </script><img src=x onerror=alert(1)> & <b>not bold</b>
    s = 0
    for i in range(n):
        s += i * i
    return s

work(100000)
`

// TestBrowserSource checks the source panel of a cProfile profile: the
// function's source read from disk, with the note that cProfile records
// no lines, markup shown as text; and "not available" when the file is
// gone, or the function is a built-in.
func TestBrowserSource(t *testing.T) {
	br := getBrowser(t)
	dir := t.TempDir()
	p := cprofileIn(t, dir, "w.prof", srcSrc)
	script := filepath.Join(dir, "w.py")
	work := -1
	for i := range p.Funcs[:p.NumListed] {
		if p.Funcs[i].Name == "work" {
			work = i
		}
	}
	if work < 0 {
		t.Fatal("no work() in the profile")
	}
	srv := httptest.NewServer(Handler(p, Options{Title: "w.prof"}))
	defer srv.Close()
	static := filepath.Join(t.TempDir(), "w.html")
	f, err := os.Create(static)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, p, Options{Title: "w.prof"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The file goes away after the page is made: what the page shows
	// was read when it was made.
	if err := os.Remove(script); err != nil {
		t.Fatal(err)
	}
	tb := br.tab(t, srv.URL+"/")
	tb.load(t, srv.URL+"/")
	lines := strings.Split(strings.TrimPrefix(srcSrc, "\n"), "\n")
	checkRows := func(tb *tab) {
		t.Helper()
		tb.clickBox(t, "work")
		tb.wait(t, `window.hppTest.source && window.hppTest.source.func === `+strconv.Itoa(work))
		rows := eval[[]sourceRow](t, tb, `window.hppTest.source.rows`)
		if len(rows) != 6 {
			t.Fatalf("rows %+v, want work()'s 6 lines", rows)
		}
		for i, r := range rows {
			if r.Line != int32(2+i) || r.Text != lines[i] || r.Own != 0 || r.Total != 0 {
				t.Errorf("row %d: %+v, want line %d %q and no samples", i, r, 2+i, lines[i])
			}
		}
	}
	checkRows(tb)
	// The static file carries the same texts.
	tbs := br.tab(t, "file://"+static)
	tbs.load(t, "file://"+static)
	checkRows(tbs)
	tbs.check(t)
	// Opened at a selected function, the static page shows its source
	// once the texts (after the page's script) are read.
	tbs2 := br.tab(t, "file://"+static)
	tbs2.load(t, "file://"+static+"#sel="+strconv.Itoa(work))
	tbs2.wait(t, `window.hppTest.source && window.hppTest.source.func === `+strconv.Itoa(work)+` && window.hppTest.source.rows.length === 6`)
	tbs2.check(t)
	note := eval[string](t, tb, `window.hppTest.source.note`)
	if !strings.Contains(note, "cProfile records no lines") || !strings.Contains(note, "Read from disk") {
		t.Errorf("note %q", note)
	}
	if n := eval[int](t, tb, `document.querySelectorAll('#detail img, #detail b, #detail script').length`); n != 0 {
		t.Errorf("the source's markup made %d elements", n)
	}
	// A built-in has no source.
	builtin := -1
	for i := range p.Funcs[:p.NumListed] {
		if p.Funcs[i].Builtin() {
			builtin = i
		}
	}
	eval[bool](t, tb, `(function(){var r = Array.from(document.querySelectorAll('#tbody .row')).find(function(r){return r.dataset.func === '`+strconv.Itoa(builtin)+`'}); if (r) r.click(); return !!r})()`)
	tb.wait(t, `window.hppTest.source && window.hppTest.source.func === `+strconv.Itoa(builtin))
	if note := eval[string](t, tb, `window.hppTest.source.note`); !strings.Contains(note, "no Python source") {
		t.Errorf("built-in's note %q", note)
	}
	tb.check(t)

	// Made after the file went: not available.
	srv2 := httptest.NewServer(Handler(p, Options{Title: "w.prof"}))
	defer srv2.Close()
	tb2 := br.tab(t, srv2.URL+"/")
	tb2.load(t, srv2.URL+"/")
	tb2.clickBox(t, "work")
	tb2.wait(t, `window.hppTest.source && window.hppTest.source.func === `+strconv.Itoa(work))
	if note := eval[string](t, tb2, `window.hppTest.source.note`); !strings.Contains(note, "Source not available") || !strings.Contains(note, script) {
		t.Errorf("note %q", note)
	}
	if n := eval[int](t, tb2, `window.hppTest.source.rows.length`); n != 0 {
		t.Errorf("%d rows without a source", n)
	}
	tb2.check(t)
}

// TestBrowserProcesses checks the process filter on a profile of two
// processes (as --subprocesses records): the control appears, lists
// both, and keeps exactly the samples of the threads of the one chosen.
func TestBrowserProcesses(t *testing.T) {
	br := getBrowser(t)
	b := profile.NewBuilder(4)
	m := b.Func(profile.Func{File: "/m.py", Line: 1, Name: "main"})
	w := b.Func(profile.Func{File: "/m.py", Line: 5, Name: "worker"})
	p := b.Profile()
	p.Samples = &profile.SampleSet{Unit: "samples", Mode: "wall",
		Threads: []profile.Thread{{ID: 10, Name: "python3", Process: 0}, {ID: 20, Name: "python3", Process: 1}, {ID: 21, Process: 1}},
		Processes: []profile.Process{{PID: 10, Command: "python3 m.py"},
			{PID: 20, Parent: 10, Command: "python3 -c from multiprocessing.spawn import spawn_main; spawn_main()"}},
		Samples: []profile.Sample{
			{Stack: []profile.Frame{{Func: m, Line: 2}}, Weight: 7, Thread: 0, Idle: true},
			{Stack: []profile.Frame{{Func: w, Line: 6}, {Func: m, Line: 3}}, Weight: 30, Thread: 1, GIL: true},
			{Stack: []profile.Frame{{Func: w, Line: 7}, {Func: m, Line: 3}}, Weight: 12, Thread: 2, GILWait: true, Idle: true},
		}}
	srv := httptest.NewServer(Handler(p, Options{Title: "two processes"}))
	defer srv.Close()
	tb := br.tab(t, srv.URL+"/")
	tb.load(t, srv.URL+"/")
	if hidden := eval[bool](t, tb, `document.getElementById('processctl').hidden`); hidden {
		t.Error("the process control is hidden for a profile of two processes")
	}
	opts := eval[[]string](t, tb, `Array.from(document.querySelectorAll('#process option')).map(function(o){return o.textContent})`)
	if len(opts) != 3 || !strings.HasPrefix(opts[1], "10 python3 m.py") || !strings.HasPrefix(opts[2], "20 python3 -c") {
		t.Errorf("process choices %q", opts)
	}
	for _, tc := range []struct {
		process, total int
		mode           string
	}{{-1, 49, "wall"}, {0, 7, "wall"}, {1, 42, "wall"}, {1, 30, "cpu"}, {0, 0, "cpu"}} {
		eval[bool](t, tb, `(function(){document.getElementById('process').value = '`+strconv.Itoa(tc.process)+`';
			document.getElementById('mode').value = '`+tc.mode+`';
			document.getElementById('process').dispatchEvent(new Event('change')); return true})()`)
		if got := eval[float64](t, tb, `window.hppTest.total`); got != float64(tc.total) {
			t.Errorf("process %d, %s: %v samples kept, want %d", tc.process, tc.mode, got, tc.total)
		}
	}
	tb.check(t)

	// The Callers view of a sampled profile is exact: worker's samples
	// under main, which calls it; main's own samples have no caller.
	tb2 := br.tab(t, srv.URL+"/")
	tb2.load(t, srv.URL+"/#view=callers&callers="+strconv.Itoa(int(w)))
	var got []string
	for _, bx := range tb2.boxes(t) {
		got = append(got, fmt.Sprintf("%d %s %g", bx.Depth, bx.Name, bx.V))
	}
	if want := []string{"0 worker 42", "1 main 42"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("callers of worker: %q, want %q", got, want)
	}
	tb2.check(t)
}

// TestBrowserLinesRecursion checks that a line counts a sample once
// however often recursion puts it on the stack.
func TestBrowserLinesRecursion(t *testing.T) {
	br := getBrowser(t)
	b := profile.NewBuilder(2)
	m := b.Func(profile.Func{File: "/r.py", Line: 1, Name: "main"})
	f := b.Func(profile.Func{File: "/r.py", Line: 4, Name: "f"})
	p := b.Profile()
	p.Files = []profile.SourceFile{{Path: "/r.py", Text: []byte("def main():\n    f(3)\n\ndef f(n):\n    if n: f(n - 1)\n    x = 1\n    return sum(range(10))\n")}}
	p.Samples = &profile.SampleSet{Unit: "samples", Samples: []profile.Sample{
		{Stack: []profile.Frame{{Func: f, Line: 7}, {Func: f, Line: 5}, {Func: f, Line: 5}, {Func: m, Line: 2}}, Weight: 3, Thread: -1},
		{Stack: []profile.Frame{{Func: f, Line: 5}, {Func: f, Line: 5}, {Func: m, Line: 2}}, Weight: 2, Thread: -1},
		{Stack: []profile.Frame{{Func: f, Line: 6}, {Func: m, Line: 2}}, Weight: 1, Thread: -1},
	}}
	srv := httptest.NewServer(Handler(p, Options{Title: "recursion"}))
	defer srv.Close()
	tb := br.tab(t, srv.URL+"/")
	tb.load(t, srv.URL+"/#sel="+strconv.Itoa(int(f)))
	tb.wait(t, `window.hppTest.source && window.hppTest.source.rows.length > 0`)
	got := map[int32][2]int64{}
	for _, r := range eval[[]sourceRow](t, tb, `window.hppTest.source.rows`) {
		got[r.Line] = [2]int64{r.Own, r.Total}
	}
	want := map[int32][2]int64{4: {0, 0}, 5: {2, 5}, 6: {1, 1}, 7: {3, 3}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines (own, total) %v, want %v", got, want)
	}
	if total := eval[float64](t, tb, `window.hppTest.model.ct[`+strconv.Itoa(int(f))+`]`); total != 6 {
		t.Errorf("f's total %v, want 6 (each sample once)", total)
	}
	tb.check(t)
}
