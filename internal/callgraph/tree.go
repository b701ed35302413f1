// Package callgraph turns a profile into a calling-context tree: exactly,
// from sampled stacks, or as a documented estimate from a call graph
// (cProfile records callers and callees, not stacks).
//
// The estimate keeps cProfile's own numbers (docs/tree.md): every
// function's self time over all its boxes is its tottime, every function
// outside a recursive cycle is inside boxes worth its cumtime, and the
// roots add up to the total. It rests on one fact about cProfile: each
// caller→callee pair's time is counted at that pair's outermost call, so
// once each recursive cycle (a strongly connected component of the call
// graph) is seen as one node, the numbers are consistent — the time
// entering a component is its members' tottime plus the time of the
// edges leaving it (its work, W).
//
//   - Roots: a component's top-level time is its work minus the edges
//     entering it; components with top-level time are roots, drawn at the
//     member called at the top (the one with the most cumulative time not
//     covered by callers outside the cycle).
//   - A box of a function f outside a cycle, of size V, gives each callee
//     g a child of V × ct(f→g) / W(f) and keeps V × tt(f) / W(f) as self
//     time (gprof's proportional assumption).
//   - A box that enters a cycle at member e draws the cycle once as a
//     tree: each other member hangs under the member that reaches it by
//     the widest path of edges from e (an import chain reads as a chain).
//     Each member's box gets its tottime and the edges it makes out of
//     the cycle, in proportion V / W(cycle); times inside are estimated.
//   - A box smaller than a cut-off fraction of the total is drawn without
//     children (its whole value is its self time).
package callgraph

import (
	"math"
	"sort"
	"sync"

	"hpp/internal/profile"
)

// Node is one calling context: a function reached by one path.
type Node struct {
	Func     profile.FuncID
	Value    float64 // inclusive size of this box: always ≤ the parent's
	Self     float64 // Value minus the children's Values
	Children []*Node // largest first
}

// Options bound the expansion of an estimated tree.
type Options struct {
	MinFraction float64 // boxes below this fraction of the total get no children (default 1e-4)
	MaxDepth    int     // default 512
	MaxNodes    int     // stop expanding past this many nodes (default 2,000,000)
}

// Child is one child produced by Expand.
type Child struct {
	Func  profile.FuncID
	Value float64
}

// Estimator estimates context trees from a call graph.
type Estimator struct {
	p     *profile.Profile
	g     *Graph
	work  []float64 // W of each component: its tottime and edges out, or what enters it if more
	own   []float64 // tottime and edges out alone
	roots []Child
	total float64

	mu     sync.Mutex
	trees  map[profile.FuncID]*cycleTree // by entry member
	cached int                           // members in trees, kept under maxCached
}

// maxCached bounds the memory of drawn cycles: past it, the cache starts
// again (a drawing costs O(m log m) for a cycle of m functions).
const maxCached = 1 << 22

// cycleTree is a recursive cycle drawn from one entry member, indexed
// by the members' places in Graph.Members.
type cycleTree struct {
	kidOff []int32          // kids of member i are kids[kidOff[i]:kidOff[i+1]]
	kids   []profile.FuncID // largest first
	weight []float64        // the member's subtree: tottime and edges leaving the cycle
}

