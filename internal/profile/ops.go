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
	m := &merger{index: map[Func]FuncID{}}
	out := &Profile{}
	for _, p := range seq {
		m.add(p)
		out.Sources = append(out.Sources, p.Sources...)
		out.TotalTT += p.TotalTT
		if p.Samples != nil {
			out.Samples = mergeSamples(out.Samples, p.Samples, m.remap)
		}
	}
	m.finish(out)
	return out
}

type merger struct {
	index map[Func]FuncID
	funcs []Function
	remap []FuncID // ids of the profile being added -> merged ids
}

func (m *merger) id(f Func) FuncID {
	if id, ok := m.index[f]; ok {
		return id
	}
	id := FuncID(len(m.funcs))
	m.index[f] = id
	m.funcs = append(m.funcs, Function{Func: f})
	return id
}

func (m *merger) add(p *Profile) {
	m.remap = m.remap[:0]
	// Listed functions claim their places in order before anything else,
	// as in the pstats dict; functions only referenced come after.
	for i := range p.Funcs {
		m.remap = append(m.remap, -1)
		if i < p.NumListed {
			m.remap[i] = m.id(p.Funcs[i].Func)
		}
	}
	for i := p.NumListed; i < len(p.Funcs); i++ {
		m.remap[i] = m.id(p.Funcs[i].Func)
	}
	for i := range p.Funcs[:p.NumListed] {
		src := &p.Funcs[i]
		dst := &m.funcs[m.remap[i]]
		if !dst.Listed {
			dst.Listed = true
			dst.Stats = src.Stats
			dst.Callers = make([]Edge, 0, len(src.Callers))
			for _, e := range src.Callers {
				e.Caller = m.remap[e.Caller]
				dst.Callers = append(dst.Callers, e)
			}
			continue
		}
		dst.Stats = dst.Stats.Add(src.Stats)
		dst.Callers = addCallers(dst.Callers, src.Callers, m.remap)
	}
}

// addCallers is pstats.add_callers: target's callers in order, then the
// source's new ones; shared callers sum (source + target).
func addCallers(target, source []Edge, remap []FuncID) []Edge {
	out := append([]Edge(nil), target...)
	pos := make(map[FuncID]int, len(out))
	for i, e := range out {
		pos[e.Caller] = i
	}
	for _, e := range source {
		e.Caller = remap[e.Caller]
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

func (m *merger) finish(out *Profile) {
	// Listed functions first, keeping their relative order.
	n := len(m.funcs)
	perm := make([]FuncID, n)
	order := make([]FuncID, 0, n)
	for id := range m.funcs {
		if m.funcs[id].Listed {
			perm[id] = FuncID(len(order))
			order = append(order, FuncID(id))
		}
	}
	out.NumListed = len(order)
	for id := range m.funcs {
		if !m.funcs[id].Listed {
			perm[id] = FuncID(len(order))
			order = append(order, FuncID(id))
		}
	}
	out.Funcs = make([]Function, n)
	for newID, oldID := range order {
		f := m.funcs[oldID]
		for j := range f.Callers {
			f.Callers[j].Caller = perm[f.Callers[j].Caller]
		}
		out.Funcs[newID] = f
	}
	if out.Samples != nil {
		for i := range out.Samples.Samples {
			st := out.Samples.Samples[i].Stack
			for j := range st {
				st[j].Func = perm[st[j].Func]
			}
		}
	}
}

func mergeSamples(dst, src *SampleSet, remap []FuncID) *SampleSet {
	if dst == nil {
		dst = &SampleSet{Unit: src.Unit, PeriodNS: src.PeriodNS}
	}
	base := int32(len(dst.Threads))
	dst.Threads = append(dst.Threads, src.Threads...)
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
	ids := make([]FuncID, len(p.Funcs))
	for i := range p.Funcs[:p.NumListed] {
		ids[i] = b.Func(p.Funcs[i].StripDir())
	}
	for i := p.NumListed; i < len(p.Funcs); i++ {
		ids[i] = b.Func(p.Funcs[i].StripDir())
	}
	for i := range p.Funcs[:p.NumListed] {
		f := &p.Funcs[i]
		callers := make([]Edge, 0, len(f.Callers))
		for _, e := range f.Callers {
			e.Caller = ids[e.Caller]
			callers = append(callers, e)
		}
		id := ids[i]
		if b.funcs[id].Listed {
			old := b.funcs[id]
			b.funcs[id].Stats = old.Stats.Add(f.Stats)
			b.funcs[id].Callers = addCallers(old.Callers, dedupLast(callers), identity(len(b.funcs)))
			continue
		}
		b.Entry(id, f.Stats, callers)
	}
	out := b.Profile()
	out.TotalTT = p.TotalTT
	out.Sources = p.Sources
	if p.Samples != nil {
		out.Samples = mergeSamples(nil, p.Samples, ids)
	}
	return out
}

// dedupLast keeps each caller once, at its first place with its last value.
func dedupLast(es []Edge) []Edge {
	pos := map[FuncID]int{}
	out := es[:0]
	for _, e := range es {
		if i, ok := pos[e.Caller]; ok {
			out[i] = e
			continue
		}
		pos[e.Caller] = len(out)
		out = append(out, e)
	}
	return out
}

func identity(n int) []FuncID {
	r := make([]FuncID, n)
	for i := range r {
		r[i] = FuncID(i)
	}
	return r
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
