package export

import (
	"math"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
)

// node is one calling context with integer values, so that every format
// that writes stacks writes the same numbers and the leaves' self values
// add up exactly to the root's value.
type node struct {
	fn       profile.FuncID // -1 for the synthetic root
	value    int64          // inclusive
	self     int64          // value minus the children's values
	children []*node
}

// stacks is a profile's calling-context tree in integer units.
type stacks struct {
	root *node
	// unit is "nanoseconds" for a call graph and for stacks sampled with
	// a time weight, "samples" for stacks weighted by count.
	unit string
	// estimated is set when the tree was estimated from a call graph.
	estimated bool
}

// buildStacks returns p's tree (callgraph.For: exact from samples, the
// documented estimate from a call graph) with values in integer units.
// Positions, not sizes, are rounded: each box spans [round(start),
// round(end)) of the total, so children never exceed their parent and
// the root's value is the profile's total rounded once.
func buildStacks(p *profile.Profile, o Options) *stacks {
	s := &stacks{unit: "nanoseconds"}
	scale := 1e9
	if p.Samples != nil && len(p.Samples.Samples) > 0 {
		scale = 1
		if p.Samples.Unit != "nanoseconds" {
			s.unit = "samples"
		}
	} else {
		s.estimated = true
	}
	t := callgraph.For(p, callgraph.Options{})
	var conv func(n *callgraph.Node, start, end float64) *node
	conv = func(n *callgraph.Node, start, end float64) *node {
		out := &node{fn: n.Func, value: int64(math.Round(end)) - int64(math.Round(start))}
		pos := start
		var sum int64
		for _, c := range n.Children {
			ce := math.Min(pos+c.Value*scale, end)
			if ce <= pos {
				continue
			}
			k := conv(c, pos, ce)
			pos = ce
			if k.value <= 0 {
				continue
			}
			out.children = append(out.children, k)
			sum += k.value
		}
		out.self = out.value - sum
		return out
	}
	s.root = conv(t, 0, t.Value*scale)
	s.root = filterTree(p, s.root, o)
	return s
}

// walk calls fn for every node below the root, depth first, with the path
// of functions from the top to the node (root excluded).
func (s *stacks) walk(fn func(path []profile.FuncID, n *node)) {
	var path []profile.FuncID
	var walk func(n *node)
	walk = func(n *node) {
		path = append(path, n.fn)
		fn(path, n)
		for _, c := range n.children {
			walk(c)
		}
		path = path[:len(path)-1]
	}
	for _, c := range s.root.children {
		walk(c)
	}
}
