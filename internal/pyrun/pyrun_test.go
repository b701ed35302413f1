package pyrun

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
)

// interpreters are the installed Pythons, 2.7 and 3.6 to 3.13.
func interpreters(t *testing.T) []pstatstest.Interpreter {
	t.Helper()
	var out []pstatstest.Interpreter
	for _, it := range pstatstest.Interpreters(t) {
		if it.Path != "" {
			out = append(out, it)
		}
	}
	return out
}

// funcs returns the names of the functions in the profile at path, as
// read by pstats.
func funcs(t *testing.T, path string) map[string]bool {
	t.Helper()
	p, err := pstats.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the profile: %v", err)
	}
	names := map[string]bool{}
	for _, f := range p.Listed() {
		names[f.Name] = true
	}
	return names
}

func TestFindRefusesWhatIsNotPython(t *testing.T) {
	path, version, err := Find("python3")
	if err != nil || path == "" || !strings.HasPrefix(version, "3.") {
		t.Fatalf("Find(python3) = %q, %q, %v", path, version, err)
	}
	dir := t.TempDir()
	for _, tc := range []struct{ python, want string }{
		{"/bin/echo", `/bin/echo is not a Python with cProfile: asked for its version, it printed "-c import sys`},
		{"/bin/false", "/bin/false is not a Python with cProfile: asked for its version, it failed (exit status 1) and printed nothing"},
		{"/bin/sh", "/bin/sh is not a Python with cProfile: asked for its version, it failed (exit status 2): /bin/sh: 1: Syntax error"},
		{filepath.Join(dir, "missing"), "python interpreter not found"},
	} {
		t.Run(filepath.Base(tc.python), func(t *testing.T) {
			_, _, err := Find(tc.python)
			if !(errors.Is(err, ErrNoPython) || errors.Is(err, ErrNotPython)) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrNoPython or ErrNotPython with %q", err, tc.want)
			}
		})
	}
}

// TestForkedChildDoesNotWrite: a child forked by the program that
// finishes normally, after its parent, must not replace the parent's
// profile (plain cProfile does).
func TestForkedChildDoesNotWrite(t *testing.T) {
	const script = `import os, sys, time
def parent_only(): return sum(range(1000))
def child_only(): return sum(range(1000))
if os.fork() == 0:
    time.sleep(0.5)
    child_only()
    open(sys.argv[1], "w").close()
else:
    parent_only()
`
	for _, it := range interpreters(t) {
		t.Run(it.Label, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			prog := filepath.Join(dir, "forks.py")
			os.WriteFile(prog, []byte(script), 0o644)
			out := filepath.Join(dir, "out.prof")
			done := filepath.Join(dir, "child-done")
			var stderr bytes.Buffer
			exit, err := Run(it.Path, out, Target{Script: prog, Args: []string{done}}, Streams{Stderr: &stderr})
			if err != nil || exit.Code != 0 {
				t.Fatalf("exit %+v, %v; stderr:\n%s", exit, err, stderr.String())
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if _, err := os.Stat(done); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the child never finished")
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // the child's exit, where cProfile's would write
			names := funcs(t, out)
			if !names["parent_only"] || names["child_only"] {
				t.Errorf("profile has parent_only=%v child_only=%v; want the parent's profile", names["parent_only"], names["child_only"])
			}
		})
	}
}

// TestSIGTERM sends SIGTERM to the runner's process: a program without a
// handler still leaves its profile and ends as SIGTERM ends it; a program
// with its own handler runs it.
func TestSIGTERM(t *testing.T) {
	const script = `import signal, sys, time
def work(n): return sum(i * i for i in range(n))
if sys.argv[1] == "handler":
    def on_term(signum, frame):
        sys.stdout.write("handled\n"); sys.stdout.flush()
        sys.exit(5)
    signal.signal(signal.SIGTERM, on_term)
work(1000)
sys.stdout.write("spinning\n"); sys.stdout.flush()
t = time.time()
while time.time() - t < 60:
    work(100)
`
	for _, it := range interpreters(t) {
		for _, mode := range []string{"default", "handler"} {
			t.Run(it.Label+"/"+mode, func(t *testing.T) {
				dir := t.TempDir()
				prog := filepath.Join(dir, "term.py")
				os.WriteFile(prog, []byte(script), 0o644)
				out := filepath.Join(dir, "out.prof")
				cmd := Command(it.Path, out, Target{Script: prog, Args: []string{mode}})
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				stdout, _ := cmd.StdoutPipe()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				r := bufio.NewReader(stdout)
				if line, err := r.ReadString('\n'); line != "spinning\n" {
					t.Fatalf("program did not start: %q %v %s", line, err, stderr.String())
				}
				cmd.Process.Signal(syscall.SIGTERM)
				rest, _ := r.ReadString(0)
				err := cmd.Wait()
				var ee *exec.ExitError
				errors.As(err, &ee)
				if mode == "default" {
					ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
					if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
						t.Errorf("ended with %v, want killed by SIGTERM; stderr:\n%s", err, stderr.String())
					}
				} else if cmd.ProcessState.ExitCode() != 5 || rest != "handled\n" {
					t.Errorf("exit %d, stdout %q; want 5 and the program's handler's output", cmd.ProcessState.ExitCode(), rest)
				}
				if !funcs(t, out)["work"] {
					t.Error("profile lacks work()")
				}
			})
		}
	}
}
