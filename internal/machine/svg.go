package machine

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Plots returns the report's plots as SVG documents keyed by file name:
// latency.svg when latency ran, bandwidth.svg when bandwidth ran. They are
// written by hand so that hpp needs no plotting library.
func Plots(r *Report) map[string]string {
	out := map[string]string{}
	if r.Latency != nil && len(r.Latency.Series) > 0 {
		out["latency.svg"] = LatencySVG(r)
	}
	if r.Bandwidth != nil && len(r.Bandwidth.Rows) > 0 {
		out["bandwidth.svg"] = BandwidthSVG(r)
	}
	return out
}

const (
	plotW, plotH                   = 800, 480
	padL, padR, padT, padB float64 = 70, 120, 60, 56
)

var seriesColors = []string{"#1f77b4", "#d62728", "#9467bd", "#2ca02c", "#ff7f0e"}

// LatencySVG plots latency against working-set size on log-log axes: a
// curve per page size, a dashed horizontal line per level found (its
// latency, labelled in the right margin), a circle at each level's
// effective size (labelled), and sysfs cache sizes as dotted verticals.
func LatencySVG(r *Report) string {
	l := r.Latency
	var xs []float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range l.Series {
		for _, p := range s.Points {
			xs = append(xs, float64(p.Bytes))
			if p.NS.Median > 0 {
				lo, hi = math.Min(lo, p.NS.Median), math.Max(hi, p.NS.Median)
			}
		}
	}
	if len(xs) == 0 || math.IsInf(lo, 0) {
		return emptySVG("no latency points")
	}
	x0, x1 := math.Log2(xs[0]), math.Log2(xs[len(xs)-1])
	for _, x := range xs {
		x0, x1 = math.Min(x0, math.Log2(x)), math.Max(x1, math.Log2(x))
	}
	y0, y1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if y1 <= y0 {
		y1 = y0 + 1
	}
	if x1 <= x0 {
		x1 = x0 + 1
	}
	px := func(b float64) float64 { return padL + (math.Log2(b)-x0)/(x1-x0)*(plotW-padL-padR) }
	py := func(ns float64) float64 {
		return plotH - padB - (math.Log10(ns)-y0)/(y1-y0)*(plotH-padT-padB)
	}
	var b strings.Builder
	svgOpen(&b, "Memory latency against working-set size (random pointer chase)")
	// Grid: decades of ns, powers of 4 of bytes.
	for d := y0; d <= y1; d++ {
		y := py(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", padL, y, plotW-padR, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="11">%s</text>`+"\n", padL-6, y+4, FormatNs(math.Pow(10, d)))
	}
	for e := math.Ceil(x0); e <= x1; e += 2 {
		x := px(math.Pow(2, e))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x, padT, x, plotH-padB)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">%s</text>`+"\n", x, plotH-padB+16, FormatBytes(int64(math.Pow(2, e))))
	}
	if r.CPU != nil {
		for _, c := range r.CPU.dataCaches() {
			if x := px(float64(c.Bytes)); x >= padL && x <= plotW-padR {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="1 3"/>`+"\n", x, padT, x, plotH-padB)
				// The label goes in whichever half the curve is not in there.
				ly, anchor := padT+4, "end"
				if py(latencyAt(l, c.Bytes)) < (padT+plotH-padB)/2 {
					ly, anchor = plotH-padB-4, "start"
				}
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" fill="#666" text-anchor="%s" transform="rotate(-90 %.1f %.1f)">L%d %s (sysfs)</text>`+"\n",
					x-3, ly, anchor, x-3, ly, c.Level, FormatBytes(c.Bytes))
			}
		}
	}
	// A dashed line per level at its latency, labelled in the right
	// margin; labels closer than a line of text are pushed apart.
	type label struct {
		y    float64
		text string
	}
	var labels []label
	for _, lv := range l.Levels {
		if !(lv.NS > 0) {
			continue
		}
		y := py(lv.NS)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555" stroke-dasharray="6 4"/>`+"\n", padL, y, plotW-padR, y)
		labels = append(labels, label{y, lv.Name + " " + FormatNs(lv.NS)})
	}
	for i := len(labels) - 2; i >= 0; i-- { // higher levels sit higher: keep each label below the next
		if labels[i].y < labels[i+1].y+13 {
			labels[i].y = labels[i+1].y + 13
		}
	}
	for _, lb := range labels {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#333">%s</text>`+"\n", plotW-padR+6, lb.y+4, html.EscapeString(lb.text))
	}
	for i, s := range l.Series {
		var pts []string
		for _, p := range s.Points {
			if p.NS.Median > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(float64(p.Bytes)), py(p.NS.Median)))
			}
		}
		c := seriesColors[i%len(seriesColors)]
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", c, strings.Join(pts, " "))
		x := padL + float64(i)*200 // the legend sits between the title and the plot
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/><text x="%.1f" y="%.1f" font-size="12">%s pages (%.0f%% huge)</text>`+"\n",
			x, padT-24, x+20, padT-24, c, x+26, padT-20, html.EscapeString(s.Pages), 100*s.HugeFraction)
	}
	// Knees sit where the curve crosses halfway (log scale) between two
	// levels' latencies, which is how Knees defines them.
	for k, lv := range l.Levels {
		if lv.EffectiveBytes > 0 && k+1 < len(l.Levels) {
			x, y := px(float64(lv.EffectiveBytes)), py(math.Sqrt(lv.NS*l.Levels[k+1].NS))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="#fff" stroke="#000"><title>%s effective size %s</title></circle>`+"\n",
				x, y, html.EscapeString(lv.Name), FormatBytes(lv.EffectiveBytes))
			// The curve rises to the right, so below-right and above-left of
			// a point on it are free; above-left when near the right edge.
			tx, ty, anchor := x+8, y+16, "start"
			if x > plotW-padR-110 {
				tx, ty, anchor = x-8, y-8, "end"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" font-weight="bold" text-anchor="%s">%s ≈ %s</text>`+"\n", tx, ty, anchor, html.EscapeString(lv.Name), FormatBytes(lv.EffectiveBytes))
		}
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="12">working set (log scale); circles: each level's effective size</text>`+"\n", (padL+plotW-padR)/2, plotH-12)
	fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle" font-size="12">latency per load (log scale)</text>`+"\n", (padT+plotH-padB)/2)
	b.WriteString("</svg>\n")
	return b.String()
}

