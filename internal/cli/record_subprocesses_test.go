package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRecordSubprocesses: with --subprocesses, record follows a forked
// child and a Python started by a shell (the shell itself is not Python)
// until all have exited; each one's function is under its own process
// frame in the folded stacks, and stderr lists the processes.
func TestRecordSubprocesses(t *testing.T) {
	cmd, stdout := startPython(t, "-c", `
import os, subprocess, sys, time
def spin(until):
    while time.time() < until:
        pass
def forked_spin():
    spin(time.time() + 0.8)
print("ready", flush=True)
time.sleep(0.3)
pid = os.fork()
if pid == 0:
    forked_spin()
    os._exit(0)
code = "import time\ndef exec_spin():\n    t = time.time() + 0.8\n    while time.time() < t: pass\nexec_spin()\n"
subprocess.run(["/bin/sh", "-c", '"$PY" -c "$CODE"; true'], env=dict(os.environ, PY=sys.executable, CODE=code))
os.waitpid(pid, 0)
`)
	waitReady(stdout)
	pid := cmd.Process.Pid
	folded := filepath.Join(t.TempDir(), "out.folded")
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"record", "--subprocesses", "-p", strconv.Itoa(pid), "-r", "100", "-o", folded}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	t.Log(errb.String())
	for _, want := range []string{"the process exited", "3 Python processes; 1 others not Python", "process " + strconv.Itoa(pid) + " (parent 0)"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr has no %q:\n%s", want, errb.String())
		}
	}
	b, err := os.ReadFile(folded)
	if err != nil {
		t.Fatal(err)
	}
	// The process frame of each function's samples.
	frame := regexp.MustCompile(`^process (\d+):"`)
	under := map[string]map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		m := frame.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line without a process frame: %q", line)
		}
		for _, fn := range []string{"forked_spin", "exec_spin"} {
			if strings.Contains(line, ";"+fn+";") || strings.Contains(line, ";"+fn+" ") {
				if under[fn] == nil {
					under[fn] = map[string]bool{}
				}
				under[fn][m[1]] = true
			}
		}
	}
	// The shell's child, its command line "python3 -c import time...".
	for fn, want := range map[string]string{"forked_spin": "-c \\nimport os", "exec_spin": "-c import time"} {
		if len(under[fn]) != 1 {
			t.Errorf("%s under %d processes, want 1: %v", fn, len(under[fn]), under[fn])
		}
		for p := range under[fn] {
			line := regexp.MustCompile(`(?m)^  process ` + p + ` \(parent (\d+)\) (.*)$`).FindStringSubmatch(errb.String())
			if p == strconv.Itoa(pid) || line == nil || !strings.Contains(line[2], want) {
				t.Errorf("%s under process %s (%q), want a child whose command has %q", fn, p, line, want)
			}
		}
	}
}