// NewEstimator prepares p's call graph.
func NewEstimator(p *profile.Profile) *Estimator {
	g := NewGraph(p)
	e := &Estimator{p: p, g: g, trees: map[profile.FuncID]*cycleTree{}}
	nc := len(g.Size)
	e.work = make([]float64, nc)
	in := make([]float64, nc)
	for f := range p.Funcs {
		c := g.Comp[f]
		e.work[c] += p.Funcs[f].TotTime
		for _, a := range g.Arcs(profile.FuncID(f)) {
			if d := g.Comp[a.To]; d != c {
				e.work[c] += a.Weight
				in[d] += a.Weight
			}
		}
	}
	// The member of a cycle called at the top level: the most cumulative
	// time not covered by callers outside the cycle.
	head := make([]profile.FuncID, nc)
	best := make([]float64, nc)
	for i := range head {
		head[i] = -1
	}
	for f := range p.Funcs {
		c := g.Comp[f]
		u := p.Funcs[f].CumTime
		for _, ed := range p.Funcs[f].Callers {
			if g.Comp[ed.Caller] != c {
				u -= edgeCum(&p.Funcs[f], ed)
			}
		}
		if head[c] < 0 || u > best[c] {
			head[c], best[c] = profile.FuncID(f), u
		}
	}
	// A component whose callers bring more than its work (cProfile's
	// numbers disagreeing) keeps the surplus as self time, so that its
	// callees still get exactly their edges' time.
	e.own = append([]float64(nil), e.work...)
	for c := range e.work {
		e.work[c] = max(e.work[c], in[c])
	}
	var sum float64
	for c := 0; c < nc; c++ {
		top := e.work[c] - in[c]
		if top > 1e-7*e.work[c] && top > 0 {
			e.roots = append(e.roots, Child{Func: head[c], Value: top})
			sum += top
		}
	}
	e.total = p.TotalTT
	if sum > 0 && e.total > 0 {
		for i := range e.roots {
			e.roots[i].Value *= e.total / sum
		}
	} else {
		e.total = sum
	}
	sortChildren(e.roots)
	return e
}

// Graph returns the call graph the estimate is drawn from.
func (e *Estimator) Graph() *Graph { return e.g }

// Total is the sum of the roots' sizes: the profile's total time.
func (e *Estimator) Total() float64 { return e.total }

// Roots returns the top-level functions and their sizes, largest first.
func (e *Estimator) Roots() []Child { return e.roots }

// Disagreements lists the functions outside recursive cycles whose
// numbers cProfile itself does not make add up: their cumtime differs
// from tottime plus the edges out, or the edges in exceed it, by more
// than a millionth of the total. The tree follows the edges for them.
func (e *Estimator) Disagreements() []profile.FuncID {
	var out []profile.FuncID
	tol := 1e-6 * math.Abs(e.total)
	in := make([]float64, len(e.p.Funcs))
	for f := range e.p.Funcs[:e.p.NumListed] {
		for _, ed := range e.p.Funcs[f].Callers {
			if int(ed.Caller) != f {
				in[f] += edgeCum(&e.p.Funcs[f], ed)
			}
		}
	}
	for f := range e.p.Funcs[:e.p.NumListed] {
		c := e.g.Comp[f]
		if e.g.Cyclic[c] {
			continue
		}
		ct := e.p.Funcs[f].CumTime
		if math.Abs(ct-e.own[c]) > tol || in[f]-ct > tol {
			out = append(out, profile.FuncID(f))
		}
	}
	return out
}

// Expand returns the children of the node for path[len(path)-1] reached
// by path, whose size is value, and the node's self time. Children are
// largest first.
func (e *Estimator) Expand(path []profile.FuncID, value float64) ([]Child, float64) {
	if len(path) == 0 {
		return nil, value
	}
	f := path[len(path)-1]
	entry := f
	c := e.g.Comp[f]
	for i := len(path) - 2; i >= 0 && e.g.Comp[path[i]] == c; i-- {
		entry = path[i]
	}
	return e.expand(f, entry, value)
}

// expand is the rule of the package comment for a box of f, of size
// value, inside the drawing of f's component entered at entry.
func (e *Estimator) expand(f, entry profile.FuncID, value float64) ([]Child, float64) {
	c := e.g.Comp[f]
	var out []Child
	var w float64
	if e.g.Cyclic[c] {
		t := e.cycle(entry)
		m := e.g.Local[f]
		w = t.weight[m]
		if f == entry {
			w = e.work[c]
		}
		for _, k := range t.kids[t.kidOff[m]:t.kidOff[m+1]] {
			out = append(out, Child{Func: k, Value: t.weight[e.g.Local[k]]})
		}
	} else {
		w = e.work[c]
	}
	if w <= 0 || value <= 0 {
		return nil, value
	}
	start := len(out)
	for _, a := range e.g.Arcs(f) {
		if e.g.Comp[a.To] != c && a.Weight > 0 {
			out = append(out, Child{Func: a.To, Value: a.Weight})
		}
	}
	sortChildren(out[start:])
	k := value / w
	var sum float64
	for i := range out {
		out[i].Value *= k
		sum += out[i].Value
	}
	if e.g.Cyclic[c] {
		sortChildren(out)
	}
	// Rounding must not let the children outgrow the box.
	if sum > value {
		s := value / sum
		for i := range out {
			out[i].Value *= s
		}
		sum = value
	}
	// Self time is tottime × k; anything cProfile's numbers leave over
	// (a function disagreeing with itself) stays in the box too, so that
	// the box adds up.
	self := max(value-sum, 0)
	return out, self
}

