package webui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hpp/internal/profile"
	"hpp/internal/pstats"
)

// serveEnv makes the test binary a viewer server for the benchmark when
// no hpp binary is given: it serves the profile named and prints the URL.
const serveEnv = "HPP_WEBUI_BENCH_SERVE"

func init() {
	path := os.Getenv(serveEnv)
	if path == "" {
		return
	}
	p, err := pstats.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = Serve(context.Background(), p, Options{NoBrowser: true, Stdout: os.Stdout, Stderr: os.Stderr})
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

var urlRE = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

// startServer runs `hpp view --no-browser FILE` (HPP_BIN) or this test
// binary as the server, in a process of its own so that its memory can
// be measured, and returns its URL and pid.
func startServer(b *testing.B, path string) (string, *exec.Cmd) {
	b.Helper()
	var cmd *exec.Cmd
	if bin := os.Getenv("HPP_BIN"); bin != "" {
		cmd = exec.Command(bin, "view", "--no-browser", path)
	} else {
		cmd = exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), serveEnv+"="+path)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	go io.Copy(io.Discard, out)
	u := urlRE.FindString(line)
	if u == "" {
		b.Fatalf("server printed %q (%v), no URL", line, err)
	}
	return u, cmd
}

// rssMB reads a process's resident set size and its peak.
func rssMB(pid int) (rss, hwm float64) {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "VmRSS:":
				rss = kb / 1024
			case "VmHWM:":
				hwm = kb / 1024
			}
		}
	}
	return
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkView loads the viewer in headless Chromium and measures page
// load to the first chart drawn, the JS heap, the server's memory, and
// the time the page takes to zoom, sort and search (in-page, the work
// between the event and the drawing). Profiles come from
// HPP_BENCH_PROFILES (comma-separated; scripts/bench-view makes 30k- and
// 100k-function ones with scripts/genprof.py), else one of 30k generated
// functions.
func BenchmarkView(b *testing.B) {
	var files []string
	if s := os.Getenv("HPP_BENCH_PROFILES"); s != "" {
		files = strings.Split(s, ",")
	} else {
		files = []string{genProfile(b, b.TempDir(), 30000)}
	}
	br := getBrowser(b)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".prof")
		b.Run(name, func(b *testing.B) {
			url, cmd := startServer(b, path)
			var first, ready, heap, parsed, zoom, sort, search []float64
			for i := 0; i < b.N; i++ {
				tb := br.tab(b, url)
				tb.do(b, chromedp.Navigate(url))
				tb.wait(b, `window.hppTest && window.hppTest.ready`)
				first = append(first, eval[float64](b, tb, `window.hppTest.firstDraw`))
				ready = append(ready, eval[float64](b, tb, `window.hppTest.readyAt`))
				heap = append(heap, eval[float64](b, tb, `performance.memory.usedJSHeapSize`)/(1<<20))
				parsed = append(parsed, eval[float64](b, tb, `window.hppTest.heapParsed`)/(1<<20))
				// Zoom into the widest box below the top.
				var widest box
				for _, bx := range tb.boxes(b) {
					if bx.Depth >= 1 && bx.W > widest.W && bx.W < 1000 {
						widest = bx
					}
				}
				if widest.Name == "" {
					b.Fatal("no box to zoom into")
				}
				tb.clickBox(b, widest.Name)
				tb.wait(b, `window.hppTest.lastOp.zoom !== undefined`)
				zoom = append(zoom, eval[float64](b, tb, `window.hppTest.lastOp.zoom`))
				tb.do(b, chromedp.Click(chromedp.CSS(`#thead .row span:nth-child(2)`)))
				sort = append(sort, eval[float64](b, tb, `window.hppTest.lastOp.sort`))
				tb.search(b, "_99")
				search = append(search, eval[float64](b, tb, `window.hppTest.lastOp.search`))
				b.Logf("in-page times (ms): %v; start-up %v", eval[map[string]float64](b, tb, `window.hppTest.lastOp`), eval[map[string]float64](b, tb, `window.hppTest.startup`))
				tb.check(b)
				chromedp.Cancel(tb.ctx)
			}
			rss, hwm := rssMB(cmd.Process.Pid)
			b.ReportMetric(median(first), "first-chart-ms")
			b.ReportMetric(median(ready), "table-ready-ms")
			b.ReportMetric(median(heap), "js-heap-MB")
			b.ReportMetric(median(parsed), "js-heap-parsed-MB")
			b.ReportMetric(rss, "server-rss-MB")
			b.ReportMetric(hwm, "server-peak-rss-MB")
			b.ReportMetric(median(zoom), "zoom-ms")
			b.ReportMetric(median(sort), "sort-ms")
			b.ReportMetric(median(search), "search-ms")
			b.ReportMetric(0, "ns/op")
		})
		b.Run(name+"-html", func(b *testing.B) {
			p, err := pstats.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(b.TempDir(), name+".html")
			f, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			if err := WriteHTML(f, p, Options{Title: name}); err != nil {
				b.Fatal(err)
			}
			f.Close()
			fi, _ := os.Stat(out)
			var first, heap, parsed []float64
			for i := 0; i < b.N; i++ {
				tb := br.tab(b, "file://"+out)
				tb.do(b, chromedp.Navigate("file://"+out))
				tb.wait(b, `window.hppTest && window.hppTest.ready`)
				first = append(first, eval[float64](b, tb, `window.hppTest.firstDraw`))
				heap = append(heap, eval[float64](b, tb, `performance.memory.usedJSHeapSize`)/(1<<20))
				parsed = append(parsed, eval[float64](b, tb, `window.hppTest.heapParsed`)/(1<<20))
				tb.check(b)
				chromedp.Cancel(tb.ctx)
			}
			b.ReportMetric(float64(fi.Size())/1e6, "file-MB")
			b.ReportMetric(median(first), "first-chart-ms")
			b.ReportMetric(median(heap), "js-heap-MB")
			b.ReportMetric(median(parsed), "js-heap-parsed-MB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkEncodeData measures the server's work before it can answer:
// the page's data (encodeData, source texts included) for the profiles
// of HPP_BENCH_PROFILES, or a 30k-function generated one.
func BenchmarkEncodeData(b *testing.B) {
	var files []string
	if s := os.Getenv("HPP_BENCH_PROFILES"); s != "" {
		files = strings.Split(s, ",")
	} else {
		files = []string{genProfile(b, b.TempDir(), 30000)}
	}
	for _, path := range files {
		p, err := pstats.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(path), ".prof"), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if len(encodeData(p, nil, "t")) == 0 || len(encodeSources(sourceTexts(p))) == 0 {
					b.Fatal("no data")
				}
			}
		})
	}
}

