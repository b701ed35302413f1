package pyrun

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStart runs a script and a module with Start on every installed
// Python (pyenv's and Debian's python3): arguments, stdin, stdout, stderr and the
// exit status pass through as python itself passes them, with no
// profiler in between (sys.getprofile() stays None).
func TestStart(t *testing.T) {
	const script = `import sys
sys.stdout.write("argv=%r stdin=%r prof=%r\n" % (sys.argv[1:], sys.stdin.read(), sys.getprofile()))
sys.stderr.write("to stderr\n")
sys.exit(int(sys.argv[1]))
`
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog.py")
	os.WriteFile(prog, []byte(script), 0o644)
	os.WriteFile(filepath.Join(dir, "progmod.py"), []byte(script), 0o644)
	pythons := map[string]string{}
	for _, it := range interpreters(t) {
		pythons[it.Label] = it.Path
	}
	for label, py := range pythons {
		for _, tg := range []Target{
			{Script: prog, Args: []string{"3", "--x", "a b"}},
			{Module: "progmod", Args: []string{"3", "--x", "a b"}},
		} {
			t.Run(label+"/"+filepath.Base(tg.Script)+tg.Module, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				// python -m finds progmod in the current directory.
				wd, _ := os.Getwd()
				os.Chdir(dir)
				c, err := Start(py, tg, Streams{Stdin: strings.NewReader("in put"), Stdout: &stdout, Stderr: &stderr})
				os.Chdir(wd)
				if err != nil {
					t.Fatal(err)
				}
				exit, err := c.Wait()
				if err != nil || exit.Code != 3 || exit.Signal != 0 {
					t.Errorf("exit %+v %v, want status 3; stderr %s", exit, err, stderr.String())
				}
				want := "argv=['3', '--x', 'a b'] stdin='in put' prof=None\n"
				if stdout.String() != want {
					t.Errorf("stdout %q, want %q", stdout.String(), want)
				}
				if stderr.String() != "to stderr\n" {
					t.Errorf("stderr %q", stderr.String())
				}
			})
		}
	}
}

// TestStartStop: Stop sends SIGINT first (a program that catches
// KeyboardInterrupt cleans up and leaves with its own status) and SIGKILL
// when the program ignores it.
func TestStartStop(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	for _, tc := range []struct {
		code, want string
		exit       int
	}{
		{`import sys, time
try:
    sys.stdout.write("up\n"); sys.stdout.flush()
    time.sleep(60)
except KeyboardInterrupt:
    sys.exit(9)
`, "up\n", 9},
		{`import signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.stdout.write("up\n"); sys.stdout.flush()
time.sleep(60)
`, "up\n", 128 + int(syscall.SIGKILL)},
	} {
		r, w, _ := os.Pipe()
		var stderr bytes.Buffer
		c, err := Start(py, Target{Script: "-c", Args: []string{tc.code}}, Streams{Stdout: w, Stderr: &stderr})
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 3)
		r.Read(buf)
		r.Close()
		exit := c.Stop(500 * time.Millisecond)
		if exit.Code != tc.exit {
			t.Errorf("exit %+v, want %d; stderr %s", exit, tc.exit, stderr.String())
		}
	}
}
