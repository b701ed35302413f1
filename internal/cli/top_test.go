package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// topTarget is a process whose hot function is known: hot_loop spins in
// one thread; the main thread sleeps in sleepy.
const topTarget = `
import threading, time
def hot_loop():
    n = 0
    while True:
        n += 1
def sleepy():
    while True:
        time.sleep(0.05)
threading.Thread(target=hot_loop, daemon=True).start()
print("ready", flush=True)
sleepy()
`

func startTopTarget(t *testing.T) *exec.Cmd {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	cmd := exec.Command(py, "-c", topTarget)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestTopTmux runs hpp top in a real terminal, tmux's, against a live
// target: the hot function shows within 2 s, keys change the sort and
// the mode, r writes a profile, and q quits leaving the target running.
func TestTopTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux (apt-get install tmux)")
	}
	hpp := buildHPP(t)
	target := startTopTarget(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "top.folded")
	session := fmt.Sprintf("hpptop%d", os.Getpid())
	tmux, sock := tmuxServer(t, dir)
	tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40",
		hpp, "top", "-p", strconv.Itoa(target.Process.Pid), "-o", out)
	screen := func() string { return tmux("capture-pane", "-p", "-t", session) }
	// waitFor polls the screen until ok says yes or the time is up.
	waitFor := func(what string, d time.Duration, ok func(string) bool) string {
		t.Helper()
		var s string
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if s = screen(); ok(s) {
				return s
			}
		}
		t.Fatalf("%s: not within %v; the screen:\n%s", what, d, s)
		return ""
	}
	start := time.Now()
	s := waitFor("the hot function", 2*time.Second+500*time.Millisecond, func(s string) bool { return strings.Contains(s, "hot_loop") })
	t.Logf("hot_loop showed after %v", time.Since(start).Round(10*time.Millisecond))
	if !strings.Contains(s, "sort own") || !strings.Contains(s, "mode wall") {
		t.Errorf("header without sort and mode:\n%s", s)
	}
	if row := firstFuncRow(s); !strings.Contains(row, "hot_loop") {
		t.Errorf("sorted by own, the first row is %q, want hot_loop's", row)
	}

	tmux("send-keys", "-t", session, "n")
	s = waitFor("sort by name", 2*time.Second, func(s string) bool { return strings.Contains(s, "sort name") })
	if row := firstFuncRow(s); !strings.Contains(row, "<module>") {
		t.Errorf("sorted by name, the first row is %q, want <module>'s", row)
	}
	tmux("send-keys", "-t", session, "g")
	waitFor("gil mode", 2*time.Second, func(s string) bool { return strings.Contains(s, "mode gil") })
	tmux("send-keys", "-t", session, "o")
	s = waitFor("sort by own", 2*time.Second, func(s string) bool { return strings.Contains(s, "sort own") && strings.Contains(s, "mode gil") })
	if row := firstFuncRow(s); !strings.Contains(row, "hot_loop") {
		t.Errorf("gil mode, sorted by own: the first row is %q, want hot_loop's", row)
	}
	tmux("send-keys", "-t", session, "p")
	s = waitFor("paused", 2*time.Second, func(s string) bool { return strings.Contains(s, "[paused]") })
	samples := regexp.MustCompile(`\d+ samples  mode`)
	before := samples.FindString(s)
	time.Sleep(1500 * time.Millisecond)
	if after := samples.FindString(screen()); after != before || before == "" {
		t.Errorf("paused, the header went from %q to %q", before, after)
	}
	tmux("send-keys", "-t", session, "p")
	waitFor("resumed", 2*time.Second, func(s string) bool {
		return !strings.Contains(s, "[paused]") && samples.FindString(s) != before
	})
	tmux("send-keys", "-t", session, "l")
	s = waitFor("the lines view", 2*time.Second, func(s string) bool { return strings.Contains(s, "function (file:line)  source") })
	// The target runs from -c, so its lines have no file to show
	// (TestTopLines checks the text).
	if row := firstFuncRow(s); !strings.Contains(row, "hot_loop (<string>:5)") && !strings.Contains(row, "hot_loop (<string>:6)") {
		t.Errorf("lines view: the first row is %q, want a line of hot_loop's loop", row)
	}
	tmux("send-keys", "-t", session, "r")
	waitFor("the profile written", 3*time.Second, func(s string) bool { return strings.Contains(s, "wrote "+out) })
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "hot_loop") {
		t.Errorf("r wrote %q (%v), want collapsed stacks with hot_loop", b, err)
	}

	tmux("send-keys", "-t", session, "q")
	for end := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if exec.Command("tmux", "-S", sock, "has-session", "-t", session).Run() != nil {
			break // top exited and tmux closed its only window
		}
		if time.Now().After(end) {
			t.Fatalf("q did not quit; the screen:\n%s", screen())
		}
	}
	if err := target.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the target is gone after q: %v", err)
	}
	if st := procState(target.Process.Pid); st != "R" && st != "S" {
		t.Errorf("the target's state after q is %q, want running or sleeping (not stopped)", st)
	}
}

