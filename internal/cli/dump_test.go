package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func dumpRun(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"dump"}, args...), &Env{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// TestDumpCommand dumps a Python that prints where its threads block
// (the target's own f_lineno) and checks both output forms against it.
func TestDumpCommand(t *testing.T) {
	cmd, stdout := startPython(t, "-c", `
import os, sys, threading, time
ev = threading.Event()
def blocked_here():
    ev.wait()
def spin():
    n = 0
    while True: n += 1
threading.Thread(target=blocked_here, daemon=True).start()
threading.Thread(target=spin, daemon=True).start()
time.sleep(0.3)
for ident, f in sys._current_frames().items():
    while f is not None and f.f_code.co_name not in ("blocked_here", "spin"):
        f = f.f_back
    if f is not None:
        print(f.f_code.co_name, f.f_lineno, flush=True)
sys.stdout.flush()
os.close(1)
ev.wait()
`)
	want := map[string]int{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		want[f[0]], _ = strconv.Atoi(f[1])
	}
	if len(want) != 2 {
		t.Fatalf("target reported %v", want)
	}
	pid := strconv.Itoa(cmd.Process.Pid)

	// The main thread closes stdout and only then waits on ev, without
	// the GIL: until it is in the lock's wait it may hold the GIL itself
	// (CI saw dumps in that gap twice), so a dump is taken again, a few
	// times at most, until the spinning thread holds it.
	var doc dumpDoc
	for try := 0; ; try++ {
		code, out, errs := dumpRun("-p", pid, "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		doc = dumpDoc{}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if try == 10 || spinHoldsGIL(doc) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if doc.PID != cmd.Process.Pid || len(doc.Threads) != 3 || doc.Python == "" {
		t.Errorf("pid %d, %d threads, python %q", doc.PID, len(doc.Threads), doc.Python)
	}
	found := map[string]int{}
	for _, th := range doc.Threads {
		for _, f := range th.Frames {
			if _, ok := want[f.Name]; ok && f.File == "<string>" {
				found[f.Name] = f.Line
				if f.Name == "spin" && !th.GIL {
					t.Error("the spinning thread does not hold the GIL")
				}
			}
		}
	}
	for name, line := range want {
		if found[name] != line {
			t.Errorf("%s: dump says line %d, the target %d", name, found[name], line)
		}
	}

	code, out, errs := dumpRun("-p", pid)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"Process " + pid, "holds the GIL", "idle", "blocked_here (<string>:" + strconv.Itoa(want["blocked_here"]) + ")"} {
		if !strings.Contains(out, s) {
			t.Errorf("text output lacks %q:\n%s", s, out)
		}
	}
}

func TestDumpErrors(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip(err)
	}
	notPy := exec.Command("sleep", "100")
	if err := notPy.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { notPy.Process.Kill(); notPy.Wait() }()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, ExitUsage, "-p PID"},
		{[]string{"-p", "1", "extra"}, ExitUsage, "unexpected argument"},
		{[]string{"-p", strconv.Itoa(gone.Process.Pid)}, ExitNoInput, "does not exist"},
		{[]string{"--pid", strconv.Itoa(notPy.Process.Pid)}, ExitBadInput, "not a CPython process"},
	} {
		code, _, errs := dumpRun(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("dump %v: exit %d, %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
}

// spinHoldsGIL reports whether a dump found the GIL with the thread in
// spin.
func spinHoldsGIL(doc dumpDoc) bool {
	for _, th := range doc.Threads {
		for _, f := range th.Frames {
			if f.Name == "spin" && th.GIL {
				return true
			}
		}
	}
	return false
}
