package export

import (
	"hpp/internal/callgraph"
	"hpp/internal/profile"
)

// Focus and ignore follow pprof's meaning wherever stacks exist: --focus
// keeps the stacks that pass through a matching function (the time of
// its callers outside those stacks is dropped), --ignore drops every
// stack that passes through a matching function. For the formats that
// write a call graph (callgrind, dot, pstats, json), --focus keeps the
// matching functions with everything that calls them, directly or not,
// and everything they call; --ignore then removes the matching functions.
// Patterns match pstats' name for a function, file:line(name).

// filterTree applies o's focus and ignore to a tree and recomputes the
// values above what was removed.
func filterTree(p *profile.Profile, root *callgraph.Node, o Options) *callgraph.Node {
	if o.Focus == nil && o.Ignore == nil {
		return root
	}
	names := make([]string, len(p.Funcs))
	for i := range p.Funcs {
		names[i] = p.Funcs[i].Func.String()
	}
	match := func(re interface{ MatchString(string) bool }, fn profile.FuncID) bool {
		return fn >= 0 && re.MatchString(names[fn])
	}
	var rec func(n *callgraph.Node, under bool) *callgraph.Node
	rec = func(n *callgraph.Node, under bool) *callgraph.Node {
		if o.Ignore != nil && match(o.Ignore, n.Func) {
			return nil
		}
		in := under || o.Focus == nil || match(o.Focus, n.Func)
		kids := n.Children[:0]
		var sum float64
		for _, c := range n.Children {
			if k := rec(c, in); k != nil && k.Value > 0 {
				kids = append(kids, k)
				sum += k.Value
			}
		}
		n.Children = kids
		if !in {
			n.Self = 0
		}
		n.Value = n.Self + sum
		if n.Value == 0 && n.Func >= 0 {
			return nil
		}
		return n
	}
	if r := rec(root, false); r != nil {
		return r
	}
	return &callgraph.Node{Func: -1}
}

// keepSample reports whether a sampled stack passes o's focus and ignore.
func keepSample(names []string, st []profile.Frame, o Options) bool {
	focused := o.Focus == nil
	for _, fr := range st {
		if o.Ignore != nil && o.Ignore.MatchString(names[fr.Func]) {
			return false
		}
		if !focused && o.Focus.MatchString(names[fr.Func]) {
			focused = true
		}
	}
	return focused
}

// filterGraph applies o's focus and ignore to a call graph.
func filterGraph(p *profile.Profile, o Options) *profile.Profile {
	if o.Focus == nil && o.Ignore == nil {
		return p
	}
	n := p.NumListed
	keep := make([]bool, n)
	if o.Focus == nil {
		for i := range keep {
			keep[i] = true
		}
	} else {
		calls := p.Calls()
		var seeds []profile.FuncID
		for i := 0; i < n; i++ {
			if o.Focus.MatchString(p.Funcs[i].Func.String()) {
				seeds = append(seeds, profile.FuncID(i))
			}
		}
		// Up through callers, down through callees, each from the seeds.
		reach := func(next func(profile.FuncID) []profile.FuncID) {
			seen := make([]bool, len(p.Funcs))
			stack := append([]profile.FuncID(nil), seeds...)
			for _, s := range seeds {
				seen[s] = true
			}
			for len(stack) > 0 {
				f := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if int(f) < n {
					keep[f] = true
				}
				for _, g := range next(f) {
					if !seen[g] {
						seen[g] = true
						stack = append(stack, g)
					}
				}
			}
		}
		reach(func(f profile.FuncID) []profile.FuncID {
			var out []profile.FuncID
			if int(f) < n {
				for _, e := range p.Funcs[f].Callers {
					out = append(out, e.Caller)
				}
			}
			return out
		})
		reach(func(f profile.FuncID) []profile.FuncID {
			var out []profile.FuncID
			for _, c := range calls[f] {
				out = append(out, c.Callee)
			}
			return out
		})
	}
	if o.Ignore != nil {
		for i := range keep {
			if keep[i] && o.Ignore.MatchString(p.Funcs[i].Func.String()) {
				keep[i] = false
			}
		}
	}
	out := p.Keep(func(id profile.FuncID) bool { return keep[id] })
	// Keep names dropped callers as unlisted functions; edges from them
	// would point outside the kept graph, so drop them too.
	for i := range out.Funcs[:out.NumListed] {
		f := &out.Funcs[i]
		kept := f.Callers[:0]
		for _, e := range f.Callers {
			if int(e.Caller) < out.NumListed {
				kept = append(kept, e)
			}
		}
		f.Callers = kept
	}
	return out
}
