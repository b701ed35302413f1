package machine

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Scaling is the same compute kernel on 1..N cores, and on two hardware
// threads of one core against two separate cores.
type Scaling struct {
	Kernel string         `json:"kernel"`
	Points []ScalingPoint `json:"points"`
	// SMT compares two sibling threads with two separate cores; nil when
	// no core has siblings, which Note then says.
	SMT  *SMT   `json:"smt,omitempty"`
	Note string `json:"note,omitempty"`
}

// ScalingPoint is the total rate on Threads threads.
type ScalingPoint struct {
	Threads int     `json:"threads"`
	CPUs    []int   `json:"cpus"`
	Rate    Stat    `json:"mops"`    // million kernel iterations per second, all threads
	Speedup float64 `json:"speedup"` // against one thread
}

// SMT is the seed's "up to 30% from a second hardware thread", measured.
type SMT struct {
	One      Stat    `json:"one_thread_mops"`
	Siblings Stat    `json:"two_siblings_mops"`
	Separate Stat    `json:"two_cores_mops"`
	Gain     float64 `json:"sibling_gain"` // Siblings/One - 1
	SibCPUs  []int   `json:"sibling_cpus"`
	SepCPUs  []int   `json:"separate_cpus"`
}

const scalingKernel = "xorshift and multiply mixing on four independent streams, integer only, no memory traffic"

// mix is a compute-bound kernel with some instruction-level parallelism
// (four independent streams) but not enough to fill a core, like typical
// interpreter code: the case where a second hardware thread helps.
//
//go:noinline
func mix(n int, seed uint64) uint64 {
	a, b, c, d := seed, seed^0x9E37, seed^0x7F4A, seed^0xC15
	for i := 0; i < n; i++ {
		a ^= a << 13
		a ^= a >> 7
		b = b*0x2545F4914F6CDD1D + 1
		c ^= c >> 17
		c *= 0xBF58476D1CE4E5B9
		d += a ^ b
	}
	return a + b + c + d
}

func measureScaling(ctx context.Context, m *meter, cpu *CPU) (*Scaling, error) {
	s := &Scaling{Kernel: scalingKernel}
	cores := cpu.separateCores(len(cpu.CPUs))
	if len(cores) == 0 {
		cores = []int{0}
	}
	// One iteration count for all runs, from a short calibration.
	n := 1 << 16
	for {
		t := threadTime()
		runtime.KeepAlive(mix(n, 1)) // so that the compiler cannot drop the work
		if d := threadTime() - t; d > m.slice()/4 {
			n = int(float64(n) * float64(m.slice()) / float64(d))
			break
		}
		n *= 4
	}
	rate := func(cpus []int) Stat {
		return m.sample(func() float64 { return mixRate(cpus, n) })
	}
	for k := 1; k <= len(cores); k++ {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		m.progress(fmt.Sprintf("scaling: %d core(s)", k))
		p := ScalingPoint{Threads: k, CPUs: cores[:k], Rate: rate(cores[:k])}
		if base := s.pointOr(p).Rate.Median; base > 0 {
			p.Speedup = p.Rate.Median / base
		}
		s.Points = append(s.Points, p)
	}
	if len(cpu.Siblings) == 0 {
		s.Note = fmt.Sprintf("no SMT siblings: each of the %d cores runs one hardware thread, so the gain of a second thread per core cannot be measured here", cpu.Cores)
		return s, nil
	}
	sib := cpu.Siblings[0][:2]
	smt := &SMT{SibCPUs: sib}
	m.progress("scaling: SMT siblings against separate cores")
	smt.One = rate(sib[:1])
	smt.Siblings = rate(sib)
	if len(cores) >= 2 {
		smt.SepCPUs = cores[:2]
		smt.Separate = rate(cores[:2])
	}
	if smt.One.Median > 0 {
		smt.Gain = smt.Siblings.Median/smt.One.Median - 1
	}
	s.SMT = smt
	return s, nil
}

// pointOr returns the one-thread point, or p itself when it is the first.
func (s *Scaling) pointOr(p ScalingPoint) ScalingPoint {
	if len(s.Points) > 0 {
		return s.Points[0]
	}
	return p
}

// mixRate runs mix(n) on each CPU at once and returns millions of
// iterations per second in total, each thread timed by its own CPU time
// (so others' work on a shared machine slows no thread's count; what
// remains is what the threads cost each other: a shared core, SMT).
func mixRate(cpus []int, n int) float64 {
	var start sync.WaitGroup
	start.Add(1)
	el := make([]time.Duration, len(cpus))
	var sum uint64
	var mu sync.Mutex
	parallel(cpus, func(i int) {
		start.Wait()
		t := threadTime()
		v := mix(n, uint64(i+1))
		el[i] = threadTime() - t
		mu.Lock()
		sum += v
		mu.Unlock()
	}, start.Done)
	sink += sum
	total := 0.0
	for _, d := range el {
		total += float64(n) / float64(max(d, 1).Nanoseconds()) * 1e3
	}
	return total
}
