package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hpp/internal/cli"
	"hpp/internal/pstats/pstatstest"
)

// hostileStats runs `hpp stats path` through cli.Main and checks that it
// fails within a second with wantCode, one error line naming path, and
// (for inputs that could be opened) under 1 MiB allocated on the way.
func hostileStats(t *testing.T, path string, wantCode int) string {
	t.Helper()
	var out, errb bytes.Buffer
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	code := cli.Main(context.Background(), []string{"stats", path}, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	stderr := errb.String()
	if code != wantCode {
		t.Errorf("exit code %d, want %d; stderr: %s", code, wantCode, stderr)
	}
	if took > time.Second {
		t.Errorf("took %v, want under a second", took)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("allocated %d bytes, want under 1 MiB", n)
	}
	if out.Len() != 0 {
		t.Errorf("wrote to stdout: %q", out.String())
	}
	if !strings.HasPrefix(stderr, "hpp: "+path+": ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("error %q is not one line starting with hpp: %s: ", stderr, path)
	}
	return stderr
}

// pipePath starts a goroutine writing chunk to a pipe again and again
// until the reader goes, and returns a path that opens the pipe's read
// end, as bash's <(yes) does.
func pipePath(t *testing.T, chunk []byte) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if _, err := w.Write(chunk); err != nil {
				return // EPIPE: every reader has gone
			}
		}
	}()
	t.Cleanup(func() { r.Close(); wg.Wait(); w.Close() })
	return fmt.Sprintf("/proc/self/fd/%d", r.Fd())
}

// fifoPath makes a FIFO fed the same way by a writer process.
func fifoPath(t *testing.T, chunk string) string {
	return fifoPathBytes(t, []byte(chunk))
}

func fifoPathBytes(t *testing.T, chunk []byte) string {
	t.Helper()
	dir := t.TempDir()
	path, src := filepath.Join(dir, "fifo"), filepath.Join(dir, "chunk")
	if err := os.WriteFile(src, chunk, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", `while cat "$1"; do :; done > "$2"`, "sh", src, path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return path
}

// TestStatsEndlessInputs gives hpp stats inputs that never end: each
// must be refused from its first bytes, quickly, with bounded memory.
func TestStatsEndlessInputs(t *testing.T) {
	cases := []struct {
		name string
		path func(t *testing.T) string
		code int
		want string
	}{
		{"dev-zero", func(*testing.T) string { return "/dev/zero" }, cli.ExitBadInput, "NUL bytes"},
		{"dev-urandom", func(*testing.T) string { return "/dev/urandom" }, cli.ExitBadInput, "not a pstats file"},
		{"pipe-yes", func(t *testing.T) string { return pipePath(t, []byte("y\n")) }, cli.ExitBadInput, "text file"},
		{"pipe-zeros", func(t *testing.T) string { return pipePath(t, make([]byte, 4096)) }, cli.ExitBadInput, "NUL bytes"},
		// The header of a dict of functions, then the same key forever.
		{"pipe-dict-keys", func(t *testing.T) string { return pipePath(t, []byte("{)\x03z\x04f.pyi\x01\x00\x00\x00z\x01f")) }, cli.ExitBadInput, "byte "},
		// A file name of 2 GiB - 1 bytes, then NULs forever: refused from
		// the length, not after reading 1 GiB.
		{"pipe-huge-string", func(t *testing.T) string {
			return pipePath(t, append([]byte("{)\x03u\xff\xff\xff\x7f"), make([]byte, 1<<16)...))
		}, cli.ExitBadInput, "more than the 1073741824 bytes"},
		{"fifo-yes", func(t *testing.T) string { return fifoPath(t, "y\n") }, cli.ExitBadInput, "text file"},
		{"fifo-random", func(t *testing.T) string { return fifoPath(t, "\x8f\x01\x02garbage") }, cli.ExitBadInput, "starts with 8f 01 02"},
		{"socket", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "sock")
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return path
		}, cli.ExitNoInput, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stderr := hostileStats(t, tc.path(t), tc.code)
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("error %q does not say %q", stderr, tc.want)
			}
		})
	}
}

