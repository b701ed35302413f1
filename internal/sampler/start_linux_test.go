package sampler

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRecordEndsAtFinalisation: a recording that finds the interpreter
// list empty (Py_Finalize has deleted the interpreter; the process is
// still there, tearing itself down) ends as if the process had exited,
// and keeps what it sampled. The target empties _PyRuntime's list itself
// (through ctypes) while its main thread sleeps. Before the fix Record
// failed with "the interpreter is not initialised" and lost everything.
func TestRecordEndsAtFinalisation(t *testing.T) {
	for label, py := range interpreters(t) {
		if strings.Contains(label, "pidns") || strings.Contains(label, "sid") || strings.Contains(label, "3.6.") {
			continue // 3.6 keeps interp_head outside _PyRuntime
		}
		t.Run(label, func(t *testing.T) { recordUntilFinalised(t, py) })
	}
}

func recordUntilFinalised(t *testing.T, py string) {
	cmd := exec.Command(py, "-c", `
import ctypes, sys, time
off = int(sys.stdin.readline())
head = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime")) + off
saved = ctypes.c_void_p.from_address(head).value
print("ready", flush=True)
sys.stdin.readline()
ctypes.c_void_p.from_address(head).value = None
print("emptied", flush=True)
time.sleep(60)
`)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(stdout)
	tg, err := AttachStarting(context.Background(), cmd.Process.Pid, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(stdin, "%d\n", tg.layout.RuntimeInterpretersHead)
	if l, _ := r.ReadString('\n'); l != "ready\n" {
		t.Fatalf("target says %q", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		time.Sleep(300 * time.Millisecond)
		fmt.Fprintln(stdin)
	}()
	p, st, err := tg.Record(ctx, RecordOptions{Rate: 200})
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if !st.Exited || ctx.Err() != nil {
		t.Errorf("recording did not end as an exit: %+v", st)
	}
	if st.Samples == 0 || p == nil || len(p.Samples.Samples) == 0 {
		t.Errorf("the samples before the end are lost: %+v", st)
	}
}
