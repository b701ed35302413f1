package export

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// speedscopeVersion is the npm package whose app and schema the tests use;
// scripts/setup installs the same version.
const speedscopeVersion = "1.25.0"

// speedscopeDir returns the folder of speedscope's built app, which
// scripts/setup installs into ~/.cache/hpp; a test never installs it
// itself, and skips when it is not there.
func speedscopeDir(t *testing.T) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(home, ".cache", "hpp", "speedscope-"+speedscopeVersion)
	dir := filepath.Join(prefix, "node_modules", "speedscope", "dist", "release")
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Skipf("speedscope@%s is not installed in %s: run scripts/setup (it installs it with npm)", speedscopeVersion, prefix)
	}
	return dir
}

// One Chromium for the whole package: it is slow to start.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	err    error
}

func TestMain(m *testing.M) {
	m.Run()
	if browser.cancel != nil {
		browser.cancel()
		os.RemoveAll(browser.dir)
	}
}

// page opens a new tab in the shared browser and collects its console
// errors and uncaught exceptions.
func page(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s not found: install it with apt-get install chromium", chromium)
	}
	browser.once.Do(func() {
		browser.dir, browser.err = os.MkdirTemp("", "hpp-export-chromium-")
		if browser.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.UserDataDir(browser.dir), chromedp.WindowSize(1280, 2400))
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		browser.ctx = bctx
		browser.cancel = func() { cancelBrowser(); cancelAlloc() }
		browser.err = chromedp.Do(bctx)
	})
	if browser.err != nil {
		t.Fatalf("starting chromium: %v", browser.err)
	}
	tab, cancelTab := chromedp.NewContext(browser.ctx)
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(func() { cancel(); cancelTab() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var errs []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition.
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", cond)
}

// sandwichRow is one row of speedscope's sandwich table.
type sandwichRow struct {
	total, self float64 // percent, as shown
	name        string
	text        string // the total column's text

}

var percentRe = regexp.MustCompile(`\(([<>]?)([\d.]+)%\)`)

// openInSpeedscope serves speedscope's app and data from a local server,
// opens it with #profileURL= in the sandwich view and returns the rows
// the table shows (by self time, largest first), and the widest frame.
func openInSpeedscope(t *testing.T, fileName string, data []byte) (rows []sandwichRow, widest sandwichRow) {
	t.Helper()
	dir := speedscopeDir(t)
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(dir)))
	mux.HandleFunc("/data/", func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, consoleErrors := page(t)
	url := srv.URL + "/index.html#profileURL=" + srv.URL + "/data/" + fileName + "&view=sandwich"
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.querySelectorAll("table tr td").length > 0 || /rror|not recognized/.test(document.body.textContent)`)
	cells := eval[[][]string](t, ctx, `Array.from(document.querySelectorAll("table tr")).filter(r => r.querySelectorAll("td").length == 3).map(r => Array.from(r.querySelectorAll("td")).map(td => td.textContent))`)
	if len(cells) == 0 {
		t.Fatalf("speedscope shows no frames for %s: %s", fileName, eval[string](t, ctx, `document.body.textContent`))
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("speedscope's console: %s", strings.Join(errs, "\n"))
	}
	// Sorted by total, the first row is the widest frame.
	if err := chromedp.Do(ctx, chromedp.Click(`//th[contains(., "Total")]`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	top := eval[[]string](t, ctx, `Array.from(Array.from(document.querySelectorAll("table tr")).filter(r => r.querySelectorAll("td").length == 3)[0].querySelectorAll("td")).map(td => td.textContent)`)
	for _, c := range cells {
		r := sandwichRow{name: c[2]}
		r.total = parsePercent(t, c[0])
		r.self = parsePercent(t, c[1])
		rows = append(rows, r)
	}
	return rows, sandwichRow{name: top[2], text: top[0]}
}

// parsePercent reads "(41%)"; speedscope's "<0.01%" reads as -1 and
// ">99%" as 99.5.
func parsePercent(t *testing.T, s string) float64 {
	m := percentRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no percentage in %q", s)
	}
	v, _ := strconv.ParseFloat(m[2], 64)
	switch m[1] {
	case "<":
		return -1
	case ">":
		return 99.5
	}
	return v
}

// shownPercent reports whether speedscope's rounded percentage shown
// could be want (speedscope prints 2 decimals below 1%, 1 below 10%, 0
// above, and ">99%" near the top).
func shownPercent(shown, want float64) bool {
	tol := 0.51
	switch {
	case want < 1:
		tol = 0.0051
	case want < 10:
		tol = 0.051
	}
	switch shown {
	case -1:
		return want < 0.01
	case 99.5:
		return want > 99 && want < 100
	}
	return math.Abs(shown-want) <= tol+1e-9
}

// speedscopeTime parses speedscope's time text such as "7.23ms (41%)".
func speedscopeTime(t *testing.T, s string) float64 {
	t.Helper()
	f := strings.Fields(s)[0]
	for _, u := range []struct {
		suffix string
		scale  float64
	}{{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}} {
		if v, ok := strings.CutSuffix(f, u.suffix); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("bad time %q", s)
			}
			return x * u.scale
		}
	}
	t.Fatalf("no time unit in %q", s)
	return 0
}

