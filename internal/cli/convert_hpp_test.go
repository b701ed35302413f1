package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertHppRoundTrip: a cProfile profile converted to hpp's file and
// back to pstats is the same profile to Python's own pstats: the same
// stats dict, entry for entry, callers included.
func TestConvertHppRoundTrip(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	orig := "../../testdata/pstats/py3.11.7/cprofile.prof"
	dir := t.TempDir()
	mid, back := filepath.Join(dir, "p.hpp"), filepath.Join(dir, "back.prof")
	for _, args := range [][]string{{"convert", "-o", mid, orig}, {"convert", "--to", "pstats", "-o", back, mid}} {
		if code, _, errs := runHpp(t, args...); code != 0 {
			t.Fatalf("hpp %v: exit %d: %s", args, code, errs)
		}
	}
	out, err := exec.Command(py, "-c", `
import pstats, sys
a, b = pstats.Stats(sys.argv[1]).stats, pstats.Stats(sys.argv[2]).stats
print(len(a), "functions;", "same" if a == b else "DIFFERENT")
`, orig, back).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "same") {
		t.Errorf("python: %v: %s", err, out)
	}
}
