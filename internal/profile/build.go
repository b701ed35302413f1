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
	return &Builder{index: make(map[Func]FuncID, n), funcs: make([]Function, 0, n)}
}

// Func returns the id of f, adding it if it is new.
func (b *Builder) Func(f Func) FuncID {
	if id, ok := b.index[f]; ok {
		return id
	}
	id := FuncID(len(b.funcs))
	b.index[f] = id
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
	fn.Callers = out
}

// Profile returns the finished profile: listed functions first in entry
// order, then the rest in first-seen order, with edges renumbered.
// TotalTT is summed in that order.
func (b *Builder) Profile() *Profile {
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
	funcs := make([]Function, n)
	for newID, oldID := range order {
		f := b.funcs[oldID]
		for j := range f.Callers {
			f.Callers[j].Caller = perm[f.Callers[j].Caller]
		}
		funcs[newID] = f
	}
	p := &Profile{Funcs: funcs, NumListed: len(b.listed)}
	for i := range funcs[:p.NumListed] {
		p.TotalTT += funcs[i].TotTime
	}
	b.funcs, b.index, b.listed, b.stamp = nil, nil, nil, nil
	return p
}
