package sampler

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// churnTarget changes its stacks as fast as it can: two threads recurse
// 300 deep and return, again and again, so a stack read while it runs
// often tears.
const churnTarget = `import sys, threading
sys.setrecursionlimit(10000)
def down(n):
    if n:
        down(n - 1)
def churn():
    while True:
        down(300)
threading.Thread(target=churn, daemon=True).start()
print("ready", flush=True)
churn()
`

func startChurn(t *testing.T, py string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(py, "-c", churnTarget)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if l, _ := bufio.NewReader(stdout).ReadString('\n'); l != "ready\n" {
		t.Fatalf("target says %q", l)
	}
	return cmd
}

// traced says which of the process's threads are stopped or traced:
// their state from stat ('t' when ptrace-stopped, 'T' when stopped) and
// TracerPid from status.
func traced(t *testing.T, pid int) []string {
	t.Helper()
	var out []string
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, e := range tasks {
		dir := fmt.Sprintf("/proc/%d/task/%s/", pid, e.Name())
		stat, _ := os.ReadFile(dir + "stat")
		s := string(stat)
		if i := strings.LastIndexByte(s, ')'); i > 0 && i+2 < len(s) && (s[i+2] == 't' || s[i+2] == 'T') {
			out = append(out, e.Name()+" state "+s[i+2:i+3])
		}
		status, _ := os.ReadFile(dir + "status")
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "TracerPid:"); ok && strings.TrimSpace(v) != "0" {
				out = append(out, e.Name()+" traced by "+strings.TrimSpace(v))
			}
		}
	}
	return out
}

// TestRecordBlocking: with Blocking, no sample of a target that changes
// its stacks as fast as it can tears (without it, some do on a busy
// machine: logged, not required), and when the recording ends every
// thread runs on, untraced.
func TestRecordBlocking(t *testing.T) {
	for label, py := range interpreters(t) {
		if strings.Contains(label, "pidns") || strings.Contains(label, "sid") {
			continue
		}
		t.Run(label, func(t *testing.T) {
			cmd := startChurn(t, py)
			tg, err := Attach(cmd.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			_, free, err := tg.Record(context.Background(), RecordOptions{Rate: 500, Duration: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			p, st, err := tg.Record(context.Background(), RecordOptions{Rate: 500, Duration: 500 * time.Millisecond, Blocking: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("torn without blocking %d of %d, with %d of %d", free.Torn, free.Torn+free.Samples, st.Torn, st.Torn+st.Samples)
			if st.Torn != 0 || st.Samples < 10 || st.Exited {
				t.Errorf("blocking: %+v", st)
			}
			deep := 0
			for _, s := range p.Samples.Samples {
				if len(s.Stack) > 100 {
					deep++
				}
			}
			if deep == 0 {
				t.Errorf("no sample caught the recursion deep")
			}
			if tr := traced(t, cmd.Process.Pid); len(tr) != 0 {
				t.Errorf("after the recording: %v", tr)
			}
			if !alive(cmd.Process.Pid) {
				t.Errorf("the target died")
			}
		})
	}
}

// TestRecordBlockingCancelled: a recording cancelled (Ctrl-C) leaves the
// target running and untraced too, and a thread started mid-recording is
// seized and sampled.
func TestRecordBlockingCancelled(t *testing.T) {
	cmd := exec.Command("/usr/bin/python3", "-c", `import sys, threading, time
def late():
    while True:
        pass
def spin():
    while True:
        pass
print("ready", flush=True)
sys.stdin.readline()
threading.Thread(target=late, daemon=True).start()
spin()
`)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	bufio.NewReader(stdout).ReadString('\n')
	tg, err := AttachStarting(context.Background(), cmd.Process.Pid, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(200 * time.Millisecond)
		fmt.Fprintln(stdin)
		time.Sleep(600 * time.Millisecond)
		cancel()
	}()
	p, st, err := tg.Record(ctx, RecordOptions{Rate: 200, Blocking: true})
	if err != nil {
		t.Fatal(err)
	}
	late := false
	for _, s := range p.Samples.Samples {
		for _, f := range s.Stack {
			late = late || p.Funcs[f.Func].Name == "late"
		}
	}
	if !late || st.Torn != 0 {
		t.Errorf("late thread sampled: %v; stats %+v", late, st)
	}
	if tr := traced(t, cmd.Process.Pid); len(tr) != 0 {
		t.Errorf("after the recording: %v", tr)
	}
}

// TestRecordBlockingTwice: a second blocking recording of a target that
// one already traces is refused with a message that names the likely
// cause, and the first goes on undisturbed.
func TestRecordBlockingTwice(t *testing.T) {
	cmd := startChurn(t, "/usr/bin/python3")
	tg, err := Attach(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	first, err := startBlocking(cmd.Process.Pid, true)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	tg2, _ := Attach(cmd.Process.Pid)
	_, _, err = tg2.Record(context.Background(), RecordOptions{Rate: 100, Duration: 100 * time.Millisecond, Blocking: true})
	if err == nil || !strings.Contains(err.Error(), "another hpp --blocking") {
		t.Errorf("second tracer: %v", err)
	}
	if _, err := first.threads(tg); err != nil {
		t.Errorf("the first tracer after the second was refused: %v", err)
	}
}
