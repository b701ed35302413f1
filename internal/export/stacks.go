package export

import (
	"math"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
)

// stacks is a profile's calling-context tree in integer units.
type stacks struct {
	// root is the tree in integer units (whole numbers in float64, exact
	// below 2^53: 104 days in nanoseconds), so that every format that
	// writes stacks writes the same numbers and the self values add up
	// exactly to the root's value.
	root *callgraph.Node
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
	var conv func(n *callgraph.Node, start, end float64) *callgraph.Node
	conv = func(n *callgraph.Node, start, end float64) *callgraph.Node {
		out := &callgraph.Node{Func: n.Func, Value: math.Round(end) - math.Round(start)}
		pos := start
		var sum float64
		for _, c := range n.Children {
			ce := math.Min(pos+c.Value*scale, end)
			if ce <= pos {
				continue
			}
			k := conv(c, pos, ce)
			pos = ce
			if k.Value <= 0 {
				continue
			}
			out.Children = append(out.Children, k)
			sum += k.Value
		}
		out.Self = out.Value - sum
		return out
	}
	s.root = conv(t, 0, t.Value*scale)
	s.root = filterTree(p, s.root, o)
	return s
}
