// Package callgraph turns a profile into a calling-context tree: exactly,
// from sampled stacks, or as a documented estimate from a call graph
// (cProfile records callers and callees, not stacks).
//
// The estimate (see docs/tree.md):
//
//   - A function's top-level time is the part of its cumulative time that
//     no caller accounts for: cum(f) minus the cumulative time on its
//     incoming edges from other functions (clamped at 0). Functions with
//     top-level time are the roots. Root sizes are scaled so that they add
//     up to the profile's total time.
//   - A node for f of size T gives each callee g, unless g is already on
//     the path from the root (recursion is folded into the outermost
//     call, where cProfile already counts it), a child of size
//     T × ct(f→g) / cum(f): every call to f is assumed to divide its time
//     among callees as all calls to f did together (gprof's assumption).
//   - If the children would add up to more than T they are scaled to fit,
//     so a node is never larger than its parent; what is left of T is the
//     node's self time.
//   - Children smaller than a cutoff fraction of the total are not
//     expanded; their time stays in the parent's self time, so every
//     level still adds up to the total. Roots below the cut-off keep a
//     box without children.
package callgraph

import (
	"sort"

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
	MinFraction float64 // children below this fraction of the total are folded into the parent (default 1e-4)
	MaxDepth    int     // default 256
	MaxNodes    int     // stop expanding past this many nodes (default 2,000,000)
}

// Child is one child produced by Expand.
type Child struct {
	Func  profile.FuncID
	Value float64
}

// Estimator estimates context trees from a call graph.
type Estimator struct {
	p       *profile.Profile
	callees [][]profile.Edge
	scale   float64
	roots   []Child
	total   float64
}

// NewEstimator prepares p's call graph.
func NewEstimator(p *profile.Profile) *Estimator {
	e := &Estimator{p: p, callees: p.Callees()}
	var sum float64
	for i := range p.Funcs[:p.NumListed] {
		f := &p.Funcs[i]
		top := f.CumTime
		for _, c := range f.Callers {
			if int(c.Caller) != i {
				top -= edgeCum(f, c)
			}
		}
		if top > f.CumTime*1e-9 && top > 0 {
			e.roots = append(e.roots, Child{Func: profile.FuncID(i), Value: top})
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

// Total is the sum of the roots' sizes: the profile's total time.
func (e *Estimator) Total() float64 { return e.total }

// Roots returns the top-level functions and their sizes, largest first.
func (e *Estimator) Roots() []Child { return e.roots }

// Expand returns the children of the node for path[len(path)-1] reached
// by path, whose size is value, and the node's self time. Functions on
// path are not repeated. Children are largest first.
func (e *Estimator) Expand(path []profile.FuncID, value float64) ([]Child, float64) {
	if len(path) == 0 {
		return nil, value
	}
	f := path[len(path)-1]
	on := make(map[profile.FuncID]bool, len(path))
	for _, id := range path {
		on[id] = true
	}
	return e.expand(f, value, func(id profile.FuncID) bool { return on[id] })
}

func (e *Estimator) expand(f profile.FuncID, value float64, onPath func(profile.FuncID) bool) ([]Child, float64) {
	cum := e.p.Funcs[f].CumTime
	if cum <= 0 || value <= 0 {
		return nil, value
	}
	var out []Child
	var sum float64
	for _, c := range e.callees[f] {
		ct := edgeCum(&e.p.Funcs[c.Caller], c)
		if onPath(c.Caller) || ct <= 0 {
			continue
		}
		v := value * ct / cum
		out = append(out, Child{Func: c.Caller, Value: v})
		sum += v
	}
	if sum > value {
		k := value / sum
		sum = 0
		for i := range out {
			out[i].Value *= k
			sum += out[i].Value
		}
	}
	sortChildren(out)
	self := value - sum
	if self < 0 {
		self = 0
	}
	return out, self
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
		o.MaxDepth = 256
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = 2_000_000
	}
	min := e.total * o.MinFraction
	onPath := make([]bool, len(e.p.Funcs))
	nodes := 0
	var grow func(n *Node, depth int)
	grow = func(n *Node, depth int) {
		if depth >= o.MaxDepth || nodes >= o.MaxNodes || onPath[n.Func] {
			n.Self = n.Value
			return
		}
		onPath[n.Func] = true
		cs, self := e.expand(n.Func, n.Value, func(id profile.FuncID) bool { return onPath[id] })
		n.Self = self
		for _, c := range cs {
			if c.Value < min || nodes >= o.MaxNodes {
				n.Self += c.Value
				continue
			}
			nodes++
			child := &Node{Func: c.Func, Value: c.Value}
			n.Children = append(n.Children, child)
			grow(child, depth+1)
		}
		onPath[n.Func] = false
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
		if r.Value < min {
			// A root below the cut-off keeps a box, without children,
			// so that the functions at the top still add up to the total.
			child.Self = r.Value
			continue
		}
		grow(child, 1)
	}
	root.Self = e.total - sum
	if root.Self < 0 {
		root.Self = 0
	}
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
