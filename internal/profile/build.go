package profile

// Builder assembles a call-graph Profile from entries that arrive in file
// order, where a function may be named (as a caller) before its own entry.
type Builder struct {
	index  map[Func]FuncID
	funcs  []Function // in first-seen order
	listed []FuncID   // ids in the order their own entries arrived
	// stamp[id] is the 1-based number of the entry whose callers last
	// named id, to find a caller named twice in one entry in O(1).
	stamp []int32
	entry int32
}

// NewBuilder returns a Builder sized for about n functions.
func NewBuilder(n int) *Builder {
	return &Builder{funcs: make([]Function, 0, n), stamp: make([]int32, 0, n), listed: make([]FuncID, 0, n)}
}

// Func returns the id of f, adding it if it is new.
func (b *Builder) Func(f Func) FuncID {
	if b.index == nil {
		b.index = make(map[Func]FuncID, cap(b.funcs))
		for i := range b.funcs {
			b.index[b.funcs[i].Func] = FuncID(i)
		}
	}
	if id, ok := b.index[f]; ok {
		return id
	}
	return b.New(f)
}

// New adds f, which the caller knows to be new, and returns its id. A
// reader that tells functions apart by cheaper keys of its own uses New
// rather than Func, and the Builder then keeps no index of its own.
func (b *Builder) New(f Func) FuncID {
	id := FuncID(len(b.funcs))
	if b.index != nil {
		b.index[f] = id
	}
	b.funcs = append(b.funcs, Function{Func: f})
	b.stamp = append(b.stamp, 0)
	return id
}

// Entry records the function's own numbers and callers. A second entry for
// the same function replaces the first but keeps its place, as a Python
// dict does with a repeated key. Within callers, a repeated caller likewise
// keeps its first place and its last value.
func (b *Builder) Entry(id FuncID, s Stats, callers []Edge) {
	fn := &b.funcs[id]
	if !fn.Listed {
		b.listed = append(b.listed, id)
	}
	fn.Listed = true
	fn.Stats = s
	// A caller named twice in one entry is rare (a file never has it, a
	// garbled one may), so look for one first and copy only if there is.
	b.entry++
	for _, e := range callers {
		if b.stamp[e.Caller] == b.entry {
			fn.Callers = b.dedup(callers)
			return
		}
		b.stamp[e.Caller] = b.entry
	}
	fn.Callers = callers
}

// dedup keeps each caller once, at its first place with its last value.
func (b *Builder) dedup(callers []Edge) []Edge {
	b.entry++
	out := callers[:0]
	for _, e := range callers {
		if b.stamp[e.Caller] == b.entry {
			for j := range out {
				if out[j].Caller == e.Caller {
					out[j] = e
				}
			}
			continue
		}
		b.stamp[e.Caller] = b.entry
		out = append(out, e)
	}
	return out
}

// Profile returns the finished profile: listed functions first in entry
// order, then the rest in first-seen order, with edges renumbered.
// TotalTT is summed in that order.
func (b *Builder) Profile() *Profile {
	p, _ := b.finish()
	return p
}

// finish is Profile, also returning the renumbering it applied
// (perm[old id] is the new id), for sampled stacks to follow.
func (b *Builder) finish() (*Profile, []FuncID) {
	n := len(b.funcs)
	perm := make([]FuncID, n) // old id -> new id
	for i := range perm {
		perm[i] = -1
	}
	order := make([]FuncID, 0, n)
	for _, id := range b.listed {
		perm[id] = FuncID(len(order))
		order = append(order, id)
	}
	for id := range b.funcs {
		if perm[id] < 0 {
			perm[id] = FuncID(len(order))
			order = append(order, FuncID(id))
		}
	}
	funcs := b.funcs
	for i := range funcs {
		for j := range funcs[i].Callers {
			funcs[i].Callers[j].Caller = perm[funcs[i].Callers[j].Caller]
		}
	}
	// Move each function to its new place in place, following the cycles
	// of the permutation: a second array would double the peak memory.
	done := make([]bool, n)
	for start := range funcs {
		if done[start] || order[start] == FuncID(start) {
			continue
		}
		tmp := funcs[start]
		j := start
		for {
			done[j] = true
			k := int(order[j])
			if k == start {
				funcs[j] = tmp
				break
			}
			funcs[j] = funcs[k]
			j = k
		}
	}
	p := &Profile{Funcs: funcs, NumListed: len(b.listed)}
	for i := range funcs[:p.NumListed] {
		p.TotalTT += funcs[i].TotTime
	}
	b.funcs, b.index, b.listed, b.stamp = nil, nil, nil, nil
	return p, perm
}

// add adds p's listed functions, each under key(its Func), as
// pstats.Stats.add adds one Stats to another: a function new to b takes
// the next place with p's numbers and callers, one already listed sums
// (addCallers). Callers that key makes equal within one entry keep the
// first place and the last value, as pstats' dict assignment does. add
// returns p's ids renumbered to b's.
func (b *Builder) add(p *Profile, key func(Func) Func) []FuncID {
	ids := make([]FuncID, len(p.Funcs))
	// Listed functions claim their places in order before anything else,
	// as in the pstats dict; functions only referenced come after.
	for i := range p.Funcs[:p.NumListed] {
		ids[i] = b.Func(key(p.Funcs[i].Func))
	}
	for i := p.NumListed; i < len(p.Funcs); i++ {
		ids[i] = b.Func(key(p.Funcs[i].Func))
	}
	for i := range p.Funcs[:p.NumListed] {
		src := &p.Funcs[i]
		callers := make([]Edge, len(src.Callers))
		for j, e := range src.Callers {
			e.Caller = ids[e.Caller]
			callers[j] = e
		}
		dst := &b.funcs[ids[i]]
		if !dst.Listed {
			b.Entry(ids[i], src.Stats, callers)
			continue
		}
		dst.Stats = dst.Stats.Add(src.Stats)
		dst.Callers = addCallers(dst.Callers, b.dedup(callers))
	}
	return ids
}
