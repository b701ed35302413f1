package lab

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// SVG draws the report as horizontal bars on a log scale, one panel per
// kernel: the shorter the bar, the faster the way. Wrong and failed
// results get no bar, only their status.
func SVG(r *Report) string {
	const labelW, barW, rowH, pad = 230, 460, 16, 10
	var b strings.Builder
	y := pad
	var body strings.Builder
	for _, k := range r.Kernels {
		var rows []Result
		lo, hi := math.Inf(1), 0.0
		for _, x := range r.Results {
			if x.Kernel != k.Name || x.Status == "skipped" || x.Status == "n/a" {
				continue
			}
			rows = append(rows, x)
			if x.Status == "ok" && x.Median > 0 {
				lo, hi = math.Min(lo, x.Median), math.Max(hi, x.Median)
			}
		}
		if len(rows) == 0 {
			continue
		}
		if hi == 0 {
			lo, hi = 1e-9, 1
		}
		dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if dhi <= dlo {
			dhi = dlo + 1
		}
		xOf := func(t float64) float64 { return labelW + barW*(math.Log10(t)-dlo)/(dhi-dlo) }
		unit := "seconds per run"
		if k.PerCall {
			unit = "seconds per call"
		}
		fmt.Fprintf(&body, `<text x="%d" y="%d" font-weight="bold">%s — %s (%s, log scale)</text>`+"\n",
			pad, y+12, esc(k.Name), esc(k.Title), unit)
		y += 20
		top := y
		for _, x := range rows {
			fmt.Fprintf(&body, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-6, y+12, esc(wayTitle(r, x.Way)))
			if x.Status == "ok" && x.Median > 0 {
				w := xOf(x.Median) - labelW
				fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`,
					labelW, y+2, math.Max(w, 1), rowH-4, colour(r, x.Way), esc(wayTitle(r, x.Way)), secs(x.Median))
				fmt.Fprintf(&body, `<text x="%.1f" y="%d">%s</text>`, labelW+math.Max(w, 1)+4, y+12, secs(x.Median))
			} else {
				fmt.Fprintf(&body, `<text x="%d" y="%d" fill="#b00">%s</text>`, labelW+4, y+12, esc(strings.ToUpper(x.Status)))
			}
			body.WriteString("\n")
			y += rowH
		}
		for d := dlo; d <= dhi; d++ {
			x := xOf(math.Pow(10, d))
			fmt.Fprintf(&body, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" stroke-dasharray="2,2"/>`, x, top, x, y)
			fmt.Fprintf(&body, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x, y+12, secs(math.Pow(10, d)))
		}
		y += 24
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n",
		labelW+barW+90, y+pad)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// colour shades a way by its kind.
func colour(r *Report, way string) string {
	if w := wayByName(way); w != nil {
		switch w.Kind {
		case "python", "threads":
			return "#c44"
		case "process", "engine":
			return "#e90"
		case "array":
			return "#48c"
		case "jit":
			return "#a5c"
		case "parallel":
			return "#2a6"
		}
	}
	return "#5b8"
}
