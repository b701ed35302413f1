// Package profile is the data model every other hpp package speaks: a call
// graph with per-function and per-edge numbers (what cProfile and profile
// record), and sampled stacks with weights and thread labels (what a sampling
// profiler records). It imports no other hpp package.
package profile

import (
	"cmp"
	"fmt"
	"strings"
)

// FuncID indexes Profile.Funcs.
type FuncID int32

// Func identifies a function the way pstats does: file, first line, name.
// Built-in functions use File "~" and Line 0, as cProfile writes them.
type Func struct {
	File string
	Line int
	Name string
}

// String returns pstats' standard name for f: "file:line(name)", or for a
// built-in ("~", 0, name) the bare name, with <...> turned into {...}.
func (f Func) String() string {
	if f.File == "~" && f.Line == 0 {
		if strings.HasPrefix(f.Name, "<") && strings.HasSuffix(f.Name, ">") && len(f.Name) >= 2 {
			return "{" + f.Name[1:len(f.Name)-1] + "}"
		}
		return f.Name
	}
	return fmt.Sprintf("%s:%d(%s)", f.File, f.Line, f.Name)
}

// Compare orders functions as Python orders their (file, line, name) key
// tuples, which pstats sorts by: Go's byte order of UTF-8 strings is
// Python's code point order.
func (f Func) Compare(g Func) int {
	if c := strings.Compare(f.File, g.File); c != 0 {
		return c
	}
	if c := cmp.Compare(f.Line, g.Line); c != 0 {
		return c
	}
	return strings.Compare(f.Name, g.Name)
}

// Builtin reports whether f is a C function as cProfile names them.
func (f Func) Builtin() bool { return f.File == "~" && f.Line == 0 }

// StripDir returns f with its file reduced to the base name, as
// pstats.Stats.strip_dirs does (os.path.basename: the part after the last /).
func (f Func) StripDir() Func {
	if i := strings.LastIndexByte(f.File, '/'); i >= 0 {
		f.File = f.File[i+1:]
	}
	return f
}

// Stats are the four numbers pstats keeps per function and per edge.
// Times are in the profile's time unit, seconds for cProfile.
type Stats struct {
	PCalls  int64   // primitive (non-recursive) calls; pstats' cc
	NCalls  int64   // all calls; pstats' nc
	TotTime float64 // time in the function itself
	CumTime float64 // time in the function and everything it called
}

// Add returns s + o, field by field, in the order pstats.add_func_stats
// adds (o's value first), so that float sums match Python's.
func (s Stats) Add(o Stats) Stats {
	return Stats{
		PCalls:  o.PCalls + s.PCalls,
		NCalls:  o.NCalls + s.NCalls,
		TotTime: o.TotTime + s.TotTime,
		CumTime: o.CumTime + s.CumTime,
	}
}

// Edge is one caller of a function, with the numbers of the calls made
// along that edge.
type Edge struct {
	Stats
	Caller FuncID // first after Stats, so that an Edge is 40 bytes, not 48
	// CountOnly is set when the file recorded just a call count for this
	// caller (the pure-Python profile module): PCalls and NCalls are that
	// count and the times are unknown.
	CountOnly bool
}

// Function is one entry of a call-graph profile.
type Function struct {
	Func
	Stats
	// Listed is true when the profile has an entry of its own for the
	// function. Functions seen only as callers, or only in samples, have
	// zero Stats and Listed false.
	Listed bool
	// Callers in the order the file lists them.
	Callers []Edge
}

// Frame is one level of a sampled stack.
type Frame struct {
	Func FuncID
	Line int32 // the line executing in this frame, 0 if unknown
}

// Sample is one observed stack with its weight.
type Sample struct {
	Stack  []Frame // leaf first, as in pprof
	Weight int64   // in SampleSet.Unit
	Thread int32   // index into SampleSet.Threads, -1 if unknown
	// GIL is set when the sampled thread held the GIL; Idle when it was
	// waiting (blocked in a system call or on a lock) rather than running;
	// GILWait when, idle, it was waiting to take the GIL.
	GIL     bool
	Idle    bool
	GILWait bool
}

// Thread describes a thread seen by a sampler.
type Thread struct {
	ID   int64 // OS thread id
	Name string
	// Process is the index into SampleSet.Processes of the process the
	// thread belongs to; meaningless when Processes is empty (a profile
	// of one process may leave it so).
	Process int32
}

// Process describes a process seen by a sampler: the target or, with
// --subprocesses, one of its children.
type Process struct {
	PID     int64  // as seen from hpp's pid namespace
	Parent  int64  // the parent's PID, 0 for the process named first
	Command string // its command line, arguments joined by spaces
}

// SourceFile is the text of a source file as it was when a profile was
// recorded, so that line-level reports work on another machine.
type SourceFile struct {
	Path string // as in Func.File
	Text []byte
}

// SampleSet holds sampled stacks: a sampling profiler's data.
type SampleSet struct {
	Unit     string // "samples" or "nanoseconds"
	PeriodNS int64  // sampling period, 0 if unknown
	Threads  []Thread
	Samples  []Sample
	// Processes lists the processes sampled; Thread.Process indexes it.
	Processes []Process
	// Mode names the time mode the samples were kept under ("wall",
	// "cpu", "gil"), "" if unknown.
	Mode string
}

// Profile is a call-graph profile, a set of sampled stacks, or both.
type Profile struct {
	// Funcs holds every function mentioned anywhere; FuncID indexes it.
	// Listed functions come first, in the order of the source file (the
	// order pstats iterates its dict in), then those only referenced.
	Funcs []Function
	// NumListed is the number of Listed functions at the front of Funcs.
	NumListed int
	// TotalTT is the sum of TotTime over listed functions, summed in
	// order as pstats does (merged files add their totals).
	TotalTT float64
	// Sources names the files the profile was read from, with their
	// modification times as pstats prints them.
	Sources []string
	// Samples is nil for a pure call-graph profile.
	Samples *SampleSet
	// Files holds source texts embedded in the profile (hpp's own
	// sampled-profile file carries the hot files), by path.
	Files []SourceFile
}

// Listed returns the functions that have entries of their own.
func (p *Profile) Listed() []Function { return p.Funcs[:p.NumListed] }

// ListedIDs returns the ids of the listed functions, in order: a new
// slice, for the caller to sort or narrow.
func (p *Profile) ListedIDs() []FuncID {
	ids := make([]FuncID, p.NumListed)
	for i := range ids {
		ids[i] = FuncID(i)
	}
	return ids
}

// Totals returns the total and primitive call counts over listed functions.
func (p *Profile) Totals() (ncalls, pcalls int64) {
	for i := range p.Funcs[:p.NumListed] {
		ncalls += p.Funcs[i].NCalls
		pcalls += p.Funcs[i].PCalls
	}
	return
}

// Call is one edge of the call graph seen from the calling side: the
// function called and the numbers of the calls along the edge.
type Call struct {
	Stats
	Callee    FuncID
	CountOnly bool // as in Edge
}

// Calls returns, for each function, the calls it makes, in pstats'
// calc_callees order.
func (p *Profile) Calls() [][]Call {
	out := make([][]Call, len(p.Funcs))
	for i := range p.Funcs[:p.NumListed] {
		for _, e := range p.Funcs[i].Callers {
			out[e.Caller] = append(out[e.Caller], Call{Stats: e.Stats, Callee: FuncID(i), CountOnly: e.CountOnly})
		}
	}
	return out
}
