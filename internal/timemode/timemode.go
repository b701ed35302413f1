// Package timemode chooses which samples of a sampled profile count (wall,
// cpu or gil time) and splits them by what the thread was doing: running
// with the GIL, running without it, waiting for it, or idle.
package timemode

import (
	"fmt"
	"sort"

	"hpp/internal/profile"
)

// Mode says which samples count, as Tachyon's --mode.
type Mode int

const (
	Wall Mode = iota // every sample
	CPU              // only threads on a CPU (running, not waiting for the GIL)
	GIL              // only the thread holding the GIL
)

var names = [...]string{Wall: "wall", CPU: "cpu", GIL: "gil"}

func (m Mode) String() string { return names[m] }

// Parse reads a mode's name.
func Parse(s string) (Mode, error) {
	for m, n := range names {
		if n == s {
			return Mode(m), nil
		}
	}
	return Wall, fmt.Errorf("mode %q: want wall, cpu or gil", s)
}

// State is what a sampled thread was doing.
type State int

const (
	Held    State = iota // running Python code, holding the GIL
	Free                 // running without the GIL (native code that released it)
	Waiting              // waiting to take the GIL
	Idle                 // blocked: sleeping, reading, waiting on its own lock
	NStates
)

var stateNames = [...]string{Held: "GIL", Free: "no GIL", Waiting: "GIL wait", Idle: "idle"}

func (s State) String() string { return stateNames[s] }

var labels = [...]string{Held: "gil", Free: "nogil", Waiting: "gil_wait", Idle: "idle"}

// Label is the state's name as a pprof label value (key "state").
func (s State) Label() string { return labels[s] }

// StateOf classifies a sample. Holding the GIL wins: a thread that holds it
// and blocks still keeps every other thread out.
func StateOf(s *profile.Sample) State {
	switch {
	case s.GIL:
		return Held
	case s.GILWait:
		return Waiting
	case !s.Idle:
		return Free
	}
	return Idle
}

// Keep says whether a sample counts in mode m; idle makes cpu mode keep
// idle and waiting threads too (py-spy's --idle).
func Keep(m Mode, idle bool, s *profile.Sample) bool {
	return KeepState(m, idle, StateOf(s))
}

// KeepState says whether a sample in state st counts in mode m.
func KeepState(m Mode, idle bool, st State) bool {
	switch m {
	case CPU:
		return idle || st == Held || st == Free
	case GIL:
		return st == Held
	}
	return true
}

// Filter returns a copy of p whose sample set holds only the samples that
// count in mode m. A profile without samples is returned as it is.
func Filter(p *profile.Profile, m Mode, idle bool) *profile.Profile {
	if p.Samples == nil || (m == Wall) || (m == CPU && idle) {
		return p
	}
	q := *p
	set := *p.Samples
	set.Samples = nil
	for i := range p.Samples.Samples {
		if Keep(m, idle, &p.Samples.Samples[i]) {
			set.Samples = append(set.Samples, p.Samples.Samples[i])
		}
	}
	q.Samples = &set
	return &q
}

// Counts are sample weights by state.
type Counts [NStates]int64

// Total is the sum over every state.
func (c *Counts) Total() int64 {
	var t int64
	for _, n := range c {
		t += n
	}
	return t
}

// Share is the part of the total in state s, 0 when there is none.
func (c *Counts) Share(s State) float64 {
	t := c.Total()
	if t == 0 {
		return 0
	}
	return float64(c[s]) / float64(t)
}

// Row is one thread's or one function's split.
type Row struct {
	Thread int32          // index into the sample set's threads, -1 for a function row
	Func   profile.FuncID // the function of a function row (own samples: the leaf)
	Counts
}

// Split is the split of a sample set per thread and per function.
type Split struct {
	All     Counts
	Threads []Row // in the sample set's thread order
	Funcs   []Row // by own samples, most first; a function's own samples are those where it is the leaf
}

// Of splits every sample of set.
func Of(set *profile.SampleSet) *Split {
	sp := &Split{Threads: make([]Row, len(set.Threads))}
	for i := range sp.Threads {
		sp.Threads[i].Thread = int32(i)
	}
	funcs := map[profile.FuncID]*Row{}
	for i := range set.Samples {
		s := &set.Samples[i]
		st := StateOf(s)
		sp.All[st] += s.Weight
		if s.Thread >= 0 && int(s.Thread) < len(sp.Threads) {
			sp.Threads[s.Thread].Counts[st] += s.Weight
		}
		if len(s.Stack) == 0 {
			continue
		}
		f := s.Stack[0].Func
		r := funcs[f]
		if r == nil {
			r = &Row{Thread: -1, Func: f}
			funcs[f] = r
		}
		r.Counts[st] += s.Weight
	}
	for _, r := range funcs {
		sp.Funcs = append(sp.Funcs, *r)
	}
	sort.Slice(sp.Funcs, func(i, j int) bool {
		a, b := sp.Funcs[i].Total(), sp.Funcs[j].Total()
		if a != b {
			return a > b
		}
		return sp.Funcs[i].Func < sp.Funcs[j].Func
	})
	return sp
}