// BenchmarkViewSampled loads a sampled profile at its worst for the page:
// 100k samples of random stacks 10 to 60 deep over 3,000 functions with
// random lines, so that hardly a stack node is shared (3.5M of them, 46
// MB of data; a real recording shares most of its stacks), and measures
// the first chart and a filter change (cpu mode and back to wall).
func BenchmarkViewSampled(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	bld := profile.NewBuilder(3000)
	var ids []profile.FuncID
	for i := 0; i < 3000; i++ {
		ids = append(ids, bld.Func(profile.Func{File: fmt.Sprintf("/src/m%d.py", i/50), Line: i % 50 * 20, Name: fmt.Sprint("f", i)}))
	}
	p := bld.Profile()
	set := &profile.SampleSet{Unit: "samples"}
	for th := 0; th < 8; th++ {
		set.Threads = append(set.Threads, profile.Thread{ID: int64(100 + th), Name: fmt.Sprint("t", th)})
	}
	for i := 0; i < 100000; i++ {
		depth := 10 + rng.Intn(50)
		st := make([]profile.Frame, depth)
		at := 0
		for d := depth - 1; d >= 0; d-- {
			at = (at*7 + rng.Intn(3) + d) % len(ids)
			st[d] = profile.Frame{Func: ids[at], Line: int32(rng.Intn(20))}
		}
		set.Samples = append(set.Samples, profile.Sample{Stack: st, Weight: 1 + int64(rng.Intn(3)), Thread: int32(rng.Intn(8)),
			GIL: rng.Intn(2) == 0, Idle: rng.Intn(4) == 0})
	}
	p.Samples = set
	srv := httptest.NewServer(Handler(p, Options{}))
	defer srv.Close()
	br := getBrowser(b)
	var first, filter []float64
	for i := 0; i < b.N; i++ {
		tb := br.tab(b, srv.URL+"/")
		tb.load(b, srv.URL+"/")
		first = append(first, eval[float64](b, tb, `window.hppTest.firstDraw`))
		filter = append(filter, eval[float64](b, tb, `(function(){var m = document.getElementById('mode'), t = 0;
			m.value = 'cpu'; m.dispatchEvent(new Event('change')); t += window.hppTest.lastOp.filter;
			m.value = 'wall'; m.dispatchEvent(new Event('change')); return (t + window.hppTest.lastOp.filter) / 2})()`))
		tb.check(b)
	}
	b.ReportMetric(median(first), "first-chart-ms")
	b.ReportMetric(median(filter), "filter-ms")
	b.ReportMetric(0, "ns/op")
}
