package sampler

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"hpp/internal/profile"
	"hpp/internal/timemode"
)

// TestRecordGroupLive records testdata/subprocesses.py with its workers
// started each way Python starts them: every worker must be found, work()
// must appear under each, and each worker's cpu-mode samples in work(),
// times the period, must come within 10% of the CPU time the worker
// measured itself (time.process_time).
//
// That holds on a quiet machine. cpu mode keeps the samples of runnable
// threads, and a runnable thread on a loaded machine also waits for a
// CPU; the sampler, waiting too, misses rounds. The worker reads its wait
// from the kernel (schedstat); when it is over 5% of its CPU time, or the
// sampler achieved less than 95% of the rate, the samples' time, somewhere
// between samples × the period asked for and samples × the mean period
// achieved, need only overlap [CPU time, CPU time + wait], with 10% to
// spare either way.
func TestRecordGroupLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live processes")
	}
	all := interpreters(t)
	pys := map[string]string{}
	for _, label := range []string{"pyenv-3.8.18", "pyenv-3.11.7", "pyenv-3.12.1", "debian-python3"} {
		if py, ok := all[label]; ok {
			pys[label] = py
		}
	}
	if len(pys) == 0 {
		t.Skip("none of pyenv's 3.8, 3.11, 3.12 or Debian's python3")
	}
	for label, py := range pys {
		hows := []string{"fork", "spawn"}
		if label == "pyenv-3.12.1" {
			hows = append(hows, "forkserver", "executor", "run")
		}
		for _, how := range hows {
			t.Run(label+"/"+how, func(t *testing.T) {
				testGroup(t, py, how)
			})
		}
	}
}

func testGroup(t *testing.T, py, how string) {
	const rate = 200
	cmd := exec.Command(py, "testdata/subprocesses.py", how)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(out)
	if l, err := r.ReadString('\n'); err != nil || l != "ready\n" {
		t.Fatalf("target said %q, %v", l, err)
	}
	var (
		p   *profile.Profile
		st  GroupStats
		rec error
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p, st, rec = RecordGroup(context.Background(), cmd.Process.Pid, RecordOptions{Rate: rate, Duration: 60 * time.Second})
	}()
	l, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var cpu map[string][2]float64
	if err := json.Unmarshal([]byte(l), &cpu); err != nil {
		t.Fatalf("%q: %v", l, err)
	}
	cmd.Wait()
	<-done
	if rec != nil {
		t.Fatal(rec)
	}
	if !st.Exited {
		t.Errorf("the group did not end when its processes did: %+v", st)
	}
	// Every recorder keeps a P while it sleeps (a raw clock_nanosleep):
	// with fewer Ps than recorders they took turns (43% of the rate for
	// a Pool(4) at 1 kHz on 2 CPUs, 92% with a P each).
	if n := runtime.GOMAXPROCS(0); n < len(st.Processes)+2 {
		t.Errorf("GOMAXPROCS %d for %d recorders", n, len(st.Processes))
	}
	// work() samples on a CPU, by process.
	busy := map[int64]int64{}
	procs := p.Samples.Processes
	for i := range p.Samples.Samples {
		s := &p.Samples.Samples[i]
		if !timemode.Keep(timemode.CPU, false, s) {
			continue
		}
		for _, fr := range s.Stack {
			if p.Funcs[fr.Func].Name == "work" {
				busy[procs[p.Samples.Threads[s.Thread].Process].PID] += s.Weight
				break
			}
		}
	}
	achieved := map[int64]float64{}
	for _, ps := range st.Processes {
		t.Logf("process %d (parent %d) %q: %d samples, %.0f rounds/s, %d torn %s", ps.PID, ps.Parent, ps.Command, ps.Samples, ps.Achieved, ps.Torn, ps.Err)
		achieved[ps.PID] = ps.Achieved
	}
	if len(cpu) == 0 {
		t.Fatal("no worker reported")
	}
	for pid, c := range cpu {
		n, _ := strconv.ParseInt(pid, 10, 64)
		// A sample stands for the period asked for while the sampler
		// keeps up; on a loaded machine it misses rounds, unevenly, and
		// a sample then stands for somewhere between that and the mean
		// period achieved (rounds ÷ time).
		nominal := float64(busy[n]) / rate
		stretched := float64(busy[n]) / math.Min(rate, achieved[n])
		sec, wait := c[0], c[1]
		t.Logf("worker %s: work() %.3f–%.3f s by samples, %.3f s of CPU by its own clock, %.3f s waiting for a CPU", pid, nominal, stretched, sec, wait)
		quiet := wait <= 0.05*sec && achieved[n] >= 0.95*rate
		switch {
		case busy[n] == 0:
			t.Errorf("worker %s: no samples in work()", pid)
		case quiet && (nominal < 0.9*sec || nominal > 1.1*sec):
			t.Errorf("worker %s: work() has %d samples (%.3f s), its CPU time is %.3f s", pid, busy[n], nominal, sec)
		case stretched < 0.9*sec || nominal > 1.1*(sec+wait):
			t.Errorf("worker %s: work() has %d samples (%.3f–%.3f s), its CPU time is %.3f s and it waited %.3f s for a CPU", pid, busy[n], nominal, stretched, sec, wait)
		}
	}
	if st.Processes[0].PID != int64(cmd.Process.Pid) || st.Processes[0].Parent != 0 || !strings.Contains(st.Processes[0].Command, "subprocesses.py "+how) {
		t.Errorf("first process %+v, want the target", st.Processes[0])
	}
}

