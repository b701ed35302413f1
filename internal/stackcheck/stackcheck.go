// Package stackcheck checks stacks drawn from a call-graph profile against
// cProfile's own numbers, as `hpp stats --json` reports them: the self time
// of every function summed over its stacks is its tottime, the time of the
// stacks that contain a function (each counted once) is its cumtime for
// every function outside a recursive cycle, and the stacks add up to the
// total. It is the tests' independent checker: it shares no code with the
// estimator it checks, and finds recursive cycles its own way (by mutual
// reachability, not by Tarjan's algorithm as internal/callgraph does).
package stackcheck

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Key names a function as pstats does.
type Key struct {
	File string
	Line int
	Name string
}

func (k Key) String() string { return fmt.Sprintf("%s:%d(%s)", k.File, k.Line, k.Name) }

// Stack is one path of a tree, root first, with the self time of its last
// frame, in seconds.
type Stack struct {
	Frames []Key
	Self   float64
}

// Func is one function's numbers.
type Func struct {
	Key
	TotTime, CumTime float64
	Callers          map[Key]float64 // cumulative time per caller; NaN when only counted
}

// Profile is what `hpp stats --json` says about a profile.
type Profile struct {
	Total float64
	Funcs map[Key]*Func
	// CountOnly is set when some edge carries only a call count (the
	// pure-Python profile module): inclusive times are then apportioned,
	// not measured, and only self times are checked.
	CountOnly bool
}

