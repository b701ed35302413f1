package export

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
	"hpp/internal/pstats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The profiles in testdata were written by Debian's python3 -m cProfile
// from the scripts beside them (see testdata/README.md).
var profiles = []string{"recursion", "imports", "names"}

func load(t testing.TB, name string) *profile.Profile {
	t.Helper()
	p, err := pstats.ReadFile(filepath.Join("testdata", name+".prof"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func convert(t testing.TB, p *profile.Profile, f Format, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, p, f, o); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return b.Bytes()
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// needTool fails (never skips) when a program the test feeds output to is
// missing, naming the Debian package that provides it.
func needTool(t testing.TB, prog, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(prog)
	if err != nil {
		t.Fatalf("%s not found: install it with apt-get install %s (scripts/setup does)", prog, pkg)
	}
	return path
}

// expected is what a reader of our stack formats should see, computed
// from callgraph's float tree, not from our integer stacks.
type expected struct {
	total      float64            // nanoseconds
	flat, cum  map[string]float64 // by label, nanoseconds
	nodes      map[string]int     // contexts per label: each may round by 1 ns
	totalNodes int
}

func expect(p *profile.Profile) expected {
	names := Labels(p)
	root := callgraph.For(p, callgraph.Options{})
	e := expected{total: root.Value * 1e9, flat: map[string]float64{}, cum: map[string]float64{}, nodes: map[string]int{}}
	callgraph.Walk(root, func(path []profile.FuncID, n *callgraph.Node) {
		l := names[n.Func]
		e.flat[l] += n.Self * 1e9
		e.nodes[l]++
		e.totalNodes++
		for _, f := range path[:len(path)-1] {
			if f == n.Func {
				return // counted at the outer frame
			}
		}
		e.cum[l] += n.Value * 1e9
	})
	return e
}

// near reports whether got is want up to the rounding of n positions.
func near(got, want float64, n int) bool { return math.Abs(got-want) <= float64(2*n+1) }

func TestGolden(t *testing.T) {
	formats := []struct {
		f   Format
		ext string
	}{{Collapsed, "folded"}, {Callgrind, "callgrind"}, {DOT, "dot"}, {Speedscope, "speedscope.json"}, {SVG, "svg"}}
	for _, name := range []string{"recursion", "names"} {
		p := load(t, name)
		for _, f := range formats {
			t.Run(name+"."+f.ext, func(t *testing.T) {
				o := DefaultOptions()
				o.Title = name + ".prof"
				got := convert(t, p, f.f, o)
				path := filepath.Join("testdata", "golden", name+"."+f.ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from %s (if the change is intended, run go test -update and review the diff)", path)
				}
			})
		}
	}
}

func TestCollapsedTotals(t *testing.T) {
	for _, name := range profiles {
		t.Run(name, func(t *testing.T) {
			p := load(t, name)
			out := convert(t, p, Collapsed, Options{})
			e := expect(p)
			flat := map[string]float64{}
			var sum float64
			for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
				i := strings.LastIndexByte(line, ' ')
				if i < 0 {
					t.Fatalf("line without a count: %q", line)
				}
				var v float64
				if _, err := fmt.Sscan(line[i+1:], &v); err != nil {
					t.Fatalf("bad count in %q", line)
				}
				frames := strings.Split(line[:i], ";")
				flat[frames[len(frames)-1]] += v
				sum += v
			}
			if sum != math.Round(e.total) {
				t.Errorf("total %v, want the profile's total %v ns", sum, math.Round(e.total))
			}
			for l, want := range e.flat {
				if !near(flat[strings.ReplaceAll(l, ";", ":")], want, e.nodes[l]) {
					t.Errorf("%s: self %v, want %v", l, flat[l], want)
				}
			}
		})
	}
}

func TestFormatFor(t *testing.T) {
	for path, want := range map[string]Format{
		"a.pb.gz": Pprof, "a.pprof": Pprof, "x/a.speedscope.json": Speedscope, "a.callgrind": Callgrind,
		"callgrind.out.1234": Callgrind, "a.folded": Collapsed, "a.collapsed": Collapsed, "a.svg": SVG,
		"a.dot": DOT, "a.prof": Pstats, "a.pstats": Pstats, "a.json": JSON,
	} {
		if got, ok := FormatFor(path); !ok || got != want {
			t.Errorf("FormatFor(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
	if _, ok := FormatFor("a.txt"); ok {
		t.Errorf("FormatFor(a.txt) claims a format")
	}
}

// TestFocusIgnore checks the stack formats against pprof's meaning: with
// --focus the total is what runs under the matching functions; with
// --ignore the matching functions' time is gone.
func TestFocusIgnore(t *testing.T) {
	p := load(t, "recursion")
	e := expect(p)
	total := func(b []byte) (sum float64, lines []string) {
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			sum += v
			lines = append(lines, line)
		}
		return
	}
	t.Run("focus", func(t *testing.T) {
		got, lines := total(convert(t, p, Collapsed, Options{Focus: regexp.MustCompile(`\(spin\)`)}))
		if !near(got, e.cum["spin"], e.nodes["spin"]+2) {
			t.Errorf("focus on spin: total %v, want spin's cum %v", got, e.cum["spin"])
		}
		for _, l := range lines {
			if !strings.Contains(l, ";spin") {
				t.Errorf("stack outside the focus: %q", l)
			}
		}
	})
	t.Run("ignore", func(t *testing.T) {
		got, lines := total(convert(t, p, Collapsed, Options{Ignore: regexp.MustCompile(`\(fib\)`)}))
		if !near(got, e.total-e.cum["fib"], 8) {
			t.Errorf("ignore fib: total %v, want %v", got, e.total-e.cum["fib"])
		}
		for _, l := range lines {
			if strings.Contains(l, "fib") {
				t.Errorf("ignored function still there: %q", l)
			}
		}
	})
	t.Run("graph", func(t *testing.T) {
		q := filterGraph(p, Options{Focus: regexp.MustCompile(`\(even\)`)})
		var got []string
		for _, f := range q.Listed() {
			got = append(got, f.Name)
		}
		want := "<built-in method builtins.exec> <module> main even odd"
		for _, w := range strings.Fields(want) {
			if !strings.Contains(strings.Join(got, "|"), w) {
				t.Errorf("focus even keeps %v; want the callers and callees %s", got, want)
			}
		}
		for _, g := range got {
			if g == "fib" || g == "spin" {
				t.Errorf("focus even keeps unrelated %s", g)
			}
		}
	})
}

// FuzzConvert feeds arbitrary bytes through the pstats reader and every
// writer: whatever parses must convert without panicking.
func FuzzConvert(f *testing.F) {
	for _, name := range profiles {
		data, err := os.ReadFile(filepath.Join("testdata", name+".prof"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := pstats.Parse(data)
		if err != nil {
			return
		}
		for _, fm := range Formats {
			if err := Write(io.Discard, p, fm, DefaultOptions()); err != nil && fm != Pprof {
				t.Errorf("%s: %v", fm, err)
			}
		}
	})
}
