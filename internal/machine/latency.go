package machine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"
	"unsafe"
)

// Latency is load-to-use latency against working-set size, measured by a
// pointer chase: each load's address comes from the previous load, so the
// loads cannot overlap and prefetchers cannot guess the next line.
type Latency struct {
	THPPolicy string          `json:"thp_policy"` // the system's setting: always, madvise, never
	GHz       float64         `json:"ghz"`        // clock used for the cycle counts
	Series    []LatencySeries `json:"series"`
	// Levels are the plateaus found in the series with the most huge
	// pages (fewest TLB misses), named after the sysfs cache they match.
	Levels []Level `json:"levels"`
}

// LatencySeries is one sweep of sizes with one page size.
type LatencySeries struct {
	Pages string `json:"pages"` // "4 KiB" or "2 MiB"
	// HugeFraction is the share of the largest buffer the kernel backed
	// with huge pages, read back from /proc/self/smaps.
	HugeFraction float64        `json:"huge_fraction"`
	Points       []LatencyPoint `json:"points"`
}

// LatencyPoint is the latency of one working-set size.
type LatencyPoint struct {
	Bytes  int64   `json:"bytes"`
	NS     Stat    `json:"ns"`
	Cycles float64 `json:"cycles,omitempty"`
}

// Level is one level of the hierarchy: a cache or RAM.
type Level struct {
	Name           string  `json:"name"`            // L1, L2, L3, RAM, or "level N" when no sysfs cache matches
	SysfsBytes     int64   `json:"sysfs_bytes"`     // the cache's size per sysfs; 0 for RAM
	EffectiveBytes int64   `json:"effective_bytes"` // where latency leaves this level (0 for RAM)
	NS             float64 `json:"ns"`
	Cycles         float64 `json:"cycles,omitempty"`
}

// latencySizes returns working-set sizes from 4 KiB to max, steps of
// 2^(1/steps), rounded to whole cache lines.
func latencySizes(max int64, steps int) []int64 {
	var out []int64
	for k := 0; ; k++ {
		s := int64(math.Round(4096*math.Pow(2, float64(k)/float64(steps))/64)) * 64
		if s > max {
			return out
		}
		out = append(out, s)
	}
}

func measureLatency(ctx context.Context, m *meter, cpu *CPU) (*Latency, error) {
	max, steps := int64(1<<30), 4
	if m.quick {
		max, steps = 256<<20, 2
	}
	sizes := latencySizes(max, steps)
	l := &Latency{THPPolicy: thpMode()}
	if cpu.Clock != nil {
		l.GHz = cpu.Clock.BestGHz
	}
	var err error
	onCPU(pickCPU(cpu), func() {
		for _, huge := range []bool{false, true} {
			var s LatencySeries
			s, err = chaseSeries(ctx, m, sizes, huge, l.GHz)
			if err != nil {
				return
			}
			l.Series = append(l.Series, s)
		}
	})
	if err != nil {
		return l, err
	}
	best := l.Series[0]
	if l.Series[1].HugeFraction > 0.5 {
		best = l.Series[1]
	}
	l.Levels = nameLevels(best.Points, cpu, l.GHz)
	return l, nil
}

// sizingLatency finds the levels' effective sizes for the bandwidth probe
// when the latency probe does not run (--only bandwidth): one short sweep
// with huge pages, 16 KiB to 256 MiB in steps of 2^(1/2), quick repeats.
func sizingLatency(ctx context.Context, m *meter, cpu *CPU) (*Latency, error) {
	quick := &meter{quick: true, progress: m.progress}
	sizes := latencySizes(256<<20, 2)[4:]
	var s LatencySeries
	var err error
	onCPU(pickCPU(cpu), func() { s, err = chaseSeries(ctx, quick, sizes, true, 0) })
	if err != nil {
		return nil, err
	}
	return &Latency{Levels: nameLevels(s.Points, cpu, 0)}, nil
}

func chaseSeries(ctx context.Context, m *meter, sizes []int64, huge bool, ghz float64) (LatencySeries, error) {
	s := LatencySeries{Pages: "4 KiB"}
	if huge {
		s.Pages = "2 MiB"
	}
	r, err := mapRegion(sizes[len(sizes)-1], huge)
	if err != nil {
		return s, err
	}
	defer r.free()
	s.HugeFraction = float64(r.hugeBytes()) / float64(len(r.b))
	rng := rand.New(rand.NewPCG(1, 2))
	perm := make([]uint32, sizes[len(sizes)-1]/64)
	for _, size := range sizes {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		m.progress(fmt.Sprintf("memory latency: %s pages, %s", s.Pages, FormatBytes(size)))
		p := buildCycle(r.b[:size], perm, rng)
		// Walk once so the set is in whichever caches hold it; beyond
		// 16 MiB (past any L3 a guest sees) there is nothing to warm but
		// the TLB, which the sample's warm-up does. Every later walk
		// continues where the last stopped: restarting at the head would
		// revisit the same lines, which then sit in cache.
		lines := int(size / 64)
		p = chase(p, min(lines, 1<<18))
		per := calibrate(&p, m.slice())
		st := m.sample(func() float64 {
			t := threadTime()
			p = chase(p, per)
			return float64((threadTime() - t).Nanoseconds()) / float64(per)
		})
		pt := LatencyPoint{Bytes: size, NS: st}
		if ghz > 0 {
			pt.Cycles = Cycles(st.Median, ghz)
		}
		s.Points = append(s.Points, pt)
	}
	return s, nil
}

