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

	"hpp/internal/pstats/pstatstest"
)

// launchScript has known functions (a method calling a recursive one),
// echoes its arguments and stdin, and leaves with the status it is told.
const launchScript = `import sys, time
def leaf(t):
    while time.time() < t: pass
def rec(n, t):
    return leaf(t) if n == 0 else rec(n - 1, t)
class Work:
    def run(self, secs):
        rec(20, time.time() + secs)
sys.stdout.write("argv=%r stdin=%r\n" % (sys.argv[1:], sys.stdin.read()))
Work().run(float(sys.argv[1]))
sys.exit(int(sys.argv[2]))
`

// folded reads collapsed stacks into samples per function (a function
// counts once per sample whose stack holds it).
func folded(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		var n int
		for _, c := range line[i+1:] {
			n = n*10 + int(c-'0')
		}
		seen := map[string]bool{}
		for _, fn := range strings.Split(line[:i], ";") {
			if fn, _, _ = strings.Cut(fn, " "); !seen[fn] {
				seen[fn] = true
				counts[fn] += n
			}
		}
	}
	return counts
}

// TestRecordLaunch: hpp record SCRIPT ARGS starts the script on pyenv's
// Pythons and Debian's python3, samples it until it exits, passes its
// arguments, stdin, stdout and exit status through, and writes the
// functions it ran.
func TestRecordLaunch(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "work.py")
	os.WriteFile(script, []byte(launchScript), 0o644)
	for _, it := range pstatstest.Interpreters(t) {
		if it.Path == "" || strings.HasPrefix(it.Label, "py2") {
			continue
		}
		t.Run(it.Label, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.folded")
			var so, se strings.Builder
			// 1.5 s of work: reading pyenv's libpython for 3.6-3.10 takes
			// 0.1-0.2 s of CPU, over a second at a load of 20 on 2 cores.
			code := Main(t.Context(), []string{"record", "--python", it.Path, "-r", "200", "-o", out, "--", script, "1.5", "7", "--its-flag"},
				&Env{Stdin: strings.NewReader("some input"), Stdout: &so, Stderr: &se})
			if code != 7 {
				t.Errorf("exit %d, want the program's 7; stderr:\n%s", code, se.String())
			}
			if want := "argv=['1.5', '7', '--its-flag'] stdin='some input'\n"; so.String() != want {
				t.Errorf("stdout %q, want %q", so.String(), want)
			}
			if !strings.Contains(se.String(), "the process exited") {
				t.Errorf("summary does not say the program exited: %q", se.String())
			}
			c := folded(t, out)
			if c["leaf"] < 10 || c["rec"] < c["leaf"] || c["<module>"] < c["leaf"] {
				t.Errorf("samples per function %v: want leaf under rec under <module>", c)
			}
			if c["run"] < c["leaf"] && c["Work.run"] < c["leaf"] { // qualified names from 3.11
				t.Errorf("no samples of the method Work.run: %v", c)
			}
		})
	}
}

// TestRecordLaunchModule: -m MODULE runs the module with its own flags,
// and the default OUT is named after it, in the current directory.
func TestRecordLaunchModule(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "workmod.py"), []byte(launchScript), 0o644)
	t.Chdir(dir)
	var so, se strings.Builder
	code := Main(t.Context(), []string{"record", "-r", "200", "--format", "collapsed", "-m", "workmod", "1.0", "0"},
		&Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	if c := folded(t, filepath.Join(dir, "hpp-workmod.hpp")); c["leaf"] == 0 {
		t.Errorf("no samples of leaf in hpp-workmod.hpp: %v", c)
	}
}

