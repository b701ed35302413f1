package profile

// Merge combines call-graph profiles the way pstats.Stats(a, b, c) does:
// a first, then the others in reverse order (pstats.add walks its
// arguments reversed), summing numbers of the same function and of the same
// edge. Function order, float sums and Sources follow pstats exactly.
// Sampled stacks are concatenated in the same order.
func Merge(ps ...*Profile) *Profile {
	if len(ps) == 0 {
		return &Profile{}
	}
	if len(ps) == 1 {
		return ps[0]
	}
	seq := []*Profile{ps[0]}
	for i := len(ps) - 1; i >= 1; i-- {
		seq = append(seq, ps[i])
	}
	b := NewBuilder(len(ps[0].Funcs))
	var sources []string
	var total float64
	var samples *SampleSet
	var files []SourceFile
	seen := map[string]bool{}
	for _, p := range seq {
		for _, f := range p.Files {
			if !seen[f.Path] {
				seen[f.Path] = true
				files = append(files, f)
			}
		}
		ids := b.add(p, func(f Func) Func { return f })
		sources = append(sources, p.Sources...)
		total += p.TotalTT
		if p.Samples != nil {
			samples = mergeSamples(samples, p.Samples, ids)
		}
	}
	out, perm := b.finish()
	out.Sources, out.TotalTT, out.Samples = sources, total, renumber(samples, perm)
	out.Files = files
	return out
}

// addCallers is pstats.add_callers: target's callers in order, then the
// source's new ones; shared callers sum (source + target).
func addCallers(target, source []Edge) []Edge {
	out := append([]Edge(nil), target...)
	pos := make(map[FuncID]int, len(out))
	for i, e := range out {
		pos[e.Caller] = i
	}
	for _, e := range source {
		if i, ok := pos[e.Caller]; ok {
			t := out[i]
			sum := t.Stats.Add(e.Stats)
			if e.CountOnly || t.CountOnly {
				sum.TotTime, sum.CumTime = 0, 0
			}
			out[i] = Edge{Caller: e.Caller, Stats: sum, CountOnly: e.CountOnly || t.CountOnly}
			continue
		}
		pos[e.Caller] = len(out)
		out = append(out, e)
	}
	return out
}

// renumber applies perm to the functions of s's stacks, in place.
func renumber(s *SampleSet, perm []FuncID) *SampleSet {
	if s == nil {
		return nil
	}
	for i := range s.Samples {
		st := s.Samples[i].Stack
		for j := range st {
			st[j].Func = perm[st[j].Func]
		}
	}
	return s
}

func mergeSamples(dst, src *SampleSet, remap []FuncID) *SampleSet {
	if dst == nil {
		dst = &SampleSet{Unit: src.Unit, PeriodNS: src.PeriodNS, Mode: src.Mode}
	}
	base := int32(len(dst.Threads))
	pbase := int32(len(dst.Processes))
	for _, t := range src.Threads {
		if len(src.Processes) > 0 {
			t.Process += pbase
		}
		dst.Threads = append(dst.Threads, t)
	}
	dst.Processes = append(dst.Processes, src.Processes...)
	if dst.Mode != src.Mode {
		dst.Mode = ""
	}
	for _, s := range src.Samples {
		st := make([]Frame, len(s.Stack))
		for j, fr := range s.Stack {
			st[j] = Frame{Func: remap[fr.Func], Line: fr.Line}
		}
		s.Stack = st
		if s.Thread >= 0 {
			s.Thread += base
		}
		dst.Samples = append(dst.Samples, s)
	}
	return dst
}

// StripDirs reduces every file name to its base name, as
// pstats.Stats.strip_dirs does: functions that become equal are summed,
// and within one function's callers a later caller that becomes equal to
// an earlier one replaces it (pstats overwrites there rather than adds).
// TotalTT is kept, as pstats keeps it.
func (p *Profile) StripDirs() *Profile {
	b := NewBuilder(len(p.Funcs))
	ids := b.add(p, Func.StripDir)
	out, perm := b.finish()
	out.TotalTT = p.TotalTT
	out.Sources = p.Sources
	if p.Samples != nil {
		out.Samples = renumber(mergeSamples(nil, p.Samples, ids), perm)
	}
	return out
}

// Keep returns a profile with only the listed functions for which keep
// returns true; their callers stay as they were, so functions they name
// remain as unlisted entries. TotalTT is recomputed over what is kept.
func (p *Profile) Keep(keep func(id FuncID) bool) *Profile {
	b := NewBuilder(len(p.Funcs))
	ids := make([]FuncID, len(p.Funcs))
	for i := range ids {
		ids[i] = -1
	}
	for i := range p.Funcs[:p.NumListed] {
		if keep(FuncID(i)) {
			ids[i] = b.Func(p.Funcs[i].Func)
		}
	}
	for i := range p.Funcs[:p.NumListed] {
		if ids[i] < 0 {
			continue
		}
		f := &p.Funcs[i]
		callers := make([]Edge, len(f.Callers))
		for j, e := range f.Callers {
			if ids[e.Caller] < 0 {
				ids[e.Caller] = b.Func(p.Funcs[e.Caller].Func)
			}
			e.Caller = ids[e.Caller]
			callers[j] = e
		}
		b.Entry(ids[i], f.Stats, callers)
	}
	out := b.Profile()
	out.Sources = p.Sources
	return out
}
