package export

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// callgrindCosts is what KCachegrind computes from a callgrind file with
// one event: per function its exclusive cost (cost lines of its own) and
// inclusive cost (that plus the cost lines after calls=), and the calls
// per caller→callee pair.
type callgrindCosts struct {
	summary        int64
	self, incl     map[string]int64
	calls          map[[2]string]int64
	callCost       map[[2]string]int64
	totalSelf      int64
	functionsCount int
}

func parseCallgrind(t *testing.T, path string) callgrindCosts {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := callgrindCosts{self: map[string]int64{}, incl: map[string]int64{}, calls: map[[2]string]int64{}, callCost: map[[2]string]int64{}}
	var fl, fn, cfl, cfn string
	inCall := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "summary:"):
			c.summary, _ = strconv.ParseInt(strings.TrimSpace(line[len("summary:"):]), 10, 64)
		case strings.HasPrefix(line, "fl="):
			fl = line[3:]
		case strings.HasPrefix(line, "fn="):
			fn = fl + "|" + line[3:]
			c.functionsCount++
		case strings.HasPrefix(line, "cfl="):
			cfl = line[4:]
		case strings.HasPrefix(line, "cfn="):
			cfn = cfl + "|" + line[4:]
		case strings.HasPrefix(line, "calls="):
			n, err := strconv.ParseInt(strings.Fields(line[6:])[0], 10, 64)
			if err != nil {
				t.Fatalf("%s: bad line %q", path, line)
			}
			c.calls[[2]string{fn, cfn}] += n
			inCall = true
		case line[0] >= '0' && line[0] <= '9':
			fs := strings.Fields(line)
			if len(fs) != 2 {
				t.Fatalf("%s: bad cost line %q", path, line)
			}
			v, err := strconv.ParseInt(fs[1], 10, 64)
			if err != nil {
				t.Fatalf("%s: bad cost line %q", path, line)
			}
			c.incl[fn] += v
			if inCall {
				c.callCost[[2]string{fn, cfn}] += v
				inCall = false
			} else {
				c.self[fn] += v
				c.totalSelf += v
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCallgrindMatchesPyprof2calltree converts each profile with Debian's
// pyprof2calltree and with hpp, and compares what KCachegrind would
// compute from either file.
func TestCallgrindMatchesPyprof2calltree(t *testing.T) {
	tool := needTool(t, "pyprof2calltree", "pyprof2calltree")
	for _, name := range profiles {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			theirs := filepath.Join(dir, "theirs.callgrind")
			in, _ := filepath.Abs(filepath.Join("testdata", name+".prof"))
			if out, err := exec.Command(tool, "-i", in, "-o", theirs).CombinedOutput(); err != nil {
				t.Fatalf("pyprof2calltree: %v\n%s", err, out)
			}
			ours := writeTemp(t, "ours.callgrind", convert(t, load(t, name), Callgrind, Options{}))
			want, got := parseCallgrind(t, theirs), parseCallgrind(t, ours)
			if got.summary != want.summary || got.totalSelf != want.totalSelf || got.functionsCount != want.functionsCount {
				t.Errorf("summary %d, total %d, %d functions; pyprof2calltree: %d, %d, %d",
					got.summary, got.totalSelf, got.functionsCount, want.summary, want.totalSelf, want.functionsCount)
			}
			for fn, w := range want.self {
				if got.self[fn] != w || got.incl[fn] != want.incl[fn] {
					t.Errorf("%s: exclusive %d inclusive %d; pyprof2calltree: %d %d", fn, got.self[fn], got.incl[fn], w, want.incl[fn])
				}
			}
			for k, w := range want.calls {
				if got.calls[k] != w || got.callCost[k] != want.callCost[k] {
					t.Errorf("%s -> %s: %d calls costing %d; pyprof2calltree: %d, %d", k[0], k[1], got.calls[k], got.callCost[k], w, want.callCost[k])
				}
			}
			if len(got.self) != len(want.self) || len(got.calls) != len(want.calls) {
				t.Errorf("%d functions and %d call edges; pyprof2calltree: %d and %d", len(got.self), len(got.calls), len(want.self), len(want.calls))
			}
		})
	}
}
