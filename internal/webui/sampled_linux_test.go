package webui

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"hpp/internal/profile"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
)

// hotSrc is the target recorded for the sampled views: two threads that
// spin in hot(), whose line 9 does nearly all the work (so the two wait
// for each other's GIL), a thread that sleeps, and the main thread
// waiting on a lock.
const hotSrc = `import sys, threading, time

def hot(n):
    acc = 0
    k = 0
    while k < 3:
        k += 1
    for i in range(n):
        acc = ((acc * 31 + i) ^ (i << 3)) % 1000003 + (i * i) % 7 - (acc & 255) + (i | 5) // 3
    s = str(acc)
    t = len(s)
    return acc + t

def spin():
    while True:
        hot(2000)

def sleeper():
    while True:
        time.sleep(0.005)

threading.Thread(target=spin, daemon=True).start()
threading.Thread(target=spin, daemon=True).start()
threading.Thread(target=sleeper, daemon=True).start()
print("ready", flush=True)
threading.Event().wait(120)
`

// hotLine is hot()'s busy line in hotSrc.
const hotLine = 9

// recordHot runs hotSrc under pyenv's Python 3.12 and records it with
// hpp's sampler: a real recording, with lines, threads and GIL states.
func recordHot(t *testing.T) (*profile.Profile, string) {
	t.Helper()
	root, err := exec.Command("pyenv", "root").Output()
	if err != nil {
		t.Fatalf("pyenv root: %v (scripts/setup installs pyenv's Pythons)", err)
	}
	matches, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(root)), "versions", "3.12.*", "bin", "python3"))
	if len(matches) == 0 {
		t.Fatal("no pyenv Python 3.12: scripts/setup installs it")
	}
	script := filepath.Join(t.TempDir(), "hot.py")
	if err := os.WriteFile(script, []byte(hotSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(matches[0], script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("target: %q, %v", line, err)
	}
	tg, err := sampler.Attach(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	p, st, err := tg.Record(context.Background(), sampler.RecordOptions{Rate: 250, Duration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.Samples < 100 {
		t.Fatalf("only %d samples recorded: %+v", st.Samples, st)
	}
	return p, script
}

// counts is what the samples say under a filter: the kept total, and
// per line of hot() the own and total samples.
type counts struct {
	total      int64
	own, inner map[int32]int64
}

func countSamples(p *profile.Profile, hot profile.FuncID, keep func(*profile.Sample) bool) counts {
	c := counts{own: map[int32]int64{}, inner: map[int32]int64{}}
	for i := range p.Samples.Samples {
		s := &p.Samples.Samples[i]
		if !keep(s) {
			continue
		}
		c.total += s.Weight
		if len(s.Stack) > 0 && s.Stack[0].Func == hot {
			c.own[s.Stack[0].Line] += s.Weight
		}
		seen := map[int32]bool{}
		for _, fr := range s.Stack {
			if fr.Func == hot && !seen[fr.Line] {
				seen[fr.Line] = true
				c.inner[fr.Line] += s.Weight
			}
		}
	}
	return c
}

type sourceRow struct {
	Line  int32  `json:"line"`
	Own   int64  `json:"own"`
	Total int64  `json:"total"`
	Text  string `json:"text"`
}

func TestBrowserSampled(t *testing.T) {
	br := getBrowser(t)
	p, script := recordHot(t)
	src, _ := os.ReadFile(script)
	p.Files = []profile.SourceFile{{Path: script, Text: src}}
	hot := profile.FuncID(-1)
	for i := range p.Funcs {
		if p.Funcs[i].Name == "hot" && p.Funcs[i].File == script {
			hot = profile.FuncID(i)
		}
	}
	if hot < 0 {
		t.Fatal("the recording has no hot()")
	}
	srv := httptest.NewServer(Handler(p, Options{Title: "hot (sampled)"}))
	defer srv.Close()
	tb := br.tab(t, srv.URL+"/")
	tb.load(t, srv.URL+"/")

	if eval[bool](t, tb, `window.hppTest.estimated`) {
		t.Error("a sampled profile is called estimated")
	}
	if note := eval[string](t, tb, `document.getElementById('notetext').textContent`); !strings.Contains(note, "exact") || !strings.Contains(note, "not estimates") {
		t.Errorf("banner %q does not say the tree is exact samples", note)
	}

	// Click hot's box: the panel shows its source with each line's samples.
	tb.clickBox(t, "hot")
	tb.wait(t, `window.hppTest.source && window.hppTest.source.rows.length > 0`)
	rows := eval[[]sourceRow](t, tb, `window.hppTest.source.rows`)
	all := countSamples(p, hot, func(*profile.Sample) bool { return true })
	var hottest sourceRow
	for _, r := range rows {
		if r.Own > hottest.Own {
			hottest = r
		}
		if r.Own != all.own[r.Line] || r.Total != all.inner[r.Line] {
			t.Errorf("line %d: own %d total %d, the samples say %d %d", r.Line, r.Own, r.Total, all.own[r.Line], all.inner[r.Line])
		}
	}
	if hottest.Line != hotLine || !strings.Contains(hottest.Text, "acc = ((acc * 31") {
		t.Errorf("hottest row is line %d %q, want line %d", hottest.Line, hottest.Text, hotLine)
	}
	if rows[0].Line != 3 || !strings.HasPrefix(rows[0].Text, "def hot(n):") || rows[len(rows)-1].Line != 12 {
		t.Errorf("panel shows lines %d-%d starting %q, want hot()'s 3-12", rows[0].Line, rows[len(rows)-1].Line, rows[0].Text)
	}
	// The heat bar's length follows the total.
	widths := eval[[]string](t, tb, `Array.from(document.querySelectorAll('#detail table.source tr[data-line="`+fmt.Sprint(hotLine)+`"] .bar')).map(function(b){return b.style.width})`)
	if len(widths) != 1 || widths[0] == "" {
		t.Errorf("hot line's heat bar: %q", widths)
	}
	// Back out to the whole tree, hot still in the panel, as the picture
	// for the docs.
	for i := 0; i < 8; i++ {
		eval[bool](t, tb, `document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true})) || true`)
	}
	if sel, zoom := eval[int](t, tb, `window.hppTest.selected`), eval[int](t, tb, `window.hppTest.zoomFunc`); sel != int(hot) || zoom != -1 {
		t.Errorf("after zooming out: selected %d, zoom %d; want %d and the top (-1)", sel, zoom, hot)
	}
	tb.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 2, 2))
	screenshot(t, tb, "view-sampled-source.png")

	// Filters: each changes the totals as the samples say.
	type filter struct {
		thread  int
		mode    string
		idle    bool
		process int
	}
	byThread := map[int]int64{}
	for _, s := range p.Samples.Samples {
		byThread[int(s.Thread)] += s.Weight
	}
	busiest := 0
	for th := range p.Samples.Threads {
		if byThread[th] > byThread[busiest] {
			busiest = th
		}
	}
	for _, f := range []filter{{-1, "cpu", false, -1}, {-1, "gil", false, -1}, {-1, "cpu", true, -1}, {busiest, "wall", false, -1}, {busiest, "gil", false, -1}, {-1, "wall", false, -1}} {
		t.Run(fmt.Sprintf("thread%d-%s-idle%v", f.thread, f.mode, f.idle), func(t *testing.T) {
			m, err := timemode.Parse(f.mode)
			if err != nil {
				t.Fatal(err)
			}
			want := countSamples(p, hot, func(s *profile.Sample) bool {
				return (f.thread < 0 || int(s.Thread) == f.thread) && timemode.Keep(m, f.idle, s)
			})
			eval[bool](t, tb, fmt.Sprintf(`(function(){
				document.getElementById('thread').value = '%d';
				document.getElementById('mode').value = '%s';
				document.getElementById('idle').checked = %v;
				document.getElementById('mode').dispatchEvent(new Event('change'));
				return true })()`, f.thread, f.mode, f.idle))
			got := eval[float64](t, tb, `window.hppTest.total`)
			if int64(got) != want.total {
				t.Errorf("kept %v samples, the samples say %d", got, want.total)
			}
			if root := eval[float64](t, tb, `window.hppTest.rootValue`); int64(root) != want.total {
				t.Errorf("the tree's root %v, want %d", root, want.total)
			}
			// The panel follows: hot's rows under the filter.
			for _, r := range eval[[]sourceRow](t, tb, `window.hppTest.source.rows`) {
				if r.Own != want.own[r.Line] || r.Total != want.inner[r.Line] {
					t.Errorf("line %d: own %d total %d, the samples say %d %d", r.Line, r.Own, r.Total, want.own[r.Line], want.inner[r.Line])
				}
			}
			// And the table: hot's own and total samples.
			var wantOwn, wantTotal int64
			for _, v := range want.own {
				wantOwn += v
			}
			for i := range p.Samples.Samples {
				s := &p.Samples.Samples[i]
				if (f.thread < 0 || int(s.Thread) == f.thread) && timemode.Keep(m, f.idle, s) {
					for _, fr := range s.Stack {
						if fr.Func == hot {
							wantTotal += s.Weight
							break
						}
					}
				}
			}
			cells := eval[[]float64](t, tb, fmt.Sprintf(`[window.hppTest.model.tt[%d], window.hppTest.model.ct[%d]]`, hot, hot))
			if int64(cells[0]) != wantOwn || int64(cells[1]) != wantTotal {
				t.Errorf("hot: own %v total %v, the samples say %d %d", cells[0], cells[1], wantOwn, wantTotal)
			}
		})
	}

	// The filters live in the URL: a reload keeps them.
	eval[bool](t, tb, fmt.Sprintf(`(function(){
		document.getElementById('thread').value = '%d';
		document.getElementById('mode').value = 'cpu';
		document.getElementById('idle').checked = false;
		document.getElementById('thread').dispatchEvent(new Event('change'));
		return true })()`, busiest))
	before := eval[float64](t, tb, `window.hppTest.total`)
	tb.reload(t)
	if f := eval[map[string]any](t, tb, `window.hppTest.filter`); f["thread"] != float64(busiest) || f["mode"] != "cpu" || f["idle"] != false {
		t.Errorf("after a reload the filter is %v", f)
	}
	if after := eval[float64](t, tb, `window.hppTest.total`); after != before {
		t.Errorf("after a reload %v samples are kept, before %v", after, before)
	}
	if v := eval[string](t, tb, `document.getElementById('thread').value + ' ' + document.getElementById('mode').value`); v != fmt.Sprint(busiest, " cpu") {
		t.Errorf("controls show %q after a reload", v)
	}
	eval[bool](t, tb, `(function(){document.getElementById('mode').value = 'wall'; document.getElementById('thread').value = '-1';
		document.getElementById('mode').dispatchEvent(new Event('change')); return true})()`)

	// The state colours: the legend names all four, and a spinning
	// thread's hot box is split between holding and waiting for the GIL.
	legend := eval[string](t, tb, `document.getElementById('legend').textContent`)
	for _, w := range []string{"running with the GIL", "running without the GIL", "waiting for the GIL", "idle"} {
		if !strings.Contains(legend, w) {
			t.Errorf("legend %q lacks %q", legend, w)
		}
	}
	split := countSamples(p, hot, func(s *profile.Sample) bool { return timemode.StateOf(s) == timemode.Waiting })
	if split.total == 0 {
		t.Logf("no GIL wait recorded (a loaded machine?); the split is not checked")
	}
	// The whole tree in its state colours, nothing selected.
	eval[bool](t, tb, `document.getElementById('reset').click() || true`)
	tb.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 2, 2))
	screenshot(t, tb, "view-sampled-states.png")

	// Every view draws a sampled profile in the state colours: each box
	// in its commonest state's colour (the icicle and the flame graph
	// split it too).
	stateColours := eval[[]string](t, tb, `['hsl(130,50%,55%)', 'hsl(205,75%,62%)', 'hsl(6,80%,62%)', 'hsl(40,8%,78%)']`)
	for _, view := range []string{"sunburst", "flame", "icicle"} {
		tb.do(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="`+view+`"]`)))
		boxes := tb.boxes(t)
		if len(boxes) < 5 {
			t.Fatalf("%s: %d boxes", view, len(boxes))
		}
		for _, bx := range boxes[1:] {
			if !slices.Contains(stateColours, bx.Color) {
				t.Errorf("%s: box %s coloured %s, not a state's colour", view, bx.Name, bx.Color)
				break
			}
		}
	}
	// Colour by kind of code is still there.
	eval[bool](t, tb, `(function(){var c = document.getElementById('colourby'); c.value = 'kind'; c.dispatchEvent(new Event('change')); return true})()`)
	if bx := tb.boxes(t)[1]; slices.Contains(stateColours, bx.Color) {
		t.Errorf("coloured by kind, box %s is %s", bx.Name, bx.Color)
	}
	tb.check(t)
}