// TestRecordLaunchEarlyExit: a program that ends before it can be sampled
// still leaves OUT, with no samples, a line that says so, and its exit
// status.
func TestRecordLaunchEarlyExit(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "quick.py")
	os.WriteFile(script, []byte("import sys; sys.exit(4)\n"), 0o644)
	t.Chdir(dir)
	var so, se strings.Builder
	code := Main(t.Context(), []string{"record", "--python", "/usr/bin/python3", "--format", "collapsed", script},
		&Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se})
	if code != 4 {
		t.Errorf("exit %d, want 4: %s", code, se.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "hpp-quick.hpp")); err != nil {
		t.Errorf("no OUT: %v", err)
	}
	if !strings.Contains(se.String(), "hpp record:") {
		t.Errorf("no line about the run: %q", se.String())
	}
}

// TestRecordLaunchErrors: a pid and a script together, a missing script,
// and a --python that is not one.
func TestRecordLaunchErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-p", "1", "x.py"}, ExitUsage, "either -p PID or a program"},
		{[]string{"no-such-script.py"}, ExitNoInput, "no such script"},
		{[]string{"--python", "/bin/true", "-m", "json.tool"}, ExitNoTool, "not a Python"},
		{[]string{}, ExitUsage, "-p PID, or a SCRIPT"},
	} {
		var so, se strings.Builder
		code := Main(t.Context(), append([]string{"record"}, tc.args...), &Env{Stdout: &so, Stderr: &se})
		if code != tc.code || !strings.Contains(se.String(), tc.want) {
			t.Errorf("record %q: exit %d %q, want %d and %q", tc.args, code, se.String(), tc.code, tc.want)
		}
	}
}

// TestRecordLaunchSignals: SIGINT and SIGTERM sent to hpp record reach the
// program (hpp is not in a terminal's foreground here, so it passes them
// on); the program's handler runs, the recording ends with it, OUT is
// written, and the program's status is hpp's.
func TestRecordLaunchSignals(t *testing.T) {
	hpp := buildHPP(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "sig.py")
	os.WriteFile(script, []byte(`import signal, sys, time
def on_term(signum, frame):
    raise KeyboardInterrupt
signal.signal(signal.SIGTERM, on_term)
def spin():
    while True: pass
try:
    sys.stdout.write("spinning\n"); sys.stdout.flush()
    spin()
except KeyboardInterrupt:
    sys.stdout.write("interrupted\n")
    sys.exit(9)
`), 0o644)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.folded")
			cmd := exec.Command(hpp, "record", "--python", "/usr/bin/python3", "-r", "100", "-o", out, script)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal: hpp passes signals on
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			r := bufio.NewReader(stdout)
			if l, _ := r.ReadString('\n'); l != "spinning\n" {
				t.Fatalf("program says %q; stderr %s", l, stderr.String())
			}
			time.Sleep(300 * time.Millisecond)
			cmd.Process.Signal(sig)
			rest, _ := r.ReadString(0)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 9 || rest != "interrupted\n" {
				t.Errorf("exit %d, stdout %q; want 9 and the program's handler; stderr %s", code, rest, stderr.String())
			}
			if c := folded(t, out); c["spin"] == 0 {
				t.Errorf("no samples of spin: %v; stderr %s", c, stderr.String())
			}
		})
	}
}

// TestRecordNoLineNo: with --nolineno, the pprof file's locations of
// leaf() carry no line of their own (pprof falls back to the function's
// first line, s=), so its samples merge into one location; without it,
// they are at the lines of its loop. Read with go tool pprof -raw.
func TestRecordNoLineNo(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "work.py")
	os.WriteFile(script, []byte(launchScript), 0o644)
	loc := regexp.MustCompile(` leaf \S*work\.py:(\d+):\d+ s=(\d+)`)
	for _, flags := range [][]string{nil, {"--nolineno"}} {
		out := filepath.Join(dir, "out.pb.gz")
		var so, se strings.Builder
		args := append(append([]string{"record", "--python", "/usr/bin/python3", "-r", "200", "-o", out}, flags...), script, "0.3", "0")
		if code := Main(t.Context(), args, &Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se}); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, se.String())
		}
		raw, err := exec.Command(goBin, "tool", "pprof", "-raw", out).Output()
		if err != nil {
			t.Fatal(err)
		}
		ms := loc.FindAllStringSubmatch(string(raw), -1)
		if len(ms) == 0 {
			t.Fatalf("%v: no location of leaf in:\n%s", flags, raw)
		}
		for _, m := range ms {
			if own := m[1] != m[2]; own == (flags != nil) {
				t.Errorf("%v: leaf's location %q", flags, m[0])
			}
		}
		if flags != nil && len(ms) != 1 {
			t.Errorf("--nolineno: leaf has %d locations, want 1", len(ms))
		}
	}
}

