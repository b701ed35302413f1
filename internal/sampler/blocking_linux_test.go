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

	"golang.org/x/sys/unix"
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

// TestRecordBlockingKeepsStop: a SIGSTOP sent to the target while a
// blocking recording samples it keeps it stopped (its CPU time stands
// still) until SIGCONT, during and after the recording, as it would
// without hpp; a SIGCONT during the recording lets it run again.
func TestRecordBlockingKeepsStop(t *testing.T) {
	cmd := startChurn(t, "/usr/bin/python3")
	pid := cmd.Process.Pid
	tg, err := Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	cpu := func() time.Duration {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		var ut, st int64
		fmt.Sscan(f[11], &ut)
		fmt.Sscan(f[12], &st)
		return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ 100
	}
	var stopped, resumed time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(200 * time.Millisecond)
		cmd.Process.Signal(unix.SIGSTOP)
		time.Sleep(100 * time.Millisecond)
		c0 := cpu()
		time.Sleep(400 * time.Millisecond)
		stopped = cpu() - c0
		cmd.Process.Signal(unix.SIGCONT)
		c0 = cpu()
		time.Sleep(400 * time.Millisecond)
		resumed = cpu() - c0
		cmd.Process.Signal(unix.SIGSTOP)
	}()
	_, st, err := tg.Record(context.Background(), RecordOptions{Rate: 200, Duration: 1300 * time.Millisecond, Blocking: true})
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("CPU while stopped %v, after SIGCONT %v; %+v", stopped, resumed, st)
	if stopped > 50*time.Millisecond {
		t.Errorf("the target ran %v of CPU in 400 ms after SIGSTOP", stopped)
	}
	if resumed < 200*time.Millisecond {
		t.Errorf("the target ran only %v of CPU in 400 ms after SIGCONT", resumed)
	}
	// The recording has ended: the last SIGSTOP still holds.
	time.Sleep(100 * time.Millisecond)
	c0 := cpu()
	time.Sleep(300 * time.Millisecond)
	if d := cpu() - c0; d > 30*time.Millisecond {
		t.Errorf("after the recording the stopped target ran %v of CPU", d)
	}
	if tr := traced(t, pid); len(tr) == 0 || strings.Contains(strings.Join(tr, " "), "traced by") {
		t.Errorf("after the recording, stopped and untraced threads expected: %v", tr)
	}
	cmd.Process.Signal(unix.SIGCONT)
}