// ParseJSON reads `hpp stats --json` output.
func ParseJSON(b []byte) (*Profile, error) {
	type rec struct {
		File    string   `json:"file"`
		Line    int      `json:"line"`
		Name    string   `json:"name"`
		TotTime *float64 `json:"tottime"`
		CumTime *float64 `json:"cumtime"`
		Callers []rec    `json:"callers"`
	}
	var doc struct {
		Total     float64 `json:"total_tt"`
		Functions []rec   `json:"functions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	p := &Profile{Total: doc.Total, Funcs: map[Key]*Func{}}
	val := func(x *float64) float64 {
		if x == nil {
			return math.NaN()
		}
		return *x
	}
	for _, r := range doc.Functions {
		k := Key{r.File, r.Line, r.Name}
		f := &Func{Key: k, TotTime: val(r.TotTime), CumTime: val(r.CumTime), Callers: map[Key]float64{}}
		for _, c := range r.Callers {
			ct := val(c.CumTime)
			if math.IsNaN(ct) {
				p.CountOnly = true
			}
			f.Callers[Key{c.File, c.Line, c.Name}] += ct
		}
		p.Funcs[k] = f
	}
	return p, nil
}

// Report is the result of Check.
type Report struct {
	Checked     int      // numbers compared
	Failures    []string // numbers off by more than the tolerance, worst first
	Disagreeing []Key    // functions whose own numbers don't add up (listed apart, not checked)
	Cyclic      int      // functions on recursive cycles (inclusive time not checked)
	MaxSelfErr  float64  // the largest self-time error, in seconds
	MaxInclErr  float64  // the largest inclusive-time error outside cycles
	TotalErr    float64  // the stacks' sum minus the total
}

// Check compares stacks with p, allowing tol seconds per number. A
// function is known by its file and first line, and a built-in (file
// "~") by its name, since formats decorate names ("<module> a.py:1").
func Check(p *Profile, stacks []Stack, tol float64) Report {
	p = normalized(p)
	var r Report
	type failure struct {
		err float64
		msg string
	}
	var fails []failure
	fail := func(err float64, format string, a ...any) {
		fails = append(fails, failure{math.Abs(err), fmt.Sprintf(format, a...)})
	}

	cyclic := cyclicFuncs(p)
	r.Cyclic = len(cyclic)
	disagree := map[Key]bool{}
	if !p.CountOnly {
		out := map[Key]float64{}
		for _, f := range p.Funcs {
			for c, ct := range f.Callers {
				if c != f.Key {
					out[c] += ct
				}
			}
		}
		eps := 1e-6 * math.Max(p.Total, 1e-9)
		for k, f := range p.Funcs {
			if cyclic[k] {
				continue
			}
			var in float64
			for c, ct := range f.Callers {
				if c != k {
					in += ct
				}
			}
			if math.Abs(f.TotTime+out[k]-f.CumTime) > eps || in-f.CumTime > eps {
				disagree[k] = true
				r.Disagreeing = append(r.Disagreeing, k)
			}
		}
		sort.Slice(r.Disagreeing, func(i, j int) bool { return r.Disagreeing[i].String() < r.Disagreeing[j].String() })
	}

	self := map[Key]float64{}
	incl := map[Key]float64{}
	var sum float64
	seen := map[Key]bool{}
	for _, s := range stacks {
		if len(s.Frames) == 0 {
			fail(s.Self, "an empty stack of %g s", s.Self)
			continue
		}
		sum += s.Self
		self[norm(s.Frames[len(s.Frames)-1])] += s.Self
		clear(seen)
		for _, k := range s.Frames {
			k = norm(k)
			if !seen[k] {
				seen[k] = true
				incl[k] += s.Self
			}
		}
	}
	r.TotalErr = sum - p.Total
	r.Checked++
	if math.Abs(r.TotalErr) > tol {
		fail(r.TotalErr, "total: stacks add up to %.9f s, the profile's total is %.9f s", sum, p.Total)
	}
	for k := range self {
		if p.Funcs[k] == nil && self[k] > tol {
			fail(self[k], "%v: %.9f s of self time in the stacks, but no such function in the profile", k, self[k])
		}
	}
	for k, f := range p.Funcs {
		if disagree[k] {
			// Listed apart: the tree follows the edges for them, and a
			// surplus their callers bring stays in their own boxes.
			continue
		}
		r.Checked++
		e := self[k] - f.TotTime
		r.MaxSelfErr = math.Max(r.MaxSelfErr, math.Abs(e))
		if math.Abs(e) > tol {
			fail(e, "%v: self time %.9f s in the stacks, tottime %.9f s", k, self[k], f.TotTime)
		}
		if p.CountOnly || cyclic[k] {
			continue
		}
		r.Checked++
		e = incl[k] - f.CumTime
		r.MaxInclErr = math.Max(r.MaxInclErr, math.Abs(e))
		if math.Abs(e) > tol {
			fail(e, "%v: inclusive time %.9f s in the stacks, cumtime %.9f s", k, incl[k], f.CumTime)
		}
	}
	sort.SliceStable(fails, func(i, j int) bool { return fails[i].err > fails[j].err })
	for _, f := range fails {
		r.Failures = append(r.Failures, f.msg)
	}
	return r
}

// String summarises r in a few lines, the worst failures first.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d numbers checked, %d off; max self error %.3g s, max inclusive error %.3g s, total error %.3g s; %d functions on recursive cycles, %d disagreeing",
		r.Checked, len(r.Failures), r.MaxSelfErr, r.MaxInclErr, r.TotalErr, r.Cyclic, len(r.Disagreeing))
	for i, f := range r.Failures {
		if i == 10 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(r.Failures)-10)
			break
		}
		b.WriteString("\n  " + f)
	}
	return b.String()
}

// cyclicFuncs returns the functions that can reach themselves through one
// or more calls, found by a search from each function's callees.
func cyclicFuncs(p *Profile) map[Key]bool {
	callees := map[Key][]Key{}
	for k, f := range p.Funcs {
		for c := range f.Callers {
			callees[c] = append(callees[c], k)
		}
	}
	out := map[Key]bool{}
	for k := range p.Funcs {
		seen := map[Key]bool{}
		queue := append([]Key(nil), callees[k]...)
		for len(queue) > 0 {
			x := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if x == k {
				out[k] = true
				break
			}
			if seen[x] {
				continue
			}
			seen[x] = true
			queue = append(queue, callees[x]...)
		}
	}
	return out
}

func norm(k Key) Key {
	if k.File != "~" {
		k.Name = ""
	}
	return k
}

// normalized is p with every function known by norm.
func normalized(p *Profile) *Profile {
	q := &Profile{Total: p.Total, CountOnly: p.CountOnly, Funcs: map[Key]*Func{}}
	for k, f := range p.Funcs {
		g := &Func{Key: norm(k), TotTime: f.TotTime, CumTime: f.CumTime, Callers: map[Key]float64{}}
		for c, v := range f.Callers {
			g.Callers[norm(c)] += v
		}
		if old := q.Funcs[g.Key]; old != nil {
			// Two functions on one line (a lambda in a def): one entry.
			old.TotTime += g.TotTime
			old.CumTime += g.CumTime
			for c, v := range g.Callers {
				old.Callers[c] += v
			}
			continue
		}
		q.Funcs[g.Key] = g
	}
	return q
}