// TestRecordNativeIDs: with --native-ids, each stack's root frame names
// its thread by the native id the thread itself reports
// (threading.get_native_id(), 3.8+), and the worker's samples sit under
// the worker's id; without it there is no such frame.
func TestRecordNativeIDs(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "threads.py")
	ids := filepath.Join(dir, "ids")
	os.WriteFile(script, []byte(`import sys, threading, time
def worker(t):
    open(sys.argv[1], "a").write("%s %d\n" % (threading.current_thread().name, threading.get_native_id()))
    while time.time() < t: pass
ths = [threading.Thread(target=worker, args=(time.time() + 0.5,), name="w%d" % i) for i in range(2)]
for th in ths: th.start()
for th in ths: th.join()
`), 0o644)
	for _, flags := range [][]string{nil, {"--native-ids"}} {
		os.Remove(ids)
		out := filepath.Join(dir, "out.folded")
		var so, se strings.Builder
		args := append(append([]string{"record", "--python", "/usr/bin/python3", "-r", "200", "-o", out}, flags...), script, ids)
		if code := Main(t.Context(), args, &Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se}); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, se.String())
		}
		b, _ := os.ReadFile(out)
		stacks := string(b)
		idb, _ := os.ReadFile(ids)
		for _, l := range strings.Split(strings.TrimSpace(string(idb)), "\n") {
			_, tid, _ := strings.Cut(l, " ")
			root := regexp.MustCompile(`(?m)^[^;\n]*\(tid ` + tid + `\);Thread\._bootstrap;.*worker \d+$`)
			if got := root.MatchString(stacks); got != (flags != nil) {
				t.Errorf("%v: worker under a root naming tid %s: %v; the stacks:\n%s", flags, tid, got, stacks)
			}
		}
		if flags != nil && strings.Contains(stacks, "\n<module>") {
			t.Errorf("--native-ids: a stack without its thread at the root:\n%s", stacks)
		}
	}
}

// TestRecordBlockingKilled: hpp record --blocking killed with SIGKILL in
// the middle of a recording leaves its target running and untraced (the
// kernel detaches a dead tracer's tracees), and a launched program under
// --blocking runs to its end with its status passed on.
func TestRecordBlockingKilled(t *testing.T) {
	hpp := buildHPP(t)
	target, stdout := startPython(t, "-c", `import sys
def spin():
    while True: pass
print("ready", flush=True)
spin()
`)
	waitReady(stdout)
	pid := target.Process.Pid
	rec := exec.Command(hpp, "record", "--blocking", "-r", "1000", "-d", "30", "-p", strconv.Itoa(pid), "-o", filepath.Join(t.TempDir(), "x.folded"))
	var se strings.Builder
	rec.Stderr = &se
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	// The tracer is one of hpp's threads.
	if tracer := tracerOf(pid); tracer <= 0 || !exists(fmt.Sprintf("/proc/%d/task/%d", rec.Process.Pid, tracer)) {
		t.Errorf("tracer of the target during --blocking: %d, want a thread of hpp (%d); stderr %s", tracer, rec.Process.Pid, se.String())
	}
	rec.Process.Kill()
	rec.Wait()
	time.Sleep(200 * time.Millisecond)
	if tracer := tracerOf(pid); tracer != 0 {
		t.Errorf("after SIGKILL, still traced by %d", tracer)
	}
	if st := procState(pid); st != "R" && st != "S" {
		t.Errorf("after SIGKILL, the target's state is %q, want running", st)
	}

	dir := t.TempDir()
	script := filepath.Join(dir, "work.py")
	os.WriteFile(script, []byte(launchScript), 0o644)
	out := filepath.Join(dir, "out.folded")
	var so, se2 strings.Builder
	code := Main(t.Context(), []string{"record", "--blocking", "--python", "/usr/bin/python3", "-r", "500", "-o", out, script, "0.5", "6"},
		&Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se2})
	if code != 6 || !strings.Contains(se2.String(), "0.00% torn") {
		t.Errorf("launched under --blocking: exit %d (want 6): %s", code, se2.String())
	}
	if c := folded(t, out); c["leaf"] == 0 {
		t.Errorf("no samples of leaf: %v", c)
	}
}

