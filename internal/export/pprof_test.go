package export

import (
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// goPprof runs go tool pprof with args on file and returns its stdout.
func goPprof(t *testing.T, file string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"tool", "pprof"}, args...), file)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool pprof %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// rawProfile is what go tool pprof -raw prints: samples as values and
// location ids, and each location's function name.
type rawProfile struct {
	samples [][]int64 // values
	stacks  [][]int   // location ids, leaf first
	names   map[int]string
}

var (
	rawSample   = regexp.MustCompile(`^\s+((?:-?\d+\s+)+)?(-?\d+):((?:\s+\d+)*)\s*$`)
	rawLocation = regexp.MustCompile(`^\s+(\d+): 0x0 M=1 (.*)$`)
)

// parseRaw reads -raw output; a location's text is "name file:line:col
// s=start()" where name and file may hold spaces, so the name is the
// longest of labels that the text starts with.
func parseRaw(t *testing.T, s string, labels []string) rawProfile {
	t.Helper()
	r := rawProfile{names: map[int]string{}}
	section := ""
	for _, line := range strings.Split(s, "\n") {
		switch {
		case line == "Samples:" || line == "Locations" || line == "Mappings":
			section = line
			continue
		}
		switch section {
		case "Samples:":
			m := rawSample.FindStringSubmatch(line)
			if m == nil {
				continue // the header naming the sample types
			}
			var vals []int64
			for _, f := range strings.Fields(m[1] + " " + m[2]) {
				v, _ := strconv.ParseInt(f, 10, 64)
				vals = append(vals, v)
			}
			var stack []int
			for _, f := range strings.Fields(m[3]) {
				id, _ := strconv.Atoi(f)
				stack = append(stack, id)
			}
			r.samples = append(r.samples, vals)
			r.stacks = append(r.stacks, stack)
		case "Locations":
			if m := rawLocation.FindStringSubmatch(line); m != nil {
				id, _ := strconv.Atoi(m[1])
				for _, l := range labels {
					if strings.HasPrefix(m[2], l+" ") && len(l) > len(r.names[id]) {
						r.names[id] = l
					}
				}
			}
		}
	}
	if len(r.samples) == 0 || len(r.names) == 0 {
		t.Fatalf("no samples or locations in go tool pprof -raw output:\n%s", s)
	}
	return r
}

// topRow is one row of go tool pprof -top -unit=ns.
type topRow struct{ flat, cum float64 }

var topLine = regexp.MustCompile(`^\s*(\d+)(?:ns)?\s+\S+%\s+\S+%\s+(\d+)(?:ns)?\s+\S+%\s+(.*)$`)

func parseTop(t *testing.T, s string) (rows map[string]topRow, total float64) {
	t.Helper()
	rows = map[string]topRow{}
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "Total samples = "); i >= 0 {
			f := strings.Fields(line[i+len("Total samples = "):])[0]
			total, _ = strconv.ParseFloat(strings.TrimSuffix(f, "ns"), 64)
			continue
		}
		if m := topLine.FindStringSubmatch(line); m != nil {
			flat, _ := strconv.ParseFloat(m[1], 64)
			cum, _ := strconv.ParseFloat(m[2], 64)
			rows[m[3]] = topRow{flat, cum}
		}
	}
	return rows, total
}

// TestPprofReadByGoToolPprof feeds the output to go tool pprof: the raw
// samples it decodes, and its top table, must show the estimated tree's
// numbers, the profile's total, and cProfile's call counts.
func TestPprofReadByGoToolPprof(t *testing.T) {
	for _, name := range profiles {
		t.Run(name, func(t *testing.T) {
			p := load(t, name)
			file := writeTemp(t, name+".pb.gz", convert(t, p, Pprof, Options{}))
			e := expect(p)

			raw := parseRaw(t, goPprof(t, file, "-raw"), Labels(p))
			var total float64
			flat := map[string]float64{}
			for i, v := range raw.samples {
				if len(v) != 2 {
					t.Fatalf("sample %d has %d values, want calls and time", i, len(v))
				}
				total += float64(v[1])
				flat[raw.names[raw.stacks[i][0]]] += float64(v[1])
			}
			if total != math.Round(e.total) {
				t.Errorf("-raw: total time %v ns, want the profile's total %v", total, math.Round(e.total))
			}
			for l, want := range e.flat {
				if !near(flat[l], want, e.nodes[l]) {
					t.Errorf("-raw: %s self %v ns, want %v", l, flat[l], want)
				}
			}

			rows, top := parseTop(t, goPprof(t, file, "-top", "-unit=ns", "-nodefraction=0", "-nodecount=100000"))
			if top != math.Round(e.total) {
				t.Errorf("-top: total %v ns, want %v", top, math.Round(e.total))
			}
			for l, want := range e.cum {
				r, ok := rows[l]
				if !ok {
					t.Errorf("-top: no row for %s", l)
					continue
				}
				if !near(r.cum, want, e.nodes[l]) || !near(r.flat, e.flat[l], e.nodes[l]) {
					t.Errorf("-top: %s flat %v cum %v, want %v %v", l, r.flat, r.cum, e.flat[l], want)
				}
			}

			// Flat calls are cProfile's counts for every function in the tree.
			calls, _ := parseTop(t, goPprof(t, file, "-top", "-sample_index=calls", "-nodefraction=0", "-nodecount=100000"))
			names := Labels(p)
			for i, f := range p.Listed() {
				if _, ok := e.cum[names[i]]; !ok {
					continue
				}
				if got := calls[names[i]].flat; got != float64(f.NCalls) {
					t.Errorf("-top -sample_index=calls: %s %v calls, want %d", names[i], got, f.NCalls)
				}
			}
		})
	}
	// Where the estimate is exact (a function reached by one path, no
	// recursion), pprof's numbers are cProfile's own.
	t.Run("exact", func(t *testing.T) {
		p := load(t, "recursion")
		file := writeTemp(t, "r.pb.gz", convert(t, p, Pprof, Options{}))
		rows, _ := parseTop(t, goPprof(t, file, "-top", "-unit=ns", "-nodefraction=0"))
		for i, f := range p.Listed() {
			if f.Name != "spin" && f.Name != "<built-in method time.perf_counter>" {
				continue
			}
			r := rows[Labels(p)[i]]
			if math.Abs(r.flat-f.TotTime*1e9) > 2 || math.Abs(r.cum-f.CumTime*1e9) > 2 {
				t.Errorf("%s: pprof flat %v cum %v ns, cProfile tottime %v cumtime %v", f.Name, r.flat, r.cum, f.TotTime*1e9, f.CumTime*1e9)
			}
		}
	})
}
