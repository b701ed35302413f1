package export

import (
	"bufio"
	_ "embed"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
)

// The flame graph's behaviour and look, written for this SVG (no build
// step), embedded so the output stands alone.
var (
	//go:embed flame.js
	flameJS string
	//go:embed flame.css
	flameCSS string
)

// Flame graph geometry, in SVG user units (pixels at 100%).
const (
	svgWidth    = 1200.0
	svgPad      = 10.0
	svgTop      = 54.0 // title and controls
	svgBottom   = 34.0 // details line
	frameHeight = 16.0
	fontSize    = 12.0
	// Frames narrower than this are not drawn, as flamegraph.pl's
	// --minwidth: they could not be seen or clicked, and on a large
	// profile they would make the file huge. A dropped frame's time reads
	// as its parent's self time, so the width is small enough (4e-6 of
	// the total) that a function with hundreds of tiny callees keeps its
	// tottime within docs/tree.md's 0.5% (0.1 px broke that on a numpy
	// import: re's _parse 1.0 ms against 0.58). 30k functions: 1.1 MB.
	minWidth = 0.005
)

// WriteSVG writes a self-contained interactive flame graph: the widest
// box at the bottom is the whole profile, each box above sits on its
// caller and is as wide as its share of the time. Hovering shows a box's
// details, clicking zooms into it, Ctrl-F or the Search control
// highlights matching names (a ?s=REGEX in the URL does it on load).
// Every profile string is XML-escaped and the script sets text only
// through textContent, so names cannot inject markup.
func WriteSVG(w io.Writer, p *profile.Profile, o Options) error {
	s := buildStacks(p, o)
	names := Labels(p)
	total := int64(s.root.Value)
	inner := svgWidth - 2*svgPad
	depth := 0
	callgraph.Walk(s.root, func(path []profile.FuncID, n *callgraph.Node) {
		if n.Value/float64(max(total, 1))*inner >= minWidth {
			depth = max(depth, len(path))
		}
	})
	height := svgTop + float64(depth+1)*frameHeight + svgBottom
	title := o.Title
	if title == "" {
		title = "Flame graph"
	}
	what := "time"
	if s.unit == "samples" {
		what = "samples"
	}
	note := ""
	if s.estimated {
		note = " · stacks estimated from cProfile's call graph (hpp docs/tree.md)"
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" data-pad="%g" data-font="%g" data-unit="%s" data-total="%d">
<style type="text/css"><![CDATA[
%s]]></style>
<script type="text/ecmascript"><![CDATA[
%s]]></script>
<rect class="bg" x="0" y="0" width="100%%" height="100%%"/>
<text id="title" x="%g" y="24">%s</text>
<text id="subtitle" x="%g" y="42">%s</text>
<text id="unzoom" class="control hide" x="%g" y="24">Reset zoom</text>
<text id="search" class="control" x="%g" y="24" text-anchor="end">Search</text>
<text id="matched" x="%g" y="%g" text-anchor="end"></text>
<text id="details" x="%g" y="%g"> </text>
<g id="frames">
`, svgWidth, height, svgWidth, height, svgPad, fontSize, what, total,
		flameCSS, flameJS,
		svgWidth/2, xmlEscape(title),
		svgWidth/2, xmlEscape(fmt.Sprintf("total %s%s", formatValue(total, s.unit), note)),
		svgPad, svgWidth-svgPad,
		svgWidth-svgPad, height-12,
		svgPad, height-12)

	var b []byte
	frame := func(label, tip string, fx, fw float64, d int, color string) {
		x := svgPad + fx*inner
		wd := fw * inner
		y := height - svgBottom - float64(d+1)*frameHeight
		b = b[:0]
		b = fmt.Appendf(b, `<g class="f" data-x="%.6g" data-w="%.6g" data-d="%d"><title>`, fx, fw, d)
		b = append(b, xmlEscape(label)...)
		b = append(b, '\n')
		b = append(b, xmlEscape(tip)...)
		b = fmt.Appendf(b, `</title><rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s"/><text x="%.2f" y="%.1f">`,
			x, y, wd, frameHeight-1, color, x+3, y+frameHeight-4.5)
		b = append(b, xmlEscape(fitText(label, wd))...)
		b = append(b, "</text></g>\n"...)
		bw.Write(b)
	}
	share := func(v int64) string {
		if total == 0 {
			return "0%"
		}
		return strconv.FormatFloat(100*float64(v)/float64(total), 'f', 2, 64) + "%"
	}
	frame("all", fmt.Sprintf("%s, 100%%", formatValue(total, s.unit)), 0, 1, 0, "rgb(200,200,200)")

	// Lay boxes out left to right in the tree's order (largest first).
	var walk func(n *callgraph.Node, d int, x int64)
	walk = func(n *callgraph.Node, d int, x int64) {
		fx := float64(x) / float64(max(total, 1))
		fw := n.Value / float64(max(total, 1))
		if fw*inner < minWidth {
			return
		}
		f := &p.Funcs[n.Func]
		where := "built-in"
		if !f.Builtin() {
			where = f.File + ":" + strconv.Itoa(f.Line)
		}
		tip := fmt.Sprintf("%s\n%s (%s), self %s (%s)", where, formatValue(int64(n.Value), s.unit), share(int64(n.Value)), formatValue(int64(n.Self), s.unit), share(int64(n.Self)))
		frame(names[n.Func], tip, fx, fw, d, flameColor(names[n.Func], f.Builtin()))
		cx := x
		for _, c := range n.Children {
			walk(c, d+1, cx)
			cx += int64(c.Value)
		}
	}
	x := int64(0)
	for _, c := range s.root.Children {
		walk(c, 1, x)
		x += int64(c.Value)
	}
	fmt.Fprint(bw, "</g>\n</svg>\n")
	return bw.Flush()
}

// formatValue prints a value of the stacks' unit for people.
func formatValue(v int64, unit string) string {
	if unit == "samples" {
		return strconv.FormatInt(v, 10) + " samples"
	}
	return seconds(float64(v) / 1e9)
}

// fitText shortens a label to what fits in a box of width px, as the
// script does after a zoom.
func fitText(s string, px float64) string {
	n := int(px / (fontSize * 0.59))
	if n < 3 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-2]) + ".."
}

// flameColor picks flamegraph.pl's "hot" palette by a hash of the name,
// so a function has the same colour everywhere; built-ins are orange.
func flameColor(name string, builtin bool) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	v := h.Sum32()
	v1 := float64(v&0xff) / 255
	v2 := float64(v>>8&0xff) / 255
	v3 := float64(v>>16&0xff) / 255
	if builtin {
		return fmt.Sprintf("rgb(%d,%d,%d)", 230+int(25*v1), 140+int(50*v2), int(40*v3))
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", 205+int(50*v3), int(230*v1), int(55*v2))
}

// xmlEscape makes s safe as XML character data or attribute value:
// markup characters escaped, invalid UTF-8 and the characters XML 1.0
// forbids replaced by U+FFFD.
func xmlEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
