package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRecordCommand samples a target with one spinning and one blocked
// thread and checks the collapsed stacks and the pprof file, the latter
// read by go tool pprof.
func TestRecordCommand(t *testing.T) {
	cmd, stdout := startPython(t, "-c", `
import os, sys, threading
ev = threading.Event()
def blocked_here():
    ev.wait()
def spin():
    n = 0
    while True: n += 1
threading.Thread(target=blocked_here, daemon=True).start()
threading.Thread(target=spin, daemon=True).start()
print("ready", flush=True)
ev.wait()
`)
	waitReady(stdout)
	pid := strconv.Itoa(cmd.Process.Pid)
	dir := t.TempDir()

	folded := filepath.Join(dir, "out.folded")
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"record", "-p", pid, "-r", "200", "-d", "1", "-o", folded}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "hpp record:") || !strings.Contains(errb.String(), "torn") {
		t.Errorf("no summary line: %q", errb.String())
	}
	b, err := os.ReadFile(folded)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{} // samples whose stack holds the function
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		i := strings.LastIndexByte(line, ' ')
		n, _ := strconv.Atoi(line[i+1:])
		for _, fn := range strings.Split(line[:i], ";") {
			counts[fn] += n
		}
	}
	// Each thread is sampled once per round: at 200 Hz for 1 s, about 200
	// rounds on an idle machine, fewer on a loaded one; never many more.
	for _, fn := range []string{"spin", "blocked_here"} {
		if n := counts[fn]; n < 20 || n > 210 {
			t.Errorf("%s: %d samples in 1 s at 200 Hz; counts %v", fn, n, counts)
		}
	}

	pb := filepath.Join(dir, "out.pb.gz")
	code = Main(t.Context(), []string{"record", "-p", pid, "-r", "200", "-d", "0.5", "-o", pb}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	top, err := exec.Command(goBin, "tool", "pprof", "-top", "-nodecount=50", pb).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, top)
	}
	if !strings.Contains(string(top), "spin") {
		t.Errorf("pprof shows no spin:\n%s", top)
	}
}

// TestRecordTargetExits: a target that exits while being sampled ends the
// recording; what was sampled is written and the summary says so.
func TestRecordTargetExits(t *testing.T) {
	cmd, stdout := startPython(t, "-c", `
import time
def busy_until(t):
    while time.time() < t: pass
print("ready", flush=True)
busy_until(time.time() + 0.7)
`)
	waitReady(stdout)
	out := filepath.Join(t.TempDir(), "out.folded")
	var so, se strings.Builder
	code := Main(t.Context(), []string{"record", "-p", strconv.Itoa(cmd.Process.Pid), "-r", "100", "-d", "20", "-o", out}, &Env{Stdout: &so, Stderr: &se})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	if !strings.Contains(se.String(), "the process exited") {
		t.Errorf("summary does not say the process exited: %q", se.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), "busy_until") {
		t.Errorf("no samples of busy_until written: %v %q", err, b)
	}
}
