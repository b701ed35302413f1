package pstats_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
)

// TestStreamMemory reads a large profile through a pipe and from the
// file, each in a child process that runs without the collector as hpp
// stats does, and compares their peak RSS: the stream's buffers and its
// tries at parsing what has come so far must not cost much more than the
// file itself.
func TestStreamMemory(t *testing.T) {
	if path := os.Getenv("HPP_TEST_STREAM_CHILD"); path != "" {
		debug.SetGCPercent(-1)
		if _, err := pstats.ReadFile(path); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.prof")
	pstatstest.WriteLarge(t, path, 30000)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	peak := func(stdin []byte, arg string) int64 {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestStreamMemory$")
		cmd.Env = append(os.Environ(), "HPP_TEST_STREAM_CHILD="+arg)
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin) // a pipe
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	}
	file, pipe := peak(nil, path), peak(data, "/dev/stdin")
	t.Logf("a %d-byte profile: peak RSS %d KB from the file, %d KB through a pipe", len(data), file>>10, pipe>>10)
	// Twofold growth took 4.2 times the profile more than the file;
	// sixteenfold, 1.3 times.
	if extra := pipe - file; extra > 2*int64(len(data)) {
		t.Errorf("through a pipe took %d KB more than from the file: more than twice the profile's %d KB", extra>>10, len(data)>>10)
	}
}