// TestStatsFromPipe reads a real profile through a pipe, with and without
// endless bytes after it (marshal.load stops at the end of the dict): the
// table must be the one read from the file.
func TestStatsFromPipe(t *testing.T) {
	path := filepath.Join(pstatstest.CorpusDir(t), "debian-python3", "cprofile.prof")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	table := func(path string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := cli.Main(context.Background(), []string{"stats", path}, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}); code != 0 {
			t.Fatalf("hpp stats %s: exit code %d: %s", path, code, errb.String())
		}
		_, rows, ok := strings.Cut(out.String(), "ncalls")
		if !ok {
			t.Fatalf("no table in %q", out.String())
		}
		return rows
	}
	want := table(path)
	once := func(t *testing.T) string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() { w.Write(data); w.Close() }()
		t.Cleanup(func() { r.Close() })
		return fmt.Sprintf("/proc/self/fd/%d", r.Fd())
	}
	for name, p := range map[string]func(*testing.T) string{
		"once":        once,
		"then-zeros":  func(t *testing.T) string { return pipePath(t, append(data, make([]byte, 1<<20)...)) },
		"fifo-repeat": func(t *testing.T) string { return fifoPathBytes(t, data) },
	} {
		t.Run(name, func(t *testing.T) {
			if got := table(p(t)); got != want {
				t.Errorf("through a pipe:\n%s", pstatstest.FirstDiff(got, want))
			}
		})
	}
}

// TestStatsTruncatedWhileRead cuts a large profile short while hpp stats
// reads it, as cProfile does when it rewrites a profile in place: hpp must
// exit 4 with one line, never die of SIGBUS.
func TestStatsTruncatedWhileRead(t *testing.T) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "big.prof")
	pstatstest.WriteLarge(t, orig, 100000)
	data, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	stats := func(path string) (int, string) {
		var out, errb bytes.Buffer
		code := cli.Main(context.Background(), []string{"stats", "--limit", "1", path}, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
		return code, errb.String()
	}
	start := time.Now()
	if code, stderr := stats(orig); code != 0 {
		t.Fatalf("the whole file: exit code %d: %s", code, stderr)
	}
	took := time.Since(start)
	path := filepath.Join(dir, "victim.prof")
	shrank := 0
	for i := 0; i < 40 && shrank < 3; i++ {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() {
			time.Sleep(time.Duration(rand.Int63n(int64(took)/2 + 1)))
			done <- os.Truncate(path, 1_000_000)
		}()
		code, stderr := stats(path)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if code == 0 {
			continue
		}
		if code != cli.ExitBadInput || !strings.HasPrefix(stderr, "hpp: "+path+": ") || strings.Count(stderr, "\n") != 1 {
			t.Fatalf("exit code %d, want %d with one error line; stderr: %s", code, cli.ExitBadInput, stderr)
		}
		if strings.Contains(stderr, "shrank while hpp read it") {
			shrank++
		}
	}
	if shrank == 0 {
		t.Errorf("no run saw the file shrink under it: the test did not test the fault")
	}
}

// TestViewConvertEndlessInputs: hpp view and hpp convert read their
// inputs as hpp stats does, so /dev/zero is refused at once there too,
// and nothing is written.
func TestViewConvertEndlessInputs(t *testing.T) {
	dir := t.TempDir()
	for name, args := range map[string][]string{
		"view":    {"view", "--html", filepath.Join(dir, "out.html"), "/dev/zero"},
		"convert": {"convert", "-o", filepath.Join(dir, "out.json"), "/dev/zero"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			start := time.Now()
			code := cli.Main(context.Background(), args, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %v, want under a second", took)
			}
			if code != cli.ExitBadInput || !strings.Contains(errb.String(), "/dev/zero: not a readable profile") || strings.Count(errb.String(), "\n") != 1 {
				t.Errorf("exit code %d, want %d with one error line; stderr: %s", code, cli.ExitBadInput, errb.String())
			}
			if _, err := os.Stat(args[2]); err == nil {
				t.Errorf("%s was written", args[2])
			}
		})
	}
}
