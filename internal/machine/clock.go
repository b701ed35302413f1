package machine

import (
	"runtime"
	"time"
)

// Clock is the core clock measured by timing chains of dependent
// instructions whose latency in cycles is known.
type Clock struct {
	GHz    Stat   `json:"ghz"`     // from the ADD chain
	MulGHz Stat   `json:"mul_ghz"` // from the IMUL chain, as a cross-check
	Method string `json:"method"`
	Exact  bool   `json:"exact"`
}

// measureClock times the add and multiply chains. The first chain also
// serves as warm-up: a core that idles at a low clock needs some
// milliseconds of work before it reaches its running clock.
func measureClock(m *meter) *Clock {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	warm := time.Now()
	for time.Since(warm) < 50*time.Millisecond {
		addChain(100000)
	}
	return &Clock{
		GHz:    m.sample(func() float64 { return chainRate(m, addChain, addsPerIter*addLatency) }),
		MulGHz: m.sample(func() float64 { return chainRate(m, mulChain, mulsPerIter*mulLatency) }),
		Method: chainsSource,
		Exact:  chainsExact,
	}
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