// latencyAt is the first series' latency at the size nearest to bytes.
func latencyAt(l *Latency, bytes int64) float64 {
	best, d := 0.0, math.Inf(1)
	for _, p := range l.Series[0].Points {
		if dd := math.Abs(math.Log(float64(p.Bytes) / float64(bytes))); dd < d && p.NS.Median > 0 {
			best, d = p.NS.Median, dd
		}
	}
	return best
}

// BandwidthSVG draws grouped bars on a log scale, so that L3, RAM and
// random access, a hundred times below L1's sequential reads, stay
// visible: for each level and thread count, the five kinds of access.
// The legend sits above the plot, where it covers no bar.
func BandwidthSVG(r *Report) string {
	type group struct {
		label, size string
		vals        map[string]float64
	}
	var groups []*group
	idx := map[string]*group{}
	lo, hi := math.Inf(1), 0.0
	for _, x := range r.Bandwidth.Rows {
		k := fmt.Sprintf("%s ×%d", x.Level, x.Threads)
		g := idx[k]
		if g == nil {
			g = &group{label: k, size: FormatBytes(x.Bytes), vals: map[string]float64{}}
			idx[k] = g
			groups = append(groups, g)
		}
		if v := x.GBps.Median; v > 0 && !math.IsInf(v, 0) {
			g.vals[x.Pattern+" "+x.Op] = v
			hi, lo = math.Max(hi, v), math.Min(lo, v)
		}
	}
	if hi <= 0 || math.IsNaN(hi) {
		return emptySVG("no bandwidth points")
	}
	kinds := []string{"sequential read", "sequential write", "sequential copy", "random read", "random write"}
	y0, y1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if y1 <= y0 {
		y1 = y0 + 1
	}
	const right = 20.0 // no labels on the right here
	gw := (plotW - padL - right) / float64(len(groups))
	bw := gw * 0.8 / float64(len(kinds))
	py := func(v float64) float64 {
		return plotH - padB - (math.Log10(v)-y0)/(y1-y0)*(plotH-padT-padB)
	}
	var b strings.Builder
	svgOpen(&b, "Memory bandwidth per level, GB/s (log scale)")
	for d := y0; d <= y1; d++ {
		v := math.Pow(10, d)
		for _, m := range []float64{2, 5} {
			if d < y1 {
				y := py(m * v)
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#f0f0f0"/>`+"\n", padL, y, plotW-right, y)
			}
		}
		y := py(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ccc"/>`+"\n", padL, y, plotW-right, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="11">%g GB/s</text>`+"\n", padL-6, y+4, v)
	}
	base := py(math.Pow(10, y0))
	for i, g := range groups {
		gx := padL + float64(i)*gw + gw*0.1
		for k, kind := range kinds {
			v := g.vals[kind]
			if !(v > 0) {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s per thread, %s: %.1f GB/s</title></rect>`+"\n",
				gx+float64(k)*bw, py(v), bw-1, base-py(v), seriesColors[k], html.EscapeString(g.label), g.size, kind, v)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">%s</text>`+"\n", gx+gw*0.4, plotH-padB+15, html.EscapeString(g.label))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="#555">%s</text>`+"\n", gx+gw*0.4, plotH-padB+28, g.size)
	}
	for k, kind := range kinds {
		x := padL + float64(k)*140
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/><text x="%.1f" y="%.1f" font-size="11">%s</text>`+"\n",
			x, padT-22, seriesColors[k], x+14, padT-13, kind)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="12">level × threads, working set per thread</text>`+"\n", (padL+plotW-right)/2, plotH-8)
	b.WriteString("</svg>\n")
	return b.String()
}

func svgOpen(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(b, `<title>%s</title>`+"\n", html.EscapeString(title))
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", plotW, plotH)
	fmt.Fprintf(b, `<text x="%d" y="20" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`+"\n", plotW/2, html.EscapeString(title))
}

func emptySVG(msg string) string {
	var b strings.Builder
	svgOpen(&b, msg)
	fmt.Fprintf(&b, `<text x="20" y="40">%s</text></svg>`+"\n", html.EscapeString(msg))
	return b.String()
}