func checkRows(t *testing.T, what string, rows []sandwichRow, e expected) {
	t.Helper()
	for _, r := range rows {
		flat, ok := e.flat[r.name]
		if !ok {
			if _, tiny := e.nodes[r.name]; !tiny && r.self > 0.01 {
				t.Errorf("%s: speedscope shows %q, not in the profile", what, r.name)
			}
			continue
		}
		if !shownPercent(r.self, 100*flat/e.total) || !shownPercent(r.total, 100*e.cum[r.name]/e.total) {
			t.Errorf("%s: %s shows total %v%% self %v%%, want %.3f%% %.3f%%", what, r.name, r.total, r.self, 100*e.cum[r.name]/e.total, 100*flat/e.total)
		}
	}
}

// TestSpeedscope validates the output against the schema in speedscope's
// npm package and loads it, and the folded stacks, in speedscope's app:
// the frames, their shares and the total must be the profile's, also
// for recursion and for the exec cycle of imports.
func TestSpeedscope(t *testing.T) {
	dir := speedscopeDir(t)
	schemaData, err := os.ReadFile(filepath.Join(dir, "file-format-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := decodeJSON(schemaData)
	if err != nil {
		t.Fatal(err)
	}
	schema := sv.(map[string]any)
	for _, name := range profiles {
		t.Run(name, func(t *testing.T) {
			p := load(t, name)
			e := expect(p)
			out := convert(t, p, Speedscope, Options{Title: name + ".prof"})
			v, err := decodeJSON(out)
			if err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if err := validate(schema, schema, v, "$"); err != nil {
				t.Fatalf("file-format-schema.json: %v", err)
			}
			rows, widest := openInSpeedscope(t, name+".speedscope.json", out)
			checkRows(t, "speedscope JSON", rows, e)
			// The widest frame's time is what the profile says.
			want := e.cum[widest.name]
			if got := speedscopeTime(t, widest.text); math.Abs(got-want) > 0.006*want || want < 0.99*e.total {
				t.Errorf("speedscope shows %s for the widest frame %s, want %.0f ns of the total %.0f", widest.text, widest.name, want, e.total)
			}
			if name == "names" {
				var found bool
				for _, r := range rows {
					found = found || r.name == "<img src=x onerror=alert(1)>"
				}
				if !found {
					t.Errorf("speedscope does not show the function <img src=x onerror=alert(1)> as text")
				}
			}
			if name == "names" {
				return
			}
			rows, widest = openInSpeedscope(t, name+".folded", convert(t, p, Collapsed, Options{}))
			checkRows(t, "collapsed in speedscope", rows, e)
			want = e.cum[widest.name]
			if got, _ := strconv.ParseFloat(strings.ReplaceAll(strings.Fields(widest.text)[0], ",", ""), 64); !near(got, want, e.nodes[widest.name]) {
				t.Errorf("speedscope shows %s for the widest folded frame %s, want %.0f", widest.text, widest.name, want)
			}
		})
	}
}

// TestSVGInBrowser opens the flame graph in Chromium: no console errors,
// the expected names, no markup injected by a name, a click zooms and
// search finds.
func TestSVGInBrowser(t *testing.T) {
	for _, tc := range []struct {
		name  string
		want  []string
		click string // a frame to zoom into
	}{
		{"recursion", []string{"fib", "spin", "main", "even", "odd", "<built-in method time.perf_counter>"}, "even"},
		{"names", []string{"<img src=x onerror=alert(1)>", `say "hi" & 'bye'`, "größe_ñ_日本", `semi;colon\back`}, `say "hi" & 'bye'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := load(t, tc.name)
			e := expect(p)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "f.svg"), convert(t, p, SVG, Options{}), 0o644); err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/", http.FileServer(http.Dir(dir)))
			mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
			srv := httptest.NewServer(mux)
			defer srv.Close()
			ctx, consoleErrors := page(t)
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/f.svg")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, `!!window.hppFlame`)
			names := eval[[]string](t, ctx, `window.hppFlame.frames.map(f => f.__name)`)
			have := map[string]bool{}
			for _, n := range names {
				have[n] = true
			}
			for _, w := range tc.want {
				if !have[w] {
					t.Errorf("flame graph lacks %q (has %q)", w, names)
				}
			}
			if n := eval[int](t, ctx, `document.querySelectorAll("img, [onerror], foreignObject").length`); n != 0 {
				t.Errorf("a profile string became markup: %d elements", n)
			}

			// Click the middle of the frame's box: it fills the width.
			js := fmt.Sprintf(`(() => { const f = window.hppFlame.frames.find(f => f.__name === %q); const r = f.querySelector("rect").getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2]; })()`, tc.click)
			xy := eval[[]float64](t, ctx, js)
			if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
				t.Fatal(err)
			}
			width := eval[float64](t, ctx, fmt.Sprintf(`+window.hppFlame.frames.find(f => f.__name === %q).querySelector("rect").getAttribute("width")`, tc.click))
			hidden := eval[int](t, ctx, `window.hppFlame.frames.filter(f => f.classList.contains("hide")).length`)
			if math.Abs(width-(svgWidth-2*svgPad)) > 0.01 || hidden == 0 {
				t.Errorf("after a click on %s: its box is %v wide (want %v), %d boxes hidden", tc.click, width, svgWidth-2*svgPad, hidden)
			}

			// Search highlights and measures the matching frames.
			got := eval[float64](t, ctx, fmt.Sprintf(`window.hppFlame.search(%q)`, "^"+regexp.QuoteMeta(tc.want[0])+"$"))
			if want := e.cum[tc.want[0]] / e.total; math.Abs(got-want) > 1e-6 {
				t.Errorf("search %s matched %v of the total, want %v", tc.want[0], got, want)
			}
			if errs := consoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %s", strings.Join(errs, "\n"))
			}
		})
	}
}