// firstFuncRow is the first line after the function table's header.
func firstFuncRow(screen string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(l, "function (file:line)") && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// TestTopPlain: without a terminal, top prints the whole table every
// interval; a target it starts keeps its stdout, and top ends with it.
func TestTopPlain(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	script := filepath.Join(t.TempDir(), "t.py")
	os.WriteFile(script, []byte(`
import time
def hot_plain():
    end = time.time() + 1.6
    while time.time() < end:
        pass
print("from the target", flush=True)
hot_plain()
`), 0o644)
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"top", "--interval", "0.5", "--python", py, script}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	o := out.String()
	if !strings.Contains(o, "from the target") {
		t.Errorf("the target's stdout is missing:\n%s", o)
	}
	if n := strings.Count(o, "hpp top: process"); n < 2 {
		t.Errorf("%d snapshots in ~1.6 s at a 0.5 s interval, want ≥ 2:\n%s", n, o)
	}
	if row := firstFuncRow(o[strings.LastIndex(o, "hpp top: process"):]); !strings.Contains(row, "hot_plain") {
		t.Errorf("the last snapshot's first row is %q, want hot_plain's:\n%s", row, o)
	}
}

// TestTopErrors: usage errors exit 2, a pid that is not there exits as
// hpp dump does (3), a process that is not Python 4, a Python that cannot
// be run 5.
func TestTopErrors(t *testing.T) {
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"top"}, ExitUsage, "name the process"},
		{[]string{"top", "-p", "1", "x.py"}, ExitUsage, "not both"},
		{[]string{"top", "-p", "1", "--mode", "fast"}, ExitUsage, "want wall, cpu or gil"},
		{[]string{"top", "-p", "1", "--interval", "0"}, ExitUsage, "at least 0.1"},
		{[]string{"top", "-p", "999999999"}, 3, "does not exist"},
		{[]string{"top", "-p", strconv.Itoa(sleeper.Process.Pid)}, 4, "not a CPython process"},
		{[]string{"top", "--python", "no-such-python-here", "x.py"}, ExitNoTool, "python interpreter not found"},
		{[]string{"top", "no-such-script.py"}, ExitNoInput, "no such script"},
	}
	for _, tt := range tests {
		var out, errb strings.Builder
		code := Main(t.Context(), tt.args, &Env{Stdout: &out, Stderr: &errb})
		if code != tt.code || !strings.Contains(errb.String(), tt.msg) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", tt.args, code, errb.String(), tt.code, tt.msg)
		}
	}
}

// TestTopEscapesNames: a script whose file name holds a terminal escape
// sequence shows it escaped, never raw.
func TestTopEscapesNames(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	script := filepath.Join(t.TempDir(), "evil\x1b[2J\x07.py")
	os.WriteFile(script, []byte(`
import time
def hot_escaped():
    end = time.time() + 1.2
    while time.time() < end:
        pass
hot_escaped()
`), 0o644)
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"top", "--interval", "0.4", "--python", py, script}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	o := out.String()
	if !strings.Contains(o, "hot_escaped") {
		t.Fatalf("no hot_escaped in:\n%s", o)
	}
	if strings.ContainsAny(o, "\x1b\x07") {
		t.Errorf("raw control characters in the output:\n%q", o)
	}
	if !strings.Contains(o, `evil\x1b[2J\x07.py`) {
		t.Errorf("the file name is not shown escaped:\n%s", o)
	}
}

