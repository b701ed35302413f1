package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"hpp/internal/profile"
	"hpp/internal/pstats"
)

// python3 returns Debian's python3 (not one that PATH may put first,
// such as pyenv's), failing the test when it is missing.
func python3(tb testing.TB) string {
	tb.Helper()
	const debian = "/usr/bin/python3"
	if _, err := os.Stat(debian); err != nil {
		tb.Fatal("/usr/bin/python3 not found: apt-get install python3 (scripts/setup installs it)")
	}
	return debian
}

// runPython runs a Python script with args in dir and fails on error.
func runPython(tb testing.TB, dir, src string, args ...string) {
	tb.Helper()
	script := filepath.Join(dir, "script.py")
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(python3(tb), append([]string{script}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("python3 %s: %v\n%s", script, err, out)
	}
}

// cprofile runs src under python3 -m cProfile and returns the file and
// the profile read from it.
func cprofile(tb testing.TB, src string) (string, *profile.Profile) {
	tb.Helper()
	dir := tb.TempDir()
	return filepath.Join(dir, "w.prof"), cprofileIn(tb, dir, "w.prof", src)
}

// cprofileIn profiles src as dir/w.py into dir/name.
func cprofileIn(tb testing.TB, dir, name, src string) *profile.Profile {
	tb.Helper()
	script := filepath.Join(dir, "w.py")
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command(python3(tb), "-m", "cProfile", "-o", out, script)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("python3 -m cProfile: %v\n%s", err, b)
	}
	return readProf(tb, out)
}

func readProf(tb testing.TB, path string) *profile.Profile {
	tb.Helper()
	p, err := pstats.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

const fibSrc = `
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def work(k):
    s = 0
    for i in range(k):
        s += fib(i)
    return s

def squares():
    return sum(i * i for i in range(%d))

def a(n):
    return b(n - 1) if n > 0 else 0

def b(n):
    return a(n - 1) + 1 if n > 0 else 0

work(%d)
squares()
for _ in range(200):
    a(30)
`

// genSrc writes a profile of n generated functions spread over files of
// 500, made by cProfile: each function calls its two children in a
// binary tree and one or two functions further down picked at random, and
// runs its body only the first time, so that functions have several
// callers with unequal shares, as in scripts/genprof.py.
const genSrc = `
import cProfile, random, sys
N = int(sys.argv[1]); out = sys.argv[2]
rng = random.Random(1)
g = {"S": bytearray(N)}
for m in range(0, N, 500):
    lines = []
    for i in range(m, min(N, m + 500)):
        kids = [k for k in (2 * i + 1, 2 * i + 2) if k < N]
        if i + 1 < N:
            kids += [rng.randrange(i + 1, N) for _ in range(rng.randint(1, 2))]
        body = "".join("    f%d()\n" % k for k in kids) or "    pass\n"
        lines.append("def f%d():\n    if S[%d]:\n        return\n    S[%d] = 1\n    x = 0\n    for _ in range(%d): x += 1\n%s"
                     % (i, i, i, 1 + i % 5 * 20, body))
    exec(compile("\n".join(lines), "/gen/pkg%d/mod%d.py" % (m // 5000, m // 500), "exec"), g)
sys.setrecursionlimit(100000)
pr = cProfile.Profile()
pr.enable()
g["f0"]()
pr.disable()
pr.dump_stats(out)
`

// genProfile makes a generated profile of n functions in dir.
func genProfile(tb testing.TB, dir string, n int) string {
	tb.Helper()
	out := filepath.Join(dir, fmt.Sprintf("gen%d.prof", n))
	runPython(tb, dir, genSrc, fmt.Sprint(n), out)
	return out
}

// browser is one headless Chromium shared by the tests of a run.
type browser struct {
	ctx    context.Context
	cancel func()
}

var (
	browserOnce sync.Once
	sharedBr    *browser
	browserErr  error
)

func chromiumPath() (string, error) {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium not found: apt-get install chromium (scripts/setup installs it)")
}

// getBrowser starts the shared Chromium. TestMain stops it.
func getBrowser(tb testing.TB) *browser {
	tb.Helper()
	browserOnce.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			browserErr = err
			return
		}
		dir, err := os.MkdirTemp("", "hpp-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("enable-precise-memory-info", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1400, 900),
		}
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		if err := chromedp.Do(bctx); err != nil {
			bcancel()
			acancel()
			browserErr = fmt.Errorf("starting %s: %v (is chromium installed? apt-get install chromium)", path, err)
			return
		}
		sharedBr = &browser{ctx: bctx, cancel: func() { bcancel(); acancel(); os.RemoveAll(dir) }}
	})
	if browserErr != nil {
		tb.Fatal(browserErr)
	}
	return sharedBr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedBr != nil {
		sharedBr.cancel()
	}
	os.Exit(code)
}

