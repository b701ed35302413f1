package export

import (
	"io"
	"math"

	pprof "github.com/google/pprof/profile"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
	"hpp/internal/timemode"
)

// WritePprof writes a gzipped profile.proto for go tool pprof, Pyroscope
// and Parca. Sampled input keeps its real stacks and source lines. For a
// call graph the samples are the calling contexts of the estimated tree
// (buildStacks), each with its self time, so pprof's flat time of a
// function is its time in the tree and its cum time the time of the
// stacks that contain it; the calls value shares each function's call
// count among its contexts in proportion to their time, so pprof's flat
// calls add up to the count cProfile recorded.
func WritePprof(w io.Writer, p *profile.Profile, o Options) error {
	names := Labels(p)
	out := &pprof.Profile{}
	funcs := make([]*pprof.Function, len(p.Funcs))
	fn := func(id profile.FuncID) *pprof.Function {
		if funcs[id] == nil {
			f := &p.Funcs[id]
			file := f.File
			if f.Builtin() {
				file = ""
			}
			// No SystemName: pprof would take it for a C++ symbol and
			// strip "(...)" and "<...>" from it, and from the name.
			funcs[id] = &pprof.Function{
				ID:        uint64(len(out.Function) + 1),
				Name:      names[id],
				Filename:  file,
				StartLine: int64(f.Line),
			}
			out.Function = append(out.Function, funcs[id])
		}
		return funcs[id]
	}
	type locKey struct {
		fn   profile.FuncID
		line int32
	}
	locs := map[locKey]*pprof.Location{}
	loc := func(id profile.FuncID, line int32) *pprof.Location {
		k := locKey{id, line}
		if l := locs[k]; l != nil {
			return l
		}
		if line == 0 {
			line = int32(p.Funcs[id].Line)
		}
		l := &pprof.Location{
			ID:   uint64(len(out.Location) + 1),
			Line: []pprof.Line{{Function: fn(id), Line: int64(line)}},
		}
		locs[k] = l
		out.Location = append(out.Location, l)
		return l
	}

	if p.Samples != nil && len(p.Samples.Samples) > 0 {
		writeSampledPprof(out, p, o, loc)
	} else {
		s := buildStacks(p, o)
		out.SampleType = []*pprof.ValueType{{Type: "calls", Unit: "count"}, {Type: "time", Unit: "nanoseconds"}}
		out.DefaultSampleType = "time"
		out.PeriodType = &pprof.ValueType{Type: "time", Unit: "nanoseconds"}
		out.Period = 1
		out.DurationNanos = int64(s.root.Value)
		out.Comments = []string{"estimated stacks: cProfile records a call graph, not stacks; see hpp's docs/tree.md"}

		// Each function's calls go to its contexts by their share of
		// its time in the tree; rounding the running sum keeps the
		// per-function totals exact.
		sum := make([]float64, len(p.Funcs))
		callgraph.Walk(s.root, func(_ []profile.FuncID, n *callgraph.Node) { sum[n.Func] += n.Value })
		acc := make([]float64, len(p.Funcs))
		given := make([]int64, len(p.Funcs))
		callgraph.Walk(s.root, func(path []profile.FuncID, n *callgraph.Node) {
			f := n.Func
			acc[f] += n.Value
			var calls int64
			if sum[f] > 0 {
				calls = int64(math.Round(float64(p.Funcs[f].NCalls)*acc[f]/sum[f])) - given[f]
				given[f] += calls
			}
			if n.Self == 0 && calls == 0 {
				return
			}
			stack := make([]*pprof.Location, len(path))
			for i, id := range path {
				stack[len(path)-1-i] = loc(id, 0)
			}
			out.Sample = append(out.Sample, &pprof.Sample{Location: stack, Value: []int64{calls, int64(n.Self)}})
		})
	}
	if err := out.CheckValid(); err != nil {
		return err
	}
	return out.Write(w)
}

func writeSampledPprof(out *pprof.Profile, p *profile.Profile, o Options, loc func(profile.FuncID, int32) *pprof.Location) {
	ss := p.Samples
	timed := ss.Unit == "nanoseconds" || ss.PeriodNS > 0
	out.SampleType = []*pprof.ValueType{{Type: "samples", Unit: "count"}}
	if timed {
		out.SampleType = append(out.SampleType, &pprof.ValueType{Type: "time", Unit: "nanoseconds"})
		out.DefaultSampleType = "time"
	}
	out.PeriodType = &pprof.ValueType{Type: "time", Unit: "nanoseconds"}
	out.Period = ss.PeriodNS
	names := make([]string, len(p.Funcs))
	for i := range p.Funcs {
		names[i] = p.Funcs[i].Func.String()
	}
	for _, smp := range ss.Samples {
		if !keepSample(names, smp.Stack, o) {
			continue
		}
		stack := make([]*pprof.Location, len(smp.Stack))
		for i, fr := range smp.Stack {
			stack[i] = loc(fr.Func, fr.Line)
		}
		s := &pprof.Sample{Location: stack}
		switch {
		case ss.Unit == "nanoseconds":
			s.Value = []int64{1, smp.Weight}
		case timed:
			s.Value = []int64{smp.Weight, smp.Weight * ss.PeriodNS}
		default:
			s.Value = []int64{smp.Weight}
		}
		if smp.Thread >= 0 && int(smp.Thread) < len(ss.Threads) {
			s.Label = map[string][]string{"thread": {ss.Threads[smp.Thread].Name}, "state": {timemode.StateOf(&smp).Label()}}
			s.NumLabel = map[string][]int64{"thread_id": {ss.Threads[smp.Thread].ID}}
			if pi := ss.Threads[smp.Thread].Process; len(ss.Processes) > 0 && pi >= 0 && int(pi) < len(ss.Processes) {
				// pprof -tagfocus=process=... or -tags split by it.
				pr := ss.Processes[pi]
				s.Label["process"] = []string{pr.Command}
				s.NumLabel["pid"] = []int64{pr.PID}
			}
		}
		out.Sample = append(out.Sample, s)
		out.DurationNanos += s.Value[len(s.Value)-1]
	}
}
