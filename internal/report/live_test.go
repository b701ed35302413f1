package report_test

import (
	"testing"

	"hpp/internal/pstats/pstatstest"
)

// TestLive profiles the corpus workloads now with every installed
// interpreter (cProfile, profile, an integer-ns timer, pstats.add,
// strip_dirs) and compares hpp's numbers, sort orders and reports with
// what that interpreter's pstats makes of the same files.
func TestLive(t *testing.T) {
	for _, py := range pstatstest.Interpreters(t) {
		t.Run(py.Label, func(t *testing.T) {
			if py.Path == "" {
				t.Skipf("pyenv Python %s is not installed", py.Minor)
			}
			t.Parallel()
			dir := t.TempDir()
			pstatstest.Generate(t, py.Path, dir)
			exp := pstatstest.Load(t, dir)
			pstatstest.CheckDir(t, dir, exp)
			if !exp.Python2() {
				checkViews(t, dir, exp)
			}
		})
	}
}
