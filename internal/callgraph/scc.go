package callgraph

import "hpp/internal/profile"

// Graph is a profile's call graph in compact form: each function's callee
// arcs, weighted by the cumulative time of the calls along them, and the
// graph's strongly connected components.
type Graph struct {
	off  []int32 // arcs of f are arcs[off[f]:off[f+1]]
	arcs []Arc
	// Comp is the strongly connected component of each function;
	// components are numbered in reverse topological order (a callee's
	// component never has a higher number than its caller's, unless both
	// are the same).
	Comp []int32
	// Cyclic is true for a component of more than one function, or of one
	// function that calls itself: a recursive cycle.
	Cyclic []bool
	// Size is the number of functions in each component.
	Size []int32
	// Local is each function's place in Members(Comp[f]).
	Local   []int32
	memOff  []int32
	members []profile.FuncID
}

// Members returns the functions of component c, in index order.
func (g *Graph) Members(c int32) []profile.FuncID { return g.members[g.memOff[c]:g.memOff[c+1]] }

// Arc is one caller→callee edge seen from the caller.
type Arc struct {
	To     profile.FuncID
	Weight float64 // the edge's cumulative time (estimated from its call count for the profile module)
}

// NewGraph builds p's call graph and its components.
func NewGraph(p *profile.Profile) *Graph {
	n := len(p.Funcs)
	g := &Graph{off: make([]int32, n+1)}
	for i := range p.Funcs[:p.NumListed] {
		for _, e := range p.Funcs[i].Callers {
			g.off[e.Caller+1]++
		}
	}
	for i := 0; i < n; i++ {
		g.off[i+1] += g.off[i]
	}
	g.arcs = make([]Arc, g.off[n])
	fill := make([]int32, n)
	copy(fill, g.off[:n])
	// Arcs of a caller in callee order, then in the order the callee
	// lists its callers: deterministic, and the order pstats shows.
	for i := range p.Funcs[:p.NumListed] {
		f := &p.Funcs[i]
		for _, e := range f.Callers {
			g.arcs[fill[e.Caller]] = Arc{To: profile.FuncID(i), Weight: edgeCum(f, e)}
			fill[e.Caller]++
		}
	}
	g.components()
	g.balanceCounts(p)
	return g
}

// balanceCounts gives the edges that carry only a call count (the
// profile module) times that keep every component's books balanced, so
// that the tree still gives each function its tottime: callees before
// callers (components are numbered that way), a component's work is its
// members' tottime plus its edges out, and what enters it is shared
// among its count-only callers, and the calls no caller made, by their
// numbers of calls. Edges inside a cycle keep the estimate of edgeCum;
// they only shape the drawing.
func (g *Graph) balanceCounts(p *profile.Profile) {
	any := false
	for i := range p.Funcs[:p.NumListed] {
		for _, e := range p.Funcs[i].Callers {
			any = any || e.CountOnly
		}
	}
	if !any {
		return
	}
	nc := len(g.Size)
	members := make([][]int32, nc)
	for f, c := range g.Comp {
		members[c] = append(members[c], int32(f))
	}
	// Where each count-only edge's arc sits, to set its weight.
	arcAt := make(map[[2]int32]int32)
	for f := range g.Comp {
		for j := g.off[f]; j < g.off[f+1]; j++ {
			arcAt[[2]int32{int32(f), int32(g.arcs[j].To)}] = j
		}
	}
	for c := 0; c < nc; c++ {
		var work, realIn, counted, top float64
		for _, m := range members[c] {
			fn := &p.Funcs[m]
			work += fn.TotTime
			for _, a := range g.Arcs(profile.FuncID(m)) {
				if g.Comp[a.To] != int32(c) {
					work += a.Weight
				}
			}
			calls := float64(fn.NCalls)
			for _, e := range fn.Callers {
				calls -= float64(e.NCalls)
				if g.Comp[e.Caller] == int32(c) {
					continue
				}
				if e.CountOnly {
					counted += float64(e.NCalls)
				} else {
					realIn += e.CumTime
				}
			}
			top += max(calls, 0)
		}
		left := max(work-realIn, 0)
		if counted+top <= 0 {
			continue
		}
		for _, m := range members[c] {
			for _, e := range p.Funcs[m].Callers {
				if e.CountOnly && g.Comp[e.Caller] != int32(c) {
					g.arcs[arcAt[[2]int32{int32(e.Caller), m}]].Weight = left * float64(e.NCalls) / (counted + top)
				}
			}
		}
	}
}

// Arcs returns f's callee arcs.
func (g *Graph) Arcs(f profile.FuncID) []Arc { return g.arcs[g.off[f]:g.off[f+1]] }

// edgeCum is the cumulative time of the calls along edge c into callee.
// The profile module records only a count there; its time is estimated as
// the callee's cumulative time times the edge's share of the callee's
// calls.
func edgeCum(callee *profile.Function, c profile.Edge) float64 {
	if !c.CountOnly {
		return c.CumTime
	}
	if callee.NCalls <= 0 {
		return 0
	}
	return callee.CumTime * float64(c.NCalls) / float64(callee.NCalls)
}

// components is Tarjan's algorithm, iterative so that a deep call graph
// cannot overflow the stack.
func (g *Graph) components() {
	n := len(g.off) - 1
	const unvisited = -1
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = unvisited
	}
	g.Comp = make([]int32, n)
	var stack []int32
	type frame struct {
		v    int32
		next int32 // next arc to look at
	}
	var calls []frame
	next := int32(0)
	for s := 0; s < n; s++ {
		if index[s] != unvisited {
			continue
		}
		calls = append(calls, frame{v: int32(s), next: g.off[s]})
		index[s], low[s] = next, next
		next++
		stack = append(stack, int32(s))
		onStack[s] = true
		for len(calls) > 0 {
			top := &calls[len(calls)-1]
			v := top.v
			if top.next < g.off[v+1] {
				w := int32(g.arcs[top.next].To)
				top.next++
				if index[w] == unvisited {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{v: w, next: g.off[w]})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				if u := calls[len(calls)-1].v; low[v] < low[u] {
					low[u] = low[v]
				}
			}
			if low[v] != index[v] {
				continue
			}
			c := int32(len(g.Size))
			size := int32(0)
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				g.Comp[w] = c
				size++
				if w == v {
					break
				}
			}
			g.Size = append(g.Size, size)
			g.Cyclic = append(g.Cyclic, size > 1)
		}
	}
	for f := 0; f < n; f++ {
		for _, a := range g.Arcs(profile.FuncID(f)) {
			if int(a.To) == f {
				g.Cyclic[g.Comp[f]] = true
			}
		}
	}
	nc := len(g.Size)
	g.memOff = make([]int32, nc+1)
	for c, s := range g.Size {
		g.memOff[c+1] = g.memOff[c] + s
	}
	g.members = make([]profile.FuncID, n)
	g.Local = make([]int32, n)
	fill := append([]int32(nil), g.memOff[:nc]...)
	for f := 0; f < n; f++ {
		c := g.Comp[f]
		g.Local[f] = fill[c] - g.memOff[c]
		g.members[fill[c]] = profile.FuncID(f)
		fill[c]++
	}
}