// tab is one page in the shared browser that records console errors,
// exceptions, dialogs and requests to anywhere but the allowed prefixes.
type tab struct {
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

func (b *browser) tab(tb testing.TB, allowed ...string) *tab {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	tb.Cleanup(cancel)
	t := &tab{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatal(err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console " + string(ev.Type) + ": " + strings.Join(parts, " ")
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				msg = "log " + string(ev.Entry.Level) + ": " + ev.Entry.Text + " " + ev.Entry.URL
			}
		case *page.EventJavascriptDialogOpening:
			msg = "dialog opened: " + ev.Message
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *network.EventRequestWillBeSent:
			ok := strings.HasPrefix(ev.Request.URL, "data:")
			for _, a := range allowed {
				ok = ok || strings.HasPrefix(ev.Request.URL, a)
			}
			if !ok {
				msg = "request to another place: " + ev.Request.URL
			}
		}
		if msg != "" {
			t.mu.Lock()
			t.bad = append(t.bad, msg)
			t.mu.Unlock()
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// check fails the test for anything bad the page did so far.
func (t *tab) check(tb testing.TB) {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.bad {
		tb.Error(m)
	}
	t.bad = nil
}

func (t *tab) do(tb testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatal(err)
	}
}

// eval evaluates a JS expression in the tab.
func eval[T any](tb testing.TB, t *tab, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// load opens url and waits until the table is ready.
func (t *tab) load(tb testing.TB, url string) {
	tb.Helper()
	t.do(tb, chromedp.Navigate(url))
	t.wait(tb, `window.hppTest && window.hppTest.ready`)
}

// reload opens the page's current URL, hash included, afresh, as a
// reload or a shared link does.
func (t *tab) reload(tb testing.TB) {
	tb.Helper()
	u := eval[string](tb, t, `location.href`)
	t.do(tb, chromedp.Navigate("about:blank"))
	t.do(tb, chromedp.Navigate(u))
	// The new document's context may not exist yet when polling starts.
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(t.ctx, 60*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.hppTest && window.hppTest.ready`, chromedp.WithPollingInterval(10*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if try == 20 {
			tb.Fatalf("reloading %s: %v", u, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (t *tab) wait(tb testing.TB, cond string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(10*time.Millisecond))); err != nil {
		tb.Fatalf("waiting for %s: %v", cond, err)
	}
}

// search types q into the search box as one input event and waits for
// the table to show the result.
func (t *tab) search(tb testing.TB, q string) {
	tb.Helper()
	js, _ := json.Marshal(q)
	eval[bool](tb, t, `(function(){var s=document.getElementById('search');s.value=`+string(js)+`;s.dispatchEvent(new Event('input'));return true})()`)
	t.wait(tb, `window.hppTest.query === `+string(js))
}

// box is what the page records for each box it draws.
type box struct {
	Name  string  `json:"name"`
	File  string  `json:"file"`
	Line  int     `json:"line"`
	F     int     `json:"f"`
	V     float64 `json:"v"`
	Depth int     `json:"depth"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	W     float64 `json:"w"`
	A0    float64 `json:"a0"`
	A1    float64 `json:"a1"`
	Label string  `json:"label"`
	Color string  `json:"c"`
	Match bool    `json:"match"`
}

func (t *tab) boxes(tb testing.TB) []box {
	tb.Helper()
	return eval[[]box](tb, t, `window.hppTest.boxes`)
}

// clickBox clicks the middle of the first drawn box for name.
func (t *tab) clickBox(tb testing.TB, name string) {
	tb.Helper()
	for _, b := range t.boxes(tb) {
		if b.Name == name {
			off := eval[struct{ X, Y float64 }](tb, t, `(function(){var r=document.getElementById('chart').getBoundingClientRect();return {X:r.left,Y:r.top}})()`)
			x, y := off.X+b.X+b.W/2, off.Y+b.Y+8
			if b.W == 0 { // sunburst: x, y is a point inside
				x, y = off.X+b.X, off.Y+b.Y
			}
			t.do(tb, chromedp.MouseClickXY(x, y))
			return
		}
	}
	tb.Fatalf("no box drawn for %q", name)
}

// artefacts keeps the browser tests' screenshots: go test ./internal/webui -args -artefacts DIR.
var artefacts = flag.String("artefacts", "", "directory for the browser tests' screenshots (default: a temporary one per test)")

// screenshot saves the page as a PNG under -artefacts (or the test's
// temporary directory) and fails the test if the picture is blank: one
// colour, or nearly so.
func screenshot(tb testing.TB, t *tab, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 60*time.Second)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatal(err)
	}
	dir := *artefacts
	if dir == "" {
		dir = tb.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("screenshot %s: %v", path, err)
	}
	colours := map[color.RGBA]int{}
	r := img.Bounds()
	samples := 0
	for y := r.Min.Y; y < r.Max.Y; y += 4 {
		for x := r.Min.X; x < r.Max.X; x += 4 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			colours[c]++
			samples++
		}
	}
	most := 0
	for _, k := range colours {
		most = max(most, k)
	}
	if len(colours) < 16 || most > samples*95/100 {
		tb.Errorf("screenshot %s looks blank: %d colours, the commonest on %d of %d samples", path, len(colours), most, samples)
	}
	tb.Logf("screenshot: %s", path)
	return path
}
