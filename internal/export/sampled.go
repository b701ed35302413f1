package export

import "hpp/internal/profile"

// WithCallGraph returns p with pstats' numbers derived from its samples
// when it has samples and no call graph of its own, for the formats that
// write a call graph (pstats, callgrind, DOT, JSON); any other profile is
// returned as it is. Per function, tottime is the time of the samples
// where it is the leaf and cumtime of those with it anywhere on the stack
// (once per sample, recursion or not); per caller→callee pair of adjacent
// frames, likewise. A sample counts its weight times the sampling period
// (the weight alone when the period is unknown; nanoseconds when the
// unit is). Samples count no calls, so every call count is 0, which
// pstats prints as such.
func WithCallGraph(p *profile.Profile) *profile.Profile {
	s := p.Samples
	if p.NumListed > 0 || s == nil || len(s.Samples) == 0 {
		return p
	}
	scale := 1.0
	switch {
	case s.Unit == "nanoseconds":
		scale = 1e-9
	case s.PeriodNS > 0:
		scale = float64(s.PeriodNS) * 1e-9
	}
	type edgeKey struct{ caller, callee profile.FuncID }
	n := len(p.Funcs)
	own := make([]int64, n)
	cum := make([]int64, n)
	seen := make([]int, n) // 1 + the index of the sample that last counted the function
	edgeOwn := map[edgeKey]int64{}
	edgeCum := map[edgeKey]int64{}
	edgeSeen := map[edgeKey]int{}
	callers := make([][]profile.FuncID, n) // in order of first appearance
	for i := range s.Samples {
		smp := &s.Samples[i]
		st := smp.Stack
		if len(st) == 0 {
			continue
		}
		own[st[0].Func] += smp.Weight
		for j, fr := range st {
			if seen[fr.Func] != i+1 {
				seen[fr.Func] = i + 1
				cum[fr.Func] += smp.Weight
			}
			if j+1 == len(st) {
				break
			}
			k := edgeKey{st[j+1].Func, fr.Func}
			last, ok := edgeSeen[k]
			if !ok {
				callers[fr.Func] = append(callers[fr.Func], k.caller)
			}
			if !ok || last != i+1 {
				edgeSeen[k] = i + 1
				edgeCum[k] += smp.Weight
			}
			if j == 0 {
				edgeOwn[k] += smp.Weight
			}
		}
	}
	b := profile.NewBuilder(n)
	for i := range p.Funcs {
		b.New(p.Funcs[i].Func)
	}
	for i := range p.Funcs {
		if cum[i] == 0 {
			continue
		}
		var edges []profile.Edge
		for _, c := range callers[i] {
			k := edgeKey{c, profile.FuncID(i)}
			edges = append(edges, profile.Edge{Caller: c, Stats: profile.Stats{
				TotTime: float64(edgeOwn[k]) * scale, CumTime: float64(edgeCum[k]) * scale}})
		}
		b.Entry(profile.FuncID(i), profile.Stats{TotTime: float64(own[i]) * scale, CumTime: float64(cum[i]) * scale}, edges)
	}
	q := b.Profile()
	q.Sources = p.Sources
	q.Files = p.Files
	return q
}
