package top

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"hpp/internal/profile"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
)

// TestFlushKeepsThreadState records two pure-Python threads contending
// for the GIL in parts of 200 ms, as top does. The parts hold every
// sample, and the spinners, which run Python and so never run without
// the GIL, are seen waiting for it, not running without it. (With a new
// recording per part, top showed them "without the GIL" in 9-12%; one
// recording flushed in parts gives 0-3% here, up to 11% in a rare run on
// this loaded machine, so the bound below is loose: a sanity check.)
func TestFlushKeepsThreadState(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	cmd := exec.Command(py, "../timemode/testdata/contend.py")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	bufio.NewReader(stdout).ReadString('\n')
	target, err := sampler.Attach(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	m := NewModel(cmd.Process.Pid, target.Version, 2)
	parts, samples := 0, 0
	last, st, err := target.Record(t.Context(), sampler.RecordOptions{Rate: 200, Duration: 1500 * time.Millisecond,
		FlushEvery: 200 * time.Millisecond,
		Flush: func(p *profile.Profile, st sampler.RecordStats) {
			parts++
			samples += st.Samples
			m.Add(p, st.Ticks, st.Torn, st.Elapsed)
		}})
	if err != nil {
		t.Fatal(err)
	}
	m.Add(last, 0, 0, 0)
	if st.Samples < samples {
		t.Errorf("the recording's stats count %d samples, fewer than its parts' %d", st.Samples, samples)
	}
	samples = st.Samples // the whole recording's
	if parts < 5 {
		t.Errorf("%d parts in 1.5 s at 200 ms", parts)
	}
	if int64(samples) != m.Samples {
		t.Errorf("the parts hold %d samples, their stats say %d", m.Samples, samples)
	}
	for _, r := range m.funcs {
		if r.key.name != "spin_a" && r.key.name != "spin_b" {
			continue
		}
		var c timemode.Counts
		for _, x := range r.own {
			for s := range c {
				c[s] += x[s]
			}
		}
		t.Logf("%s: %v", r.key.name, c)
		if c.Share(timemode.Free) > 0.15 || c.Share(timemode.Waiting) < 0.35 {
			t.Errorf("%s: without the GIL %.0f%% (want ≤ 15%%), waiting %.0f%% (want ≥ 35%%)", r.key.name,
				100*c.Share(timemode.Free), 100*c.Share(timemode.Waiting))
		}
	}
}

// TestThreadCPUInPidNamespace: a target in its own pid namespace (as in
// a container) names its threads with ids that are not /proc's here;
// each thread's CPU is still read, through the sampler's mapping.
func TestThreadCPUInPidNamespace(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", py, "../timemode/testdata/contend.py")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Skipf("unshare did not start the target (no privilege for namespaces?): %v", err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	pid, err2 := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || err2 != nil {
		t.Fatalf("unshare's child: %q %v", b, err)
	}
	target, err := sampler.Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	m := NewModel(pid, target.Version, 2)
	m.HostTIDs = target.HostTIDs
	_, _, err = target.Record(t.Context(), sampler.RecordOptions{Rate: 100, Duration: 1200 * time.Millisecond,
		FlushEvery: 400 * time.Millisecond,
		Flush: func(p *profile.Profile, st sampler.RecordStats) {
			m.Add(p, st.Ticks, st.Torn, st.Elapsed)
		}})
	if err != nil {
		t.Fatal(err)
	}
	var busy float64
	for _, th := range m.threads {
		if th.id == int64(th.host) {
			t.Errorf("thread %d: the same id here and in the namespace", th.id)
		}
		busy += th.usage
	}
	// Three busy threads; on this loaded machine they get less than a
	// core, but never nothing.
	if busy < 0.05 {
		t.Errorf("the threads used %.2f cores in all, want > 0.05 (ids not mapped to /proc's?)", busy)
	}
}
