package sampler

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"hpp/internal/profile"
)

// TestRecordLive samples the test target on every interpreter: the
// spinning thread must hold the GIL in at least 95% of its samples, the
// sleeper must be idle in all of its, and nothing may tear while the
// stacks stand still.
func TestRecordLive(t *testing.T) {
	for label, py := range interpreters(t) {
		t.Run(label, func(t *testing.T) {
			_, self := startTarget(t, py)
			tg, err := Attach(self.hostPID)
			if err != nil {
				t.Fatal(err)
			}
			p, st, err := tg.Record(context.Background(), RecordOptions{Rate: 200, Duration: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if st.Ticks < 1 || st.Exited { // a loaded machine (load 12 on 2 cores) gave 1 round in 300 ms
				t.Fatalf("stats %+v", st)
			}
			if st.Torn != 0 {
				t.Errorf("%d torn samples of blocked threads", st.Torn)
			}
			spinAll, spinGIL, sleepAll, sleepIdle := busySleeper(p, "spin", "sleeper")
			if spinAll == 0 || float64(spinGIL) < 0.95*float64(spinAll) {
				t.Errorf("spinning thread held the GIL in %d of %d samples", spinGIL, spinAll)
			}
			if sleepAll == 0 || sleepIdle != sleepAll {
				t.Errorf("sleeper idle in %d of %d samples", sleepIdle, sleepAll)
			}
			if len(p.Samples.Threads) < len(self.Threads) {
				t.Errorf("%d threads sampled, the target has %d", len(p.Samples.Threads), len(self.Threads))
			}
		})
	}
}

// TestRecordRate records scripts/bench-record's target at 1 kHz and
// 10 kHz. The achieved rate (the busy thread's samples per asked round)
// depends on the machine's load (each round waits for a CPU), so it is
// logged, and held to a loose floor of 80% only on a machine whose load
// average is within its CPUs: at a load of 20 on 2 CPUs, 1 kHz gave 27%.
// At 10 kHz a thread's state is read once a millisecond (stateEvery); the
// busy thread must still hold the GIL and the sleeper be idle in at least
// 95% of their samples.
func TestRecordRate(t *testing.T) {
	pid := startSpin(t, "/usr/bin/python3")
	tg, err := Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	floor := 0.8
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			if load, err := strconv.ParseFloat(f[0], 64); err == nil && load > float64(runtime.NumCPU()) {
				t.Logf("load average %.1f on %d CPUs: the rate is not held to a floor", load, runtime.NumCPU())
				floor = 0
			}
		}
	}
	for _, c := range []struct {
		rate float64
		dur  time.Duration
	}{{1000, time.Second}, {10000, 500 * time.Millisecond}} {
		p, st, err := tg.Record(context.Background(), RecordOptions{Rate: c.rate, Duration: c.dur})
		if err != nil {
			t.Fatal(err)
		}
		busy, busyGIL, sleep, sleepIdle := busySleeper(p, "bench_mid", "bench_sleeper")
		achieved := float64(busy) / (c.rate * c.dur.Seconds())
		t.Logf("%.0f Hz for %v: busy thread %d samples (%.1f%% of the rate), %d torn", c.rate, c.dur, busy, 100*achieved, st.Torn)
		if most := c.rate*st.Elapsed.Seconds() + 1; float64(st.Ticks) > most {
			// Rounds missed are made up (within catchUp), never more.
			t.Errorf("%.0f Hz: %d rounds in %v, more than the rate gives (%.0f)", c.rate, st.Ticks, st.Elapsed, most)
		}
		if achieved < floor {
			t.Errorf("%.0f Hz: achieved %.1f%% of the rate, below the floor of %.0f%%", c.rate, 100*achieved, 100*floor)
		}
		if float64(busyGIL) < 0.95*float64(busy) || float64(sleepIdle) < 0.95*float64(sleep) || sleep == 0 {
			t.Errorf("%.0f Hz: busy thread held the GIL in %d of %d samples, sleeper idle in %d of %d", c.rate, busyGIL, busy, sleepIdle, sleep)
		}
	}
}

// busySleeper counts the samples of the thread running function busy, and
// of those the ones holding the GIL, and the samples of the thread running
// sleeper, and of those the idle ones. A sample counts once, under the
// first of the two names found from its leaf.
func busySleeper(p *profile.Profile, busy, sleeper string) (busyAll, busyGIL, sleepAll, sleepIdle int64) {
	for _, s := range p.Samples.Samples {
		for _, fr := range s.Stack {
			switch p.Funcs[fr.Func].Name {
			case busy:
				busyAll += s.Weight
				if s.GIL {
					busyGIL += s.Weight
				}
			case sleeper:
				sleepAll += s.Weight
				if s.Idle {
					sleepIdle += s.Weight
				}
			default:
				continue
			}
			break
		}
	}
	return
}

// callReturnTarget calls 20 frames deep and back, again and again, so that a
// walk often reads frames that returned while it read them.
const callReturnTarget = `
import sys
def leaf(n):
    s = 0
    for i in range(n):
        s += i
    return s
def mid(d):
    return leaf(50) if d == 0 else mid(d - 1)
print("ready", flush=True)
while True:
    mid(20)
`

// TestRecordNoCutStacks: every recorded stack of a thread that keeps
// calling and returning ends where the thread began (at <module>). Before
// 3.11 a walk that read a frame as it returned could follow freed frames
// (their free list reuses f_back) to a chain that ended early, or looped
// until the depth limit (8192 frames of "mid"): 5-12% of the samples of
// this target on pyenv's 3.6-3.10 were such stacks, counted as good.
func TestRecordNoCutStacks(t *testing.T) {
	for label, py := range interpreters(t) {
		if strings.HasPrefix(label, "pidns-") {
			continue // the same interpreters as without, in a pid namespace
		}
		t.Run(label, func(t *testing.T) {
			tg, err := Attach(startScript(t, py, callReturnTarget))
			if err != nil {
				t.Fatal(err)
			}
			p, st, err := tg.Record(context.Background(), RecordOptions{Rate: 2000, Duration: 700 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var good, cut int64
			for _, s := range p.Samples.Samples {
				if len(s.Stack) == 0 {
					continue
				}
				if p.Funcs[s.Stack[len(s.Stack)-1].Func].Name == "<module>" && len(s.Stack) <= 23 {
					good += s.Weight
				} else {
					cut += s.Weight
					t.Logf("a stack of %d frames that starts at %s", len(s.Stack), p.Funcs[s.Stack[len(s.Stack)-1].Func].Name)
				}
			}
			t.Logf("%d good stacks, %d cut, %d torn (%.1f%%)", good, cut, st.Torn, 100*st.ErrorRate())
			if good == 0 {
				t.Errorf("no good stack in %+v", st)
			}
			// From 3.11 a thread's frames come from one copy of its data
			// stack: none may be cut. Before, the checks leave about one
			// wrong stack in 1,400 in 3 runs of 24 (it was 5-12% of them);
			// 1% fails the test.
			if tg.Minor >= 11 && cut > 0 || 100*cut > good {
				t.Errorf("%d of %d stacks do not start at <module>", cut, good+cut)
			}
			// A torn stack is walked again (twice at most) within its
			// round: without that, 45-60% of this target's stacks tore
			// on 3.6-3.10; with it 0-26% (median ~15%).
			if st.ErrorRate() > 0.4 {
				t.Errorf("%.1f%% of the stacks tore", 100*st.ErrorRate())
			}
		})
	}
}
