package top

import (
	"bufio"
	"os/exec"
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
