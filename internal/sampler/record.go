package sampler

import (
	"time"

	"hpp/internal/profile"
)

// RecordOptions say how to sample.
type RecordOptions struct {
	Rate     float64       // samples per second per thread
	Duration time.Duration // 0: until the process exits or ctx ends
	// Progress, when set, is called about twice a second.
	Progress func(RecordStats)
	// Flush, when set, is handed the samples of each FlushEvery of the
	// recording as a profile of their own, with the counts of that part
	// (hpp top's refresh); Record then returns what came after the last
	// flush. What the sampler knows of each thread between samples (a
	// wait for the GIL) carries across parts.
	Flush      func(*profile.Profile, RecordStats)
	FlushEvery time.Duration
	// NoLineNo keeps no line numbers in frames (py-spy's --nolineno):
	// samples of a function at different lines merge, and the walker
	// skips decoding line tables, which makes each sample cheaper.
	NoLineNo bool
	// Blocking stops every thread of the target with ptrace for each
	// sample (seized once, interrupted and waited for, read, let go;
	// detached at the end), so that no stack changes while it is read.
	Blocking bool
}

// RecordStats count what a recording saw.
type RecordStats struct {
	Ticks    int           // sampling rounds
	Samples  int           // thread stacks recorded
	Torn     int           // thread stacks (or whole rounds) dropped as torn
	Threads  int           // distinct threads seen
	Elapsed  time.Duration // wall time sampled
	Exited   bool          // the target exited while being sampled
	Achieved float64       // rounds per second
}

// ErrorRate is the share of attempted stacks that tore.
func (s RecordStats) ErrorRate() float64 {
	if s.Samples+s.Torn == 0 {
		return 0
	}
	return float64(s.Torn) / float64(s.Samples+s.Torn)
}
