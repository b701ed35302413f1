package export

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	pprofile "github.com/google/pprof/profile"
	"hpp/internal/pstats"
	"hpp/internal/stackcheck"
)

// The stack formats, read back by their real readers (go tool pprof) or
// parsed as their specifications say, must keep cProfile's numbers
// (docs/tree.md): per function self = tottime, inclusive = cumtime
// outside recursive cycles, all = total, within 0.5% of the total.
// The truth is Python's own pstats reading the same file.

func TestStackFormatsKeepCProfileNumbers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool pprof is not on PATH")
	}
	for _, c := range stackcheck.Live(t) {
		t.Run(c.Name, func(t *testing.T) {
			truth, err := stackcheck.FromPython(c.Python, c.Path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := pstats.ReadFile(c.Path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			write := func(format Format) []byte {
				var b bytes.Buffer
				if err := Write(&b, p, format, Options{}); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				return b.Bytes()
			}
			pb := write("pprof")
			if raw, err := exec.Command("go", "tool", "pprof", "-raw", writeFile(t, dir, "x.pb.gz", pb)).CombinedOutput(); err != nil {
				t.Fatalf("go tool pprof -raw: %v\n%s", err, raw)
			}
			pstacks, names := pprofStacks(t, pb)
			tol := 0.005 * truth.Total
			for _, f := range []struct {
				name   string
				stacks []stackcheck.Stack
			}{
				{"pprof", pstacks},
				{"collapsed", parseCollapsed(t, write("collapsed"), names)},
				{"speedscope", parseSpeedscope(t, write("speedscope"))},
				{"svg", parseSVG(t, write("svg"), truth.Total)},
			} {
				r := stackcheck.Check(truth, f.stacks, tol)
				if len(r.Failures) > 0 {
					t.Errorf("%s: %v", f.name, r)
				} else {
					t.Logf("%s: %v", f.name, r)
				}
			}
		})
	}
}

// key names a frame by file and first line, or by name for a built-in
// (pprof and speedscope give built-ins no file).
func key(file string, line int, name string) stackcheck.Key {
	if file == "" || file == "~" {
		return stackcheck.Key{File: "~", Line: 0, Name: name}
	}
	return stackcheck.Key{File: file, Line: line, Name: name}
}

// pprofStacks reads the pprof file with the profile package that go tool
// pprof is built on; it also returns each function's name as pprof gives
// it, which is the name the folded format prints.
func pprofStacks(t *testing.T, b []byte) ([]stackcheck.Stack, map[string]stackcheck.Key) {
	t.Helper()
	prof, err := pprofile.ParseData(b)
	if err != nil {
		t.Fatalf("pprof: %v", err)
	}
	vi := len(prof.SampleType) - 1
	if prof.SampleType[vi].Unit != "nanoseconds" {
		t.Fatalf("pprof: value unit %q", prof.SampleType[vi].Unit)
	}
	names := map[string]stackcheck.Key{}
	var out []stackcheck.Stack
	for _, s := range prof.Sample {
		st := stackcheck.Stack{Self: float64(s.Value[vi]) / 1e9}
		for i := len(s.Location) - 1; i >= 0; i-- {
			fn := s.Location[i].Line[0].Function
			k := key(fn.Filename, int(fn.StartLine), fn.Name)
			names[fn.Name] = k
			st.Frames = append(st.Frames, k)
		}
		out = append(out, st)
	}
	return out, names
}

// parseCollapsed reads folded stacks ("a;b;c N" in nanoseconds), naming
// frames as pprof does.
func parseCollapsed(t *testing.T, b []byte, names map[string]stackcheck.Key) []stackcheck.Stack {
	t.Helper()
	var out []stackcheck.Stack
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseInt(line[i+1:], 10, 64)
		if i < 0 || err != nil {
			t.Fatalf("collapsed: bad line %q", line)
		}
		st := stackcheck.Stack{Self: float64(v) / 1e9}
		for _, f := range strings.Split(line[:i], ";") {
			k, ok := names[f]
			if !ok {
				t.Fatalf("collapsed: frame %q is not a function of the pprof export", f)
			}
			st.Frames = append(st.Frames, k)
		}
		out = append(out, st)
	}
	return out
}