// tracerOf is the TracerPid of process pid's main thread.
func tracerOf(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return -1
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestRecordLaunchShort: a program of 0.3 s on pyenv's 3.10, whose
// libpython takes hpp the longest to read (0.17 s here idle, over a
// second under load), is sampled from its start: the program is held
// still while hpp reads it. Before that, it ended unsampled whenever the
// machine was busy.
func TestRecordLaunchShort(t *testing.T) {
	var py string
	for _, it := range pstatstest.Interpreters(t) {
		if strings.HasPrefix(it.Label, "py3.10") {
			py = it.Path
		}
	}
	if py == "" {
		t.Skip("no pyenv 3.10")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "work.py")
	os.WriteFile(script, []byte(launchScript), 0o644)
	for i := 0; i < 3; i++ {
		out := filepath.Join(dir, "out.folded")
		var so, se strings.Builder
		code := Main(t.Context(), []string{"record", "--python", py, "-r", "200", "-o", out, script, "0.3", "0"},
			&Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se})
		if c := folded(t, out); code != 0 || c["leaf"] == 0 {
			t.Errorf("run %d: exit %d, samples %v: %s", i, code, c, se.String())
		}
	}
}

// TestRecordLaunchStoppedEarly: a second Ctrl-C (SIGINT here) while hpp
// still waits for the program's interpreter stops the program and still
// writes OUT, with no samples and a line that says so. The interpreter
// is a wrapper that sleeps before it starts Python (it answers hpp's
// probe at once).
func TestRecordLaunchStoppedEarly(t *testing.T) {
	hpp := buildHPP(t)
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "slowpython")
	os.WriteFile(wrapper, []byte("#!/bin/sh\n[ \"$1\" = -c ] || sleep 30\nexec /usr/bin/python3 \"$@\"\n"), 0o755)
	script := filepath.Join(dir, "work.py")
	os.WriteFile(script, []byte(launchScript), 0o644)
	out := filepath.Join(dir, "out.folded")
	cmd := exec.Command(hpp, "record", "--python", wrapper, "-o", out, script, "1", "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// A file, not a pipe: the wrapper's sleep, orphaned, keeps its copy.
	errFile, _ := os.Create(filepath.Join(dir, "stderr"))
	cmd.Stderr = errFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// hpp leads a process group of its own (Setsid): the cleanup ends it
	// with the wrapper's orphaned sleep.
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	se := func() string { b, _ := os.ReadFile(errFile.Name()); return string(b) }
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("hpp did not end after two SIGINTs; stderr %s", se())
	}
	if !strings.Contains(se(), "the recording was stopped") {
		t.Errorf("stderr %q, want a line that the recording was stopped", se())
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no OUT: %v", err)
	}
}

