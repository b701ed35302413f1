package machine

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Stat is a measurement's median and spread over its repeats. The median
// rather than the mean because a shared machine adds one-sided noise: a
// repeat is slowed by a neighbour, never sped up.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// Summarize returns the median, min and max of xs, ignoring NaNs and
// infinities; with none left it returns N == 0 and zeros.
func Summarize(xs []float64) Stat {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Stat{}
	}
	sort.Float64s(v)
	return Stat{Median: median(v), Min: v[0], Max: v[len(v)-1], N: len(v)}
}

// median of sorted values.
func median(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// Spread is half the range relative to the median, as a fraction: the
// "± x%" printed beside a median.
func (s Stat) Spread() float64 {
	if s.N < 2 || s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / 2 / math.Abs(s.Median)
}

// Scale returns the Stat with every value multiplied by k (unit changes).
func (s Stat) Scale(k float64) Stat {
	s.Median, s.Min, s.Max = s.Median*k, s.Min*k, s.Max*k
	if k < 0 {
		s.Min, s.Max = s.Max, s.Min
	}
	return s
}

// Invert returns 1/x for each value (time per op ↔ ops per time); a Stat
// with a zero in it has no inverse and gives the zero Stat.
func (s Stat) Invert() Stat {
	if s.N == 0 || s.Median == 0 || s.Min == 0 || s.Max == 0 {
		return Stat{}
	}
	return Stat{Median: 1 / s.Median, Min: 1 / s.Max, Max: 1 / s.Min, N: s.N}
}

// Plateau is one level of the memory hierarchy as seen in a latency series:
// a run of sizes over which latency stays nearly flat.
type Plateau struct {
	FromBytes int64   `json:"from_bytes"` // smallest size in the run
	ToBytes   int64   `json:"to_bytes"`   // largest size in the run
	Latency   float64 `json:"latency_ns"` // median latency over the run
	// EdgeBytes is the effective size of the level: where latency crosses
	// halfway (on a log scale) to the next plateau's latency. Zero for the
	// last plateau.
	EdgeBytes int64 `json:"edge_bytes"`
}

// Knees finds the plateaus of a latency-against-size series (sizes
// ascending) and the effective size of each level. With want > 0 it
// returns at most want plateaus, merging the neighbours whose latencies
// are closest: a machine with three caches has four levels, and a slow
// rise inside RAM (TLB misses, a neighbour's traffic) must not become a
// fifth.
//
// A point belongs to a plateau while its latency is within tol (e.g. 0.25)
// of the plateau's first point; a run needs at least two points, so single
// points in a transition between levels belong to none. The edge of a
// level is where the log-latency, interpolated between points, crosses the
// midpoint of its own and the next level's log-latencies: a gradual
// transition (associativity, replacement policy, a shared cache partly
// held by a neighbour) still gives a size near where half the accesses
// miss.
func Knees(sizes []int64, lat []float64, tol float64, want int) []Plateau {
	n := len(sizes)
	if n != len(lat) || n < 2 {
		return nil
	}
	for _, x := range lat {
		if !(x > 0) || math.IsInf(x, 0) {
			return nil
		}
	}
	var runs [][2]int
	i0 := 0
	for i := 1; i <= n; i++ {
		if i == n || lat[i] > lat[i0]*(1+tol) || lat[i] < lat[i0]*(1-tol) {
			if i-i0 >= 2 {
				runs = append(runs, [2]int{i0, i - 1})
			}
			i0 = i
		}
	}
	// The largest sizes rarely flatten within 1 GiB (TLB misses keep
	// growing); if the series ends well above the last plateau, the end is
	// its own level so that RAM is still reported.
	if len(runs) > 0 && lat[n-1] > plateauLatency(lat, runs[len(runs)-1])*(1+tol) {
		runs = append(runs, [2]int{n - 1, n - 1})
	}
	// Merge neighbours that are one level split by noise, then the closest
	// pairs while there are more than want.
	for len(runs) > 1 {
		best, bestR := -1, math.Inf(1)
		for k := 0; k+1 < len(runs); k++ {
			r := plateauLatency(lat, runs[k+1]) / plateauLatency(lat, runs[k])
			if r < 1 {
				r = 1 / r
			}
			if r < bestR {
				best, bestR = k, r
			}
		}
		if bestR >= 1+tol && (want <= 0 || len(runs) <= want) {
			break
		}
		runs[best][1] = runs[best+1][1]
		runs = append(runs[:best+1], runs[best+2:]...)
	}
	ps := make([]Plateau, len(runs))
	for k, r := range runs {
		ps[k] = Plateau{FromBytes: sizes[r[0]], ToBytes: sizes[r[1]], Latency: plateauLatency(lat, r)}
	}
	for k := 0; k+1 < len(ps); k++ {
		mid := (math.Log(ps[k].Latency) + math.Log(ps[k+1].Latency)) / 2
		ps[k].EdgeBytes = crossing(sizes, lat, ps[k].ToBytes, ps[k+1].FromBytes, mid)
	}
	return ps
}

// plateauLatency is the median latency of the points in run r.
func plateauLatency(lat []float64, r [2]int) float64 {
	v := append([]float64(nil), lat[r[0]:r[1]+1]...)
	sort.Float64s(v)
	return median(v)
}

// crossing returns the size between from and to where the log-latency
// series first reaches y, interpolated on log-log axes.
func crossing(sizes []int64, lat []float64, from, to int64, y float64) int64 {
	for i := 0; i+1 < len(sizes); i++ {
		if sizes[i] < from || sizes[i+1] > to {
			continue
		}
		y0, y1 := math.Log(lat[i]), math.Log(lat[i+1])
		if y1 >= y && y0 < y {
			x0, x1 := math.Log(float64(sizes[i])), math.Log(float64(sizes[i+1]))
			x := x0 + (y-y0)/(y1-y0)*(x1-x0)
			return int64(math.Round(math.Exp(x)))
		}
	}
	// No point in between crossed y (adjacent sizes): the geometric mean.
	return int64(math.Round(math.Sqrt(float64(from) * float64(to))))
}

// Cycles converts nanoseconds to core cycles at ghz.
func Cycles(ns, ghz float64) float64 { return ns * ghz }

// GBps converts bytes moved in ns nanoseconds to decimal GB/s (as STREAM,
// fio and iperf3 print; 1 GB = 1e9 bytes). Bytes per nanosecond are GB/s.
func GBps(bytes float64, ns float64) float64 { return bytes / ns }

// Gbitps converts bytes per second to decimal Gbit/s as iperf3 prints.
func Gbitps(bytesPerSec float64) float64 { return bytesPerSec * 8 / 1e9 }

// FormatBytes prints a size in binary units as sysfs and lmbench state cache
// and working-set sizes: 48 KiB, 1 MiB, 1.5 GiB.
func FormatBytes(b int64) string {
	const k = 1024
	switch {
	case b >= k*k*k:
		return trimFloat(float64(b)/(k*k*k)) + " GiB"
	case b >= k*k:
		return trimFloat(float64(b)/(k*k)) + " MiB"
	case b >= k:
		return trimFloat(float64(b)/k) + " KiB"
	}
	return fmt.Sprintf("%d B", b)
}

// trimFloat prints up to three significant digits without trailing zeros.
func trimFloat(x float64) string {
	var s string
	switch {
	case x >= 100:
		s = fmt.Sprintf("%.0f", x)
	case x >= 10:
		s = fmt.Sprintf("%.1f", x)
	default:
		s = fmt.Sprintf("%.2f", x)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// FormatNs prints a duration given in nanoseconds with a unit that keeps
// three significant digits: 1.09 ns, 62.1 µs, 4.2 ms.
func FormatNs(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "n/a"
	case ns >= 1e9:
		return trimFloat(ns/1e9) + " s"
	case ns >= 1e6:
		return trimFloat(ns/1e6) + " ms"
	case ns >= 1e3:
		return trimFloat(ns/1e3) + " µs"
	}
	return trimFloat(ns) + " ns"
}

// FormatRate prints bytes per second in decimal units: 24.7 GB/s.
func FormatRate(bps float64) string {
	switch {
	case math.IsNaN(bps):
		return "n/a"
	case bps >= 1e9:
		return trimFloat(bps/1e9) + " GB/s"
	case bps >= 1e6:
		return trimFloat(bps/1e6) + " MB/s"
	case bps >= 1e3:
		return trimFloat(bps/1e3) + " kB/s"
	}
	return trimFloat(bps) + " B/s"
}