// TestTopLines: a ten-line function with one hot line puts ≥ 90% of its
// own samples on that line, which the lines view lists first, with its
// text read from the target's file.
func TestTopLines(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	script := filepath.Join(t.TempDir(), "lines.py")
	os.WriteFile(script, []byte(`import time
def ten_lines():
    a = [1, 2, 3]
    b = dict(x=1)
    n = 0
    end = time.time() + 1.5
    while time.time() < end: n += 1
    c = len(a) + len(b)
    d = c * 2
    return n + d
ten_lines()
`), 0o644)
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"top", "--lines", "--interval", "0.5", "-r", "200", "--python", py, script}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	o := out.String()
	last := o[strings.LastIndex(o, "hpp top: process"):]
	first := firstFuncRow(last)
	if !strings.Contains(first, "ten_lines ("+script+":7)") || !strings.Contains(first, "while time.time() < end: n += 1") {
		t.Fatalf("the first row is %q, want line 7 of ten_lines with its text:\n%s", first, last)
	}
	var hot, all float64
	for _, l := range strings.Split(last, "\n") {
		if !strings.Contains(l, "ten_lines (") {
			continue
		}
		own, _ := strconv.ParseFloat(strings.Fields(l)[0], 64)
		all += own
		if strings.Contains(l, ":7)") {
			hot = own
		}
	}
	if all == 0 || hot/all < 0.9 {
		t.Errorf("line 7 has %.1f%% of the samples, ten_lines %.1f%% in all: want ≥ 90%% of them on line 7:\n%s", hot, all, last)
	}
}

// TestTopModule: -m MODULE starts python -m MODULE, and the flags after it
// are the module's (timeit's -n here), not top's.
func TestTopModule(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"top", "--interval", "0.3", "--python", py, "-m", "timeit", "-n", "20000000", "-r", "2", "x = 1"}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if o := out.String(); !strings.Contains(o, "loops, best of 2") || !strings.Contains(o, "inner (<timeit-src>") {
		t.Errorf("no timeit result or no timeit's inner function in:\n%s", o)
	}
}

// TestTopLaunchTmux: hpp top SCRIPT in a terminal starts the script, shows
// its hot function, keeps the program's output off the screen (it goes to
// the log file the status line names), and q stops the program.
func TestTopLaunchTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux (apt-get install tmux)")
	}
	hpp := buildHPP(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "noisy.py")
	pidFile := filepath.Join(dir, "pid")
	os.WriteFile(script, []byte(`import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
def noisy_hot():
    n = 0
    t = time.time()
    while True:
        n += 1
        if time.time() - t > 0.2:
            print("SCRIBBLE", n, flush=True)
            t = time.time()
noisy_hot()
`), 0o644)
	session := fmt.Sprintf("hpptopl%d", os.Getpid())
	tmux, sock := tmuxServer(t, dir)
	tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "30", "env", "TMPDIR="+dir, hpp, "top", "--python", "/usr/bin/python3", script, pidFile)
	var s string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if s = tmux("capture-pane", "-p", "-t", session); strings.Contains(s, "noisy_hot") && strings.Contains(s, "its output: ") {
			break
		}
	}
	if !strings.Contains(s, "noisy_hot") || !strings.Contains(s, "its output: "+dir+"/hpp-top-noisy-") {
		t.Fatalf("no hot function, or no note of where the output goes:\n%s", s)
	}
	time.Sleep(500 * time.Millisecond)
	if s = tmux("capture-pane", "-p", "-t", session); strings.Contains(s, "SCRIBBLE") {
		t.Errorf("the program's output is on the screen:\n%s", s)
	}
	b, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(string(b))
	tmux("send-keys", "-t", session, "q")
	for end := time.Now().Add(5 * time.Second); exec.Command("tmux", "-S", sock, "has-session", "-t", session).Run() == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("q did not quit")
		}
	}
	if pid == 0 || syscall.Kill(pid, 0) == nil {
		t.Errorf("the program (pid %d) still runs after q", pid)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "hpp-top-noisy-*.log"))
	if len(logs) != 1 {
		t.Fatalf("log files %v", logs)
	}
	if b, _ := os.ReadFile(logs[0]); !strings.Contains(string(b), "SCRIBBLE") {
		t.Errorf("the log holds %q, want the program's output", b)
	}
}

// tmuxServer returns a runner of tmux commands on a server of the test's
// own, which fails the test on a command's error, and the server's socket
// (in dir); the server is killed when the test ends.
func tmuxServer(t *testing.T, dir string) (tmux func(args ...string) string, sock string) {
	sock = filepath.Join(dir, "tmux.sock")
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	return func(args ...string) string {
		t.Helper()
		b, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v: %s", args, err, b)
		}
		return string(b)
	}, sock
}