// parseSpeedscope replays a speedscope file's sampled or evented profile.
func parseSpeedscope(t *testing.T, b []byte) []stackcheck.Stack {
	t.Helper()
	var doc struct {
		Shared struct {
			Frames []struct {
				Name string `json:"name"`
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"frames"`
		} `json:"shared"`
		Profiles []struct {
			Type    string    `json:"type"`
			Unit    string    `json:"unit"`
			Samples [][]int   `json:"samples"`
			Weights []float64 `json:"weights"`
			Events  []struct {
				Type  string  `json:"type"`
				At    float64 `json:"at"`
				Frame int     `json:"frame"`
			} `json:"events"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("speedscope: %v", err)
	}
	keys := make([]stackcheck.Key, len(doc.Shared.Frames))
	for i, f := range doc.Shared.Frames {
		keys[i] = key(f.File, f.Line, f.Name)
	}
	var out []stackcheck.Stack
	for _, pr := range doc.Profiles {
		scale := 1.0
		switch pr.Unit {
		case "nanoseconds":
			scale = 1e-9
		case "microseconds":
			scale = 1e-6
		case "milliseconds":
			scale = 1e-3
		}
		switch pr.Type {
		case "sampled":
			for i, s := range pr.Samples {
				st := stackcheck.Stack{Self: pr.Weights[i] * scale}
				for _, f := range s {
					st.Frames = append(st.Frames, keys[f])
				}
				out = append(out, st)
			}
		case "evented":
			var stack []stackcheck.Key
			last := 0.0
			for _, e := range pr.Events {
				if len(stack) > 0 && e.At > last {
					out = append(out, stackcheck.Stack{Frames: append([]stackcheck.Key(nil), stack...), Self: (e.At - last) * scale})
				}
				last = e.At
				if e.Type == "O" {
					stack = append(stack, keys[e.Frame])
				} else {
					stack = stack[:len(stack)-1]
				}
			}
		default:
			t.Fatalf("speedscope: profile type %q", pr.Type)
		}
	}
	return out
}

var svgFrame = regexp.MustCompile(`<g class="f" data-x="([^"]+)" data-w="([^"]+)" data-d="(\d+)"><title>([^\n]*)\n([^\n]*)\n`)

// parseSVG rebuilds the stacks from the flame graph's boxes: each box's
// width share of the total, its depth and its title (name, then
// file:line or "built-in"). Boxes too narrow to draw are absent, like a
// cut-off.
func parseSVG(t *testing.T, b []byte, total float64) []stackcheck.Stack {
	t.Helper()
	type box struct {
		k    stackcheck.Key
		w    float64
		kids float64
	}
	var stack []*box
	var out []stackcheck.Stack
	flush := func(depth int) {
		for len(stack) > depth {
			bx := stack[len(stack)-1]
			st := stackcheck.Stack{Self: bx.w - bx.kids}
			for _, s := range stack {
				st.Frames = append(st.Frames, s.k)
			}
			out = append(out, st)
			stack = stack[:len(stack)-1]
		}
	}
	for _, m := range svgFrame.FindAllStringSubmatch(string(b), -1) {
		d, _ := strconv.Atoi(m[3])
		if d == 0 {
			continue
		}
		w, _ := strconv.ParseFloat(m[2], 64)
		name := html.UnescapeString(m[4])
		where := html.UnescapeString(m[5])
		k := stackcheck.Key{File: "~", Name: name}
		if where != "built-in" {
			i := strings.LastIndexByte(where, ':')
			line, _ := strconv.Atoi(where[i+1:])
			k = stackcheck.Key{File: where[:i], Line: line}
		}
		flush(d - 1)
		if len(stack) > 0 {
			stack[len(stack)-1].kids += w * total
		}
		stack = append(stack, &box{k: k, w: w * total})
	}
	flush(0)
	return out
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
