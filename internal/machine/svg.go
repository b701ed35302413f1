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
	plotW, plotH                   = 760, 420
	padL, padR, padT, padB float64 = 70, 20, 30, 50
)

var seriesColors = []string{"#1f77b4", "#d62728", "#9467bd", "#2ca02c", "#ff7f0e"}

// LatencySVG plots latency against working-set size on log-log axes, with
// sysfs cache sizes as dashed lines and the knees found as circles.
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
	svgOpen(&b, "Memory latency against working-set size")
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
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888" stroke-dasharray="4 3"/>`+"\n", x, padT, x, plotH-padB)
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#555">L%d (sysfs)</text>`+"\n", x+3, padT+12, c.Level)
			}
		}
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
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" fill="%s">%s pages</text>`+"\n", padL+10, padT+16+float64(i)*16, c, html.EscapeString(s.Pages))
	}
	// Knees sit where the curve crosses halfway (log scale) between two
	// levels' latencies, which is how Knees defines them.
	for k, lv := range l.Levels {
		if lv.EffectiveBytes > 0 && k+1 < len(l.Levels) {
			y := math.Sqrt(lv.NS * l.Levels[k+1].NS)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="none" stroke="#000"><title>%s effective size %s</title></circle>`+"\n",
				px(float64(lv.EffectiveBytes)), py(y), html.EscapeString(lv.Name), FormatBytes(lv.EffectiveBytes))
		}
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="12">working set (log scale)</text>`+"\n", (padL+plotW-padR)/2, plotH-10)
	fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle" font-size="12">latency per load (log scale)</text>`+"\n", (padT+plotH-padB)/2)
	b.WriteString("</svg>\n")
	return b.String()
}

// BandwidthSVG draws grouped bars: for each level and thread count, the
// five kinds of access.
func BandwidthSVG(r *Report) string {
	type group struct {
		label string
		vals  map[string]float64
	}
	var groups []*group
	idx := map[string]*group{}
	hi := 0.0
	for _, x := range r.Bandwidth.Rows {
		k := fmt.Sprintf("%s ×%d", x.Level, x.Threads)
		g := idx[k]
		if g == nil {
			g = &group{label: k, vals: map[string]float64{}}
			idx[k] = g
			groups = append(groups, g)
		}
		g.vals[x.Pattern+" "+x.Op] = x.GBps.Median
		hi = math.Max(hi, x.GBps.Median)
	}
	if hi <= 0 || math.IsNaN(hi) {
		return emptySVG("no bandwidth points")
	}
	kinds := []string{"sequential read", "sequential write", "sequential copy", "random read", "random write"}
	step := math.Pow(10, math.Floor(math.Log10(hi)))
	top := math.Ceil(hi/step) * step
	gw := (plotW - padL - padR) / float64(len(groups))
	bw := gw * 0.8 / float64(len(kinds))
	py := func(v float64) float64 { return plotH - padB - v/top*(plotH-padT-padB) }
	var b strings.Builder
	svgOpen(&b, "Memory bandwidth per level")
	for v := 0.0; v <= top+step/2; v += step {
		y := py(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", padL, y, plotW-padR, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="11">%g GB/s</text>`+"\n", padL-6, y+4, v)
	}
	for i, g := range groups {
		gx := padL + float64(i)*gw + gw*0.1
		for k, kind := range kinds {
			v := g.vals[kind]
			if !(v > 0) {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.1f GB/s</title></rect>`+"\n",
				gx+float64(k)*bw, py(v), bw-1, plotH-padB-py(v), seriesColors[k], html.EscapeString(g.label), kind, v)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">%s</text>`+"\n", gx+gw*0.4, plotH-padB+16, html.EscapeString(g.label))
	}
	for k, kind := range kinds {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/><text x="%.1f" y="%.1f" font-size="11">%s</text>`+"\n",
			plotW-padR-150, padT+float64(k)*15, seriesColors[k], plotW-padR-136, padT+float64(k)*15+9, kind)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="12">level × threads</text>`+"\n", (padL+plotW-padR)/2, plotH-10)
	b.WriteString("</svg>\n")
	return b.String()
}

func svgOpen(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(b, `<title>%s</title>`+"\n", html.EscapeString(title))
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", plotW, plotH)
}

func emptySVG(msg string) string {
	var b strings.Builder
	svgOpen(&b, msg)
	fmt.Fprintf(&b, `<text x="20" y="40">%s</text></svg>`+"\n", html.EscapeString(msg))
	return b.String()
}