// TestRecordLaunchInterpreterFirst: the shape py-spy users type, with the
// interpreter in the command (hpp record -- python3 SCRIPT ARGS, or
// python3 -m MODULE ARGS), runs that interpreter; its own options, a
// missing script and a second interpreter are usage errors.
func TestRecordLaunchInterpreterFirst(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "workmod.py"), []byte("import sys; sys.stdout.write(sys.executable + '\\n')\n"+launchScript), 0o644)
	t.Chdir(dir)
	for _, cmdline := range [][]string{
		{"/usr/bin/python3", "workmod.py", "0.5", "0"},
		{"/usr/bin/python3", "-m", "workmod", "0.5", "0"},
	} {
		var so, se strings.Builder
		args := append([]string{"record", "-r", "200", "-o", "out.folded", "--"}, cmdline...)
		if code := Main(t.Context(), args, &Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se}); code != 0 {
			t.Fatalf("%v: exit %d: %s", cmdline, code, se.String())
		}
		if !strings.HasPrefix(so.String(), "/usr/bin/python3\n") {
			t.Errorf("%v: the program ran under %q, want /usr/bin/python3", cmdline, so.String())
		}
		if c := folded(t, "out.folded"); c["leaf"] == 0 {
			t.Errorf("%v: no samples of leaf: %v", cmdline, c)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--", "/usr/bin/python3", "-u", "workmod.py"}, "own options (-u)"},
		{[]string{"--", "/usr/bin/python3"}, "name the script"},
		{[]string{"--python", "python3", "--", "/usr/bin/python3", "workmod.py"}, "name one"},
	} {
		var so, se strings.Builder
		code := Main(t.Context(), append([]string{"record"}, tc.args...), &Env{Stdout: &so, Stderr: &se})
		if code != ExitUsage || !strings.Contains(se.String(), tc.want) {
			t.Errorf("record %q: exit %d %q, want %d and %q", tc.args, code, se.String(), ExitUsage, tc.want)
		}
	}
}

// TestRecordLaunchRoundTrip is issue 11's round trip: hpp record --
// python3 script.py writes hpp's own file by default; hpp stats, hpp
// view --html and hpp convert read it, and go tool pprof counts every
// sample of the pprof export.
func TestRecordLaunchRoundTrip(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "work.py"), []byte(launchScript), 0o644)
	t.Chdir(dir)
	run := func(args ...string) (string, string) {
		t.Helper()
		var so, se strings.Builder
		if code := Main(t.Context(), args, &Env{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se}); code != 0 {
			t.Fatalf("hpp %v: exit %d: %s", args, code, se.String())
		}
		return so.String(), se.String()
	}
	_, se := run("record", "-r", "200", "--", "/usr/bin/python3", "work.py", "1.0", "0")
	n := recordSummary(t, se)
	if n < 50 {
		t.Fatalf("%d samples of a 1 s program at 200 Hz", n)
	}
	stats, _ := run("stats", "hpp-work.hpp")
	for _, want := range []string{"sampled: ", "leaf", "Work.run", "rec"} {
		if !strings.Contains(stats, want) {
			t.Errorf("hpp stats does not show %q:\n%s", want, stats)
		}
	}
	run("view", "--html", "work.html", "hpp-work.hpp")
	if b, err := os.ReadFile("work.html"); err != nil || !strings.Contains(string(b), "leaf") {
		t.Errorf("hpp view --html: %v (leaf in page: %v)", err, strings.Contains(string(b), "leaf"))
	}
	run("convert", "-o", "work.pb.gz", "hpp-work.hpp")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to read the pprof export")
	}
	raw, err := exec.Command(goBin, "tool", "pprof", "-raw", "work.pb.gz").CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -raw: %v\n%s", err, raw)
	}
	total := 0
	for _, m := range regexp.MustCompile(`(?m)^\s+(\d+)\s+\d+: `).FindAllStringSubmatch(string(raw), -1) {
		c, _ := strconv.Atoi(m[1])
		total += c
	}
	if total != n {
		t.Errorf("go tool pprof counts %d samples, the summary says %d", total, n)
	}
}
