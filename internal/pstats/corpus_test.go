package pstats_test

import (
	"path/filepath"
	"testing"

	"hpp/internal/pstats/pstatstest"
)

// TestCorpus reads every file that an installed interpreter wrote (see
// testdata/pstats/README) and compares the numbers with what that
// interpreter's own pstats read: each file, pstats.Stats(a, b, c) merges,
// and strip_dirs.
func TestCorpus(t *testing.T) {
	for _, dir := range pstatstest.CorpusDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			pstatstest.CheckDir(t, dir, pstatstest.Load(t, dir))
		})
	}
}
