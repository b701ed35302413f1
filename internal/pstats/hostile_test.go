package pstats_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
)

// TestTruncatedWhileRead cuts a large profile short, from another
// goroutine, while ReadFile has it mapped, as happens when cProfile
// rewrites a profile in place. Touching the mapping past the new end of
// the file raises SIGBUS; ReadFile must return a FormatError, never crash.
func TestTruncatedWhileRead(t *testing.T) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "big.prof")
	pstatstest.WriteLarge(t, orig, 100000)
	data, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if p, err := pstats.ReadFile(orig); err != nil || p.NumListed != 100000 {
		t.Fatalf("the whole file: %v", err)
	}
	took := time.Since(start)

	path := filepath.Join(dir, "victim.prof")
	shrank := 0
	runs := 40
	if testing.Short() {
		runs = 10
	}
	for i := 0; i < runs; i++ {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Most cuts land while the reader is half way.
			time.Sleep(time.Duration(rand.Int64N(int64(took) + 1)))
			if err := os.Truncate(path, 1_000_000); err != nil {
				t.Error(err)
			}
		}()
		_, err := pstats.ReadFile(path)
		wg.Wait()
		if err == nil {
			continue // read whole before the cut
		}
		var fe *pstats.FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("run %d: error of type %T, want *FormatError: %v", i, err, err)
		}
		if strings.Contains(fe.Msg, "shrank while hpp read it") {
			shrank++
		}
	}
	t.Logf("%d of %d reads saw the file shrink under them (took %v to read whole)", shrank, runs, took)
	if shrank == 0 {
		t.Errorf("no read saw the file shrink under it in %d runs: the test did not test the fault", runs)
	}
}