// cycle returns the drawing of entry's component entered at entry.
func (e *Estimator) cycle(entry profile.FuncID) *cycleTree {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t := e.trees[entry]; t != nil {
		return t
	}
	t := e.widestTree(entry)
	if e.cached += len(t.weight); e.cached > maxCached {
		clear(e.trees)
		e.cached = len(t.weight)
	}
	e.trees[entry] = t
	return t
}

// widestTree hangs every member of entry's component under the member
// from which the widest path of edges inside the component reaches it
// (the path whose smallest edge is largest; ties: fewer hops, then the
// lower function index), and sums each member's subtree weight.
func (e *Estimator) widestTree(entry profile.FuncID) *cycleTree {
	g := e.g
	c := g.Comp[entry]
	members := g.Members(c)
	n := len(members)
	width := make([]float64, n)
	hops := make([]int32, n)
	parent := make([]int32, n)
	done := make([]bool, n)
	for i := range parent {
		parent[i], width[i] = -1, -1
	}
	root := g.Local[entry]
	width[root] = math.Inf(1)
	order := make([]int32, 0, n)
	q := &widestQueue{items: []widestItem{{m: root, f: entry, width: math.Inf(1)}}}
	for len(q.items) > 0 {
		it := q.pop()
		if done[it.m] || it.width != width[it.m] || it.hops != hops[it.m] {
			continue
		}
		done[it.m] = true
		order = append(order, it.m)
		for _, a := range g.Arcs(it.f) {
			if g.Comp[a.To] != c || a.To == it.f {
				continue
			}
			m := g.Local[a.To]
			if done[m] {
				continue
			}
			wd := math.Min(it.width, a.Weight)
			h := it.hops + 1
			if wd > width[m] || (wd == width[m] && (h < hops[m] || (h == hops[m] && it.f < members[parent[m]]))) {
				width[m], hops[m], parent[m] = wd, h, it.m
				q.push(widestItem{m: m, f: a.To, width: wd, hops: h})
			}
		}
	}
	t := &cycleTree{weight: make([]float64, n), kidOff: make([]int32, n+1)}
	for _, m := range order {
		f := members[m]
		own := e.p.Funcs[f].TotTime
		for _, a := range g.Arcs(f) {
			if g.Comp[a.To] != c {
				own += a.Weight
			}
		}
		t.weight[m] = own
	}
	for i := len(order) - 1; i > 0; i-- {
		m := order[i]
		t.weight[parent[m]] += t.weight[m]
		t.kidOff[parent[m]+1]++
	}
	for i := 0; i < n; i++ {
		t.kidOff[i+1] += t.kidOff[i]
	}
	t.kids = make([]profile.FuncID, t.kidOff[n])
	fill := append([]int32(nil), t.kidOff[:n]...)
	for _, m := range order[1:] {
		p := parent[m]
		t.kids[fill[p]] = members[m]
		fill[p]++
	}
	for i := 0; i < n; i++ {
		ks := t.kids[t.kidOff[i]:t.kidOff[i+1]]
		sort.SliceStable(ks, func(a, b int) bool {
			wa, wb := t.weight[g.Local[ks[a]]], t.weight[g.Local[ks[b]]]
			if wa != wb {
				return wa > wb
			}
			return ks[a] < ks[b]
		})
	}
	return t
}

type widestItem struct {
	m     int32 // place in the component
	f     profile.FuncID
	width float64
	hops  int32
}

