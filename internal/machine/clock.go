package machine

import (
	"runtime"
	"time"
)

// Clock is the core clock measured by timing chains of dependent
// instructions whose latency in cycles is known.
type Clock struct {
	// BestGHz is the clock: the fastest run of either chain. Interference
	// can only slow a dependent chain, never speed it up, so on a shared
	// machine the fastest run is the truest, as lmbench's mhz also takes
	// its best; the medians show how much the machine disturbed it. Both
	// chains count because the ADD chain, at one instruction per cycle,
	// is the one a busy SMT sibling on the host slows: on the VM this was
	// written on, some runs gave ADD 4.31 GHz beside IMUL 4.46 GHz, and
	// lmbench's mhz 4.47.
	BestGHz float64 `json:"best_ghz"`
	GHz     Stat    `json:"ghz"`     // from the ADD chain
	MulGHz  Stat    `json:"mul_ghz"` // from the IMUL chain, as a cross-check
	Method  string  `json:"method"`
	Exact   bool    `json:"exact"`
}

// measureClock times the add and multiply chains. The first chain also
// serves as warm-up: a core that idles at a low clock needs some
// milliseconds of work before it reaches its running clock.
func measureClock(m *meter) *Clock {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	warm := time.Now()
	for time.Since(warm) < 300*time.Millisecond {
		addChain(100000)
	}
	c := &Clock{
		GHz:    m.sample(func() float64 { return chainRate(m, addChain, addsPerIter*addLatency) }),
		MulGHz: m.sample(func() float64 { return chainRate(m, mulChain, mulsPerIter*mulLatency) }),
		Method: chainsSource,
		Exact:  chainsExact,
	}
	c.BestGHz = max(c.GHz.Max, c.MulGHz.Max)
	return c
}

// chainRate runs chain for about one time slice of its thread's CPU time
// and returns cycles per nanosecond, i.e. GHz.
func chainRate(m *meter, chain func(int) int, cyclesPerIter int) float64 {
	n := 1 << 14
	for {
		t := threadTime()
		chain(n)
		d := threadTime() - t
		if d >= m.slice() || n > 1<<34 {
			return float64(n) * float64(cyclesPerIter) / float64(d.Nanoseconds())
		}
		if d < m.slice()/8 {
			n *= 8
		} else {
			n *= 2
		}
	}
}

// Counters are hardware counter readings over a known kernel (the ADD
// chain), or the reason there are none.
type Counters struct {
	Available    bool    `json:"available"`
	Reason       string  `json:"reason,omitempty"`
	Cycles       uint64  `json:"cycles,omitempty"`
	Instructions uint64  `json:"instructions,omitempty"`
	IPC          float64 `json:"ipc,omitempty"`
	// GHz is cycles over wall time: a third view of the clock.
	GHz float64 `json:"ghz,omitempty"`
}
