package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRecordModes records two pure-Python threads contending for the
// GIL, a hashlib thread that releases it, and a sleeping main thread.
// In gil mode there is at most one sample per round, CPython having one
// GIL; the summary splits each thread; the pprof file carries the state
// as a label that go tool pprof reads.
func TestRecordModes(t *testing.T) {
	cmd, stdout := startPython(t, "../timemode/testdata/contend.py")
	waitReady(stdout)
	pid := strconv.Itoa(cmd.Process.Pid)
	dir := t.TempDir()

	folded := filepath.Join(dir, "gil.folded")
	var out, errb strings.Builder
	if code := Main(t.Context(), []string{"record", "-p", pid, "-r", "200", "-d", "1", "--mode", "gil", "-o", folded}, &Env{Stdout: &out, Stderr: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	summary := errb.String()
	rounds := roundsIn(t, summary)
	b, err := os.ReadFile(folded)
	if err != nil {
		t.Fatal(err)
	}
	kept, spin := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		i := strings.LastIndexByte(line, ' ')
		n, _ := strconv.Atoi(line[i+1:])
		kept += n
		if strings.HasSuffix(line[:i], ";spin_a") || strings.HasSuffix(line[:i], ";spin_b") {
			spin += n
		}
	}
	if kept > rounds+rounds/20 {
		t.Errorf("gil mode kept %d samples in %d rounds: more than one GIL holder per round", kept, rounds)
	}
	if spin < kept*8/10 {
		t.Errorf("gil mode: the spinners hold %d of %d samples, want ≥ 80%%:\n%s", spin, kept, b)
	}
	if !strings.Contains(summary, "in gil mode") || strings.Count(summary, "GIL wait") != 4 {
		t.Errorf("summary without the mode or a split for each of 4 threads:\n%s", summary)
	}

	pb := filepath.Join(dir, "wall.pb.gz")
	errb.Reset()
	if code := Main(t.Context(), []string{"record", "-p", pid, "-r", "200", "-d", "1", "-o", pb}, &Env{Stdout: &out, Stderr: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	tags, err := exec.Command(goBin, "tool", "pprof", "-tags", pb).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -tags: %v: %s", err, tags)
	}
	// Four threads: one sleeps, two share the GIL, one hashes without it:
	// about 25% idle, 25% held, 25% waiting, 25% without the GIL.
	for _, st := range []string{"gil", "nogil", "gil_wait", "idle"} {
		m := regexp.MustCompile(`(?m)^\s+\S+ \(\s*([\d.]+)%\): ` + st + `$`).FindSubmatch(tags)
		if m == nil {
			t.Errorf("no state %s in go tool pprof -tags:\n%s", st, tags)
			continue
		}
		if share, _ := strconv.ParseFloat(string(m[1]), 64); share < 15 || share > 35 {
			t.Errorf("state %s: %.1f%% of the samples, want about 25%%:\n%s", st, share, tags)
		}
	}
}

// roundsIn reads the rounds from the summary line: N rounds/s × seconds.
func roundsIn(t *testing.T, summary string) int {
	t.Helper()
	m := regexp.MustCompile(`in ([\d.]+) s \((\d+) rounds/s`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no rounds in %q", summary)
	}
	s, _ := strconv.ParseFloat(m[1], 64)
	r, _ := strconv.Atoi(m[2])
	return int(s*float64(r) + 0.5)
}