// buildCycle links the cache lines of b into one random cycle (Sattolo's
// algorithm: every line is visited once per lap, in an order no
// prefetcher predicts) and returns its start. Each line's first word holds
// the address of the next line. The shuffle runs on perm, a compact array
// of line numbers (at least len(b)/64 long), rather than in b itself:
// swapping random lines of a 256 MiB buffer missed the caches and the TLB
// on every swap and took a second per series; in perm 16 numbers share a
// line, and b is then written in order.
func buildCycle(b []byte, perm []uint32, rng *rand.Rand) unsafe.Pointer {
	n := len(b) / 64
	perm = perm[:n]
	for i := range perm {
		perm[i] = uint32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := rng.IntN(i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	base := unsafe.Pointer(&b[0])
	w := unsafe.Slice((*uint64)(base), len(b)/8)
	addr := uint64(uintptr(base))
	for i, next := range perm {
		w[i*8] = addr + uint64(next)*64
	}
	return base
}

// chase follows n pointers (n rounded up to 16) and returns where it
// stopped, so the compiler cannot drop the loads.
//
//go:noinline
func chase(p unsafe.Pointer, n int) unsafe.Pointer {
	for i := 0; i < n; i += 16 {
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
		p = *(*unsafe.Pointer)(p)
	}
	return p
}

// calibrate returns how many loads take about d, advancing *p.
func calibrate(p *unsafe.Pointer, d time.Duration) int {
	n := 4096
	for {
		t := threadTime()
		*p = chase(*p, n)
		el := threadTime() - t
		if el >= d/4 || n >= 1<<30 {
			per := float64(el.Nanoseconds()) / float64(n)
			return max(4096, int(float64(d.Nanoseconds())/per))
		}
		n *= 4
	}
}

// nameLevels finds the plateaus in a series and names them: with as many
// plateaus as sysfs data caches plus RAM, in order; otherwise each after
// the cache whose size is nearest its effective size. RAM's latency is the
// median of the three largest sizes rather than of its whole plateau,
// which starts where the last cache ends and still includes some hits.
func nameLevels(pts []LatencyPoint, cpu *CPU, ghz float64) []Level {
	sizes := make([]int64, len(pts))
	lat := make([]float64, len(pts))
	for i, p := range pts {
		sizes[i], lat[i] = p.Bytes, p.NS.Median
	}
	caches := cpu.dataCaches()
	ps := Knees(sizes, lat, 0.25, len(caches)+1)
	used := map[int]bool{}
	var out []Level
	for k, p := range ps {
		lv := Level{Name: fmt.Sprintf("level %d", k+1), EffectiveBytes: p.EdgeBytes, NS: p.Latency}
		switch {
		case k == len(ps)-1 && k > 0:
			lv.Name = "RAM"
			lv.NS = Summarize(lat[max(0, len(lat)-3):]).Median
		case len(ps) == len(caches)+1:
			lv.Name = fmt.Sprintf("L%d", caches[k].Level)
			lv.SysfsBytes = caches[k].Bytes
		default:
			best, bestD := -1, math.Log(4)
			for i, c := range caches {
				d := math.Abs(math.Log(float64(p.EdgeBytes) / float64(c.Bytes)))
				if !used[i] && d < bestD {
					best, bestD = i, d
				}
			}
			if best >= 0 {
				used[best] = true
				lv.Name = fmt.Sprintf("L%d", caches[best].Level)
				lv.SysfsBytes = caches[best].Bytes
			}
		}
		if ghz > 0 {
			lv.Cycles = Cycles(lv.NS, ghz)
		}
		out = append(out, lv)
	}
	return out
}

// pickCPU chooses the CPU single-thread probes pin to: the last one, on
// the guess that interrupts and other engineers' shells favour CPU 0.
func pickCPU(cpu *CPU) int {
	if len(cpu.CPUs) == 0 {
		return 0
	}
	return cpu.CPUs[len(cpu.CPUs)-1].ID
}

// onCPU runs f on a fresh OS thread pinned to cpu and waits for it. The
// goroutine exits still locked to its thread, so Go discards the thread
// and its narrowed affinity instead of reusing it.
func onCPU(cpu int, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		_ = pin(cpu) // unpinned numbers are still numbers
		f()
	}()
	<-done
}
