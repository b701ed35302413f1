package export

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"hpp/internal/profile"
)

// WriteDOT writes the call graph for Graphviz in gprof2dot's manner: a box
// per function with its name, place, cumulative share (and time), own
// share and call count, filled on gprof2dot's temperature scale by
// cumulative share; an arrow per caller→callee edge labelled with the
// edge's share and time and its call count, drawn thicker and warmer the
// more time it carries. Functions whose cumulative time is below
// NodeFraction of the total, and edges below EdgeFraction, are left out.
func WriteDOT(w io.Writer, p *profile.Profile, o Options) error {
	total := p.TotalTT
	if total <= 0 {
		for i := range p.Funcs[:p.NumListed] {
			total = math.Max(total, p.Funcs[i].CumTime)
		}
	}
	share := func(t float64) float64 {
		if total <= 0 {
			return 0
		}
		return t / total
	}
	names := Labels(p)
	keep := make([]bool, len(p.Funcs))
	for i := range p.Funcs[:p.NumListed] {
		keep[i] = share(p.Funcs[i].CumTime) >= o.NodeFraction
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprint(bw, "digraph {\n"+
		"\tgraph [fontname=\"Helvetica\", nodesep=0.125, ranksep=0.25];\n"+
		"\tnode [fontcolor=white, fontname=\"Helvetica\", height=0, shape=box, style=filled, width=0];\n"+
		"\tedge [fontname=\"Helvetica\"];\n")
	for _, id := range sortedIDs(p) {
		if !keep[id] {
			continue
		}
		f := &p.Funcs[id]
		var label strings.Builder
		label.WriteString(names[id])
		if !f.Builtin() && names[id] == f.Name {
			fmt.Fprintf(&label, "\n%s:%d", f.File, f.Line)
		}
		fmt.Fprintf(&label, "\n%s (%s)\n(%s)\n%s×", percent(share(f.CumTime)), seconds(f.CumTime), percent(share(f.TotTime)), callCount(f.Stats))
		weight := share(f.CumTime)
		c := temperature(weight)
		fmt.Fprintf(bw, "\t%d [color=%q, fontcolor=\"#ffffff\", fontsize=\"%.2f\", label=%s];\n",
			id, c, dotFontSize(weight), dotString(label.String()))
	}
	calls := p.Calls()
	for _, id := range sortedIDs(p) {
		if !keep[id] {
			continue
		}
		for _, e := range calls[id] {
			g := &p.Funcs[e.Callee]
			if int(e.Callee) >= p.NumListed || !keep[e.Callee] {
				continue
			}
			ct := e.CumTime
			if e.CountOnly && g.NCalls > 0 {
				ct = g.CumTime * float64(e.NCalls) / float64(g.NCalls)
			}
			weight := share(ct)
			if weight < o.EdgeFraction {
				continue
			}
			label := fmt.Sprintf("%s\n%s\n%d×", percent(weight), seconds(ct), e.NCalls)
			c := temperature(weight)
			pen := math.Max(weight*4, 0.5)
			fmt.Fprintf(bw, "\t%d -> %d [arrowsize=\"%.2f\", color=%q, fontcolor=%q, fontsize=\"%.2f\", label=%s, labeldistance=\"%.2f\", penwidth=\"%.2f\"];\n",
				id, e.Callee, 0.5*math.Sqrt(pen), c, c, dotFontSize(weight), dotString(label), pen, pen)
		}
	}
	fmt.Fprint(bw, "}\n")
	return bw.Flush()
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

func seconds(t float64) string {
	switch a := math.Abs(t); {
	case a >= 1 || a == 0:
		return strconv.FormatFloat(t, 'f', 3, 64) + " s"
	case a >= 1e-3:
		return strconv.FormatFloat(t*1e3, 'f', 3, 64) + " ms"
	default:
		return strconv.FormatFloat(t*1e6, 'f', 3, 64) + " µs"
	}
}

// callCount is pstats' ncalls column: "n" or "n/p" for recursive calls.
func callCount(s profile.Stats) string {
	if s.NCalls != s.PCalls {
		return strconv.FormatInt(s.NCalls, 10) + "/" + strconv.FormatInt(s.PCalls, 10)
	}
	return strconv.FormatInt(s.NCalls, 10)
}

func dotFontSize(weight float64) float64 { return math.Max(weight*weight*10, 10) }

// temperature is gprof2dot's TEMPERATURE_COLORMAP: from dark blue (hsl
// 2/3, 0.8, 0.25) at weight 0 to saturated red (hsl 0, 1, 0.5) at 1.
func temperature(weight float64) string {
	weight = math.Min(math.Max(weight, 0), 1)
	h := 2.0/3.0 + weight*(0-2.0/3.0)
	s := 0.8 + weight*(1-0.8)
	l := 0.25 + weight*(0.5-0.25)
	var m2 float64
	if l <= 0.5 {
		m2 = l * (s + 1)
	} else {
		m2 = l + s - l*s
	}
	m1 := l*2 - m2
	r := hueToRGB(m1, m2, h+1.0/3.0)
	g := hueToRGB(m1, m2, h)
	b := hueToRGB(m1, m2, h-1.0/3.0)
	byte := func(v float64) int { return int(math.Max(0, math.Min(255, v*255+0.5))) }
	return fmt.Sprintf("#%02x%02x%02x", byte(r), byte(g), byte(b))
}

func hueToRGB(m1, m2, h float64) float64 {
	if h < 0 {
		h++
	} else if h > 1 {
		h--
	}
	switch {
	case h*6 < 1:
		return m1 + (m2-m1)*h*6
	case h*2 < 1:
		return m2
	case h*3 < 2:
		return m1 + (m2-m1)*(2.0/3.0-h)*6
	}
	return m1
}

// dotString quotes s as a DOT string: backslashes and quotes escaped (so
// a name's own "\l" or "\N" stays literal), line breaks as Graphviz's
// "\n", invalid UTF-8 and other control characters replaced, since
// Graphviz warns about both.
func dotString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
