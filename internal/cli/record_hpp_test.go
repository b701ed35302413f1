package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hpp/internal/hppfile"
)

// recordSummary is the sample count from hpp record's summary line.
func recordSummary(t *testing.T, stderr string) int {
	t.Helper()
	m := regexp.MustCompile(`hpp record: (\d+) samples`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary line in %q", stderr)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestRecordHppFile: hpp record writes hpp's own file by default, with
// what it knew of the recording; hpp convert exports it, and go tool
// pprof and the folded stacks count every sample the summary line
// announced; --format pstats gives a file Python's pstats prints, whose
// times add up to the samples times the period.
func TestRecordHppFile(t *testing.T) {
	cmd, stdout := startPython(t, "-c", `
import threading
ev = threading.Event()
def spin():
    n = 0
    while True: n += 1
threading.Thread(target=spin, daemon=True).start()
print("ready", flush=True)
ev.wait()
`)
	waitReady(stdout)
	pid := strconv.Itoa(cmd.Process.Pid)
	dir := t.TempDir()
	t.Chdir(dir)
	run := func(args ...string) (string, string) {
		t.Helper()
		var out, errb strings.Builder
		if code := Main(t.Context(), args, &Env{Stdout: &out, Stderr: &errb}); code != 0 {
			t.Fatalf("hpp %v: exit %d: %s", args, code, errb.String())
		}
		return out.String(), errb.String()
	}

	_, errs := run("record", "-p", pid, "-r", "100", "-d", "1")
	n := recordSummary(t, errs)
	path := "hpp-" + pid + ".hpp"
	p, meta, err := hppfile.ReadFile(path)
	if err != nil {
		t.Fatalf("default output %s: %v", path, err)
	}
	py, _ := exec.Command(cmd.Path, "-c", "import platform; print(platform.python_version())").Output()
	if meta.Python != strings.TrimSpace(string(py)) || meta.Rate != 100 || !strings.Contains(meta.Command, "threading") || meta.Start.IsZero() || meta.Duration <= 0 {
		t.Errorf("meta %+v (python %s)", meta, py)
	}
	if p.Samples.Mode != "wall" {
		t.Errorf("mode %q, want wall", p.Samples.Mode)
	}
	if w := sampleWeight(p.Samples); w != int64(n) {
		t.Errorf("%d samples in the file, the summary says %d", w, n)
	}

	// Folded stacks carry sample counts.
	folded, _ := run("convert", "--to", "collapsed", path)
	total := 0
	for _, line := range strings.Split(strings.TrimSpace(folded), "\n") {
		c, err := strconv.Atoi(line[strings.LastIndexByte(line, ' ')+1:])
		if err != nil {
			t.Fatalf("folded line %q", line)
		}
		total += c
	}
	if total != n {
		t.Errorf("folded stacks count %d samples, want %d:\n%s", total, n, folded)
	}

	// go tool pprof reads the pprof export with every sample.
	run("convert", "-o", "out.pb.gz", path)
	if goBin, err := exec.LookPath("go"); err == nil {
		raw, err := exec.Command(goBin, "tool", "pprof", "-raw", "out.pb.gz").CombinedOutput()
		if err != nil {
			t.Fatalf("go tool pprof -raw: %v\n%s", err, raw)
		}
		total = 0
		for _, m := range regexp.MustCompile(`(?m)^\s+(\d+)\s+\d+: `).FindAllStringSubmatch(string(raw), -1) {
			c, _ := strconv.Atoi(m[1])
			total += c
		}
		if total != n {
			t.Errorf("pprof -raw counts %d samples, want %d:\n%s", total, n, raw)
		}
	}

	// --format pstats: Python's pstats reads it; tottimes add up to
	// samples × 10 ms.
	_, errs = run("record", "-p", pid, "-r", "100", "-d", "1", "--format", "pstats", "-o", "out.prof")
	n = recordSummary(t, errs)
	out, err := exec.Command(cmd.Path, "-c", `
import pstats, sys
s = pstats.Stats(sys.argv[1])
s.print_stats()
print("TOTAL", sum(v[2] for v in s.stats.values()))
print("SPIN", [v[3] for k, v in s.stats.items() if k[2] == "spin"][0])
`, filepath.Join(dir, "out.prof")).CombinedOutput()
	if err != nil {
		t.Fatalf("python pstats: %v\n%s", err, out)
	}
	got := map[string]float64{}
	for _, m := range regexp.MustCompile(`(?m)^(TOTAL|SPIN) (\S+)$`).FindAllStringSubmatch(string(out), -1) {
		got[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	if want := float64(n) * 0.01; got["TOTAL"] < want-1e-6 || got["TOTAL"] > want+1e-6 {
		t.Errorf("pstats total tottime %g, want %d samples × 10 ms = %g\n%s", got["TOTAL"], n, want, out)
	}
	// spin's thread is one of two sampled each round: about half.
	if got["SPIN"] < 0.3*got["TOTAL"] || got["SPIN"] > 0.7*got["TOTAL"] {
		t.Errorf("spin's cumtime %g of %g\n%s", got["SPIN"], got["TOTAL"], out)
	}
	if _, err := os.Stat(filepath.Join(dir, "hpp-"+pid+".pb.gz")); err == nil {
		t.Errorf("an old default output appeared")
	}
}