// TestRecordGroupExec: a process that execs another Python program while
// recorded is two processes of one pid, each with its own function; the
// root need not be Python (a shell), and its children are found whether
// /proc has children files or not.
func TestRecordGroupExec(t *testing.T) {
	if testing.Short() {
		t.Skip("live processes")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	after := "import time\ndef after_exec():\n    t = time.time() + 0.6\n    while time.time() < t: pass\nafter_exec()\n"
	before := "import os, sys, time\ndef before_exec():\n    t = time.time() + 0.6\n    while time.time() < t: pass\nbefore_exec()\nos.execv(sys.executable, [sys.executable, '-c', os.environ['AFTER']])\n"
	cmd := exec.Command("/bin/sh", "-c", `sleep 0.2; "$PY" -c "$BEFORE"; true`)
	cmd.Env = append(cmd.Environ(), "PY="+py, "BEFORE="+before, "AFTER="+after)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{}) // the shell is reaped at once: no zombie
	go func() { cmd.Wait(); close(waited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-waited })
	p, st, err := RecordGroup(context.Background(), cmd.Process.Pid, RecordOptions{Rate: 100, Duration: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The shell is not Python; its 0.2 s sleep is too, unless it ended
	// before the two scans that decide so (then it counts as vanished,
	// as do the short processes of pyenv's python3 shim).
	if !st.Exited || st.NotPython < 1 || st.NotPython+st.Vanished < 2 {
		t.Errorf("exited %v, %d not Python, %d vanished (want 2 or more in all: the shell and its sleep)", st.Exited, st.NotPython, st.Vanished)
	}
	// The process index of each function's samples.
	procOf := map[string]map[int32]bool{"before_exec": {}, "after_exec": {}}
	for _, s := range p.Samples.Samples {
		for _, fr := range s.Stack {
			if m, ok := procOf[p.Funcs[fr.Func].Name]; ok {
				m[p.Samples.Threads[s.Thread].Process] = true
			}
		}
	}
	var pids []int64
	for fn, m := range procOf {
		if len(m) != 1 {
			t.Fatalf("%s under %d processes, want 1", fn, len(m))
		}
		for i := range m {
			pr := p.Samples.Processes[i]
			pids = append(pids, pr.PID)
			t.Logf("%s: process %+v", fn, pr)
			if pr.Parent != int64(cmd.Process.Pid) {
				t.Errorf("%s: parent %d, want the shell %d", fn, pr.Parent, cmd.Process.Pid)
			}
		}
	}
	if pids[0] != pids[1] {
		t.Errorf("before and after the exec: pids %v, want one", pids)
	}
	for _, ps := range st.Processes {
		t.Logf("%+v", ps)
	}
}

// TestChildrenByParent: the fallback for kernels without children files
// finds a child this process started, as /proc/PID/task/*/children does.
func TestChildrenByParent(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	me := os.Getpid()
	has := func(kids []int) bool {
		for _, k := range kids {
			if k == cmd.Process.Pid {
				return true
			}
		}
		return false
	}
	if !has(childrenByParent()[me]) {
		t.Errorf("childrenByParent()[%d] = %v, no %d", me, childrenByParent()[me], cmd.Process.Pid)
	}
	kids, ok := childrenOf(me)
	if !ok || !has(kids) {
		t.Errorf("childrenOf(%d) = %v, %v; no %d", me, kids, ok, cmd.Process.Pid)
	}
}