// widestQueue is a binary heap of widestItems, widest first.
type widestQueue struct{ items []widestItem }

func (a *widestItem) before(b *widestItem) bool {
	if a.width != b.width {
		return a.width > b.width
	}
	if a.hops != b.hops {
		return a.hops < b.hops
	}
	return a.f < b.f
}

func (q *widestQueue) push(it widestItem) {
	q.items = append(q.items, it)
	h := q.items
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].before(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *widestQueue) pop() widestItem {
	h := q.items
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].before(&h[m]) {
			m = l
		}
		if r < len(h) && h[r].before(&h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	q.items = h
	return top
}

func sortChildren(cs []Child) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Value > cs[j].Value })
}

// Tree expands the whole estimated tree under a synthetic root whose
// Func is -1 and whose Value is the total.
func (e *Estimator) Tree(o Options) *Node {
	if o.MinFraction <= 0 {
		o.MinFraction = 1e-4
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 512
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = 2_000_000
	}
	min := e.total * o.MinFraction
	nodes := 0
	var grow func(n *Node, entry profile.FuncID, depth int)
	grow = func(n *Node, entry profile.FuncID, depth int) {
		n.Self = n.Value
		if depth >= o.MaxDepth || nodes >= o.MaxNodes || n.Value < min {
			return
		}
		cs, self := e.expand(n.Func, entry, n.Value)
		n.Self = self
		for _, c := range cs {
			if nodes >= o.MaxNodes || c.Value <= 0 {
				n.Self += c.Value
				continue
			}
			nodes++
			child := &Node{Func: c.Func, Value: c.Value}
			n.Children = append(n.Children, child)
			ce := c.Func
			if e.g.Comp[c.Func] == e.g.Comp[n.Func] {
				ce = entry
			}
			grow(child, ce, depth+1)
		}
	}
	root := &Node{Func: -1, Value: e.total}
	var sum float64
	for _, r := range e.roots {
		if r.Value <= 0 {
			continue
		}
		nodes++
		child := &Node{Func: r.Func, Value: r.Value}
		root.Children = append(root.Children, child)
		sum += r.Value
		grow(child, r.Func, 1)
	}
	root.Self = max(e.total-sum, 0)
	return root
}

// FromSamples builds the exact tree of p's sampled stacks, weighted by
// sample weight, under a synthetic root (Func -1).
func FromSamples(s *profile.SampleSet) *Node {
	root := &Node{Func: -1}
	type key struct {
		parent *Node
		f      profile.FuncID
	}
	index := map[key]*Node{}
	for _, smp := range s.Samples {
		w := float64(smp.Weight)
		n := root
		n.Value += w
		for i := len(smp.Stack) - 1; i >= 0; i-- {
			f := smp.Stack[i].Func
			c := index[key{n, f}]
			if c == nil {
				c = &Node{Func: f}
				index[key{n, f}] = c
				n.Children = append(n.Children, c)
			}
			c.Value += w
			n = c
		}
		n.Self += w
	}
	var order func(n *Node)
	order = func(n *Node) {
		sort.SliceStable(n.Children, func(i, j int) bool { return n.Children[i].Value > n.Children[j].Value })
		for _, c := range n.Children {
			order(c)
		}
	}
	order(root)
	return root
}

// Walk calls fn for every node below root in depth-first order with the
// path of functions from the top (root excluded) to the node.
func Walk(root *Node, fn func(path []profile.FuncID, n *Node)) {
	var path []profile.FuncID
	var walk func(n *Node)
	walk = func(n *Node) {
		path = append(path, n.Func)
		fn(path, n)
		for _, c := range n.Children {
			walk(c)
		}
		path = path[:len(path)-1]
	}
	for _, c := range root.Children {
		walk(c)
	}
}

// For returns p's tree: exact when p has sampled stacks, else estimated.
func For(p *profile.Profile, o Options) *Node {
	if p.Samples != nil && len(p.Samples.Samples) > 0 {
		return FromSamples(p.Samples)
	}
	return NewEstimator(p).Tree(o)
}
