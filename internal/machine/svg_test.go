package machine

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// svgElem is an SVG element as the layout checks read it.
type svgElem struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []svgElem  `xml:",any"`
}

func (e svgElem) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (e svgElem) num(name string) float64 { v, _ := strconv.ParseFloat(e.attr(name), 64); return v }

func parseSVG(t *testing.T, s string) []svgElem {
	t.Helper()
	var root svgElem
	if err := xml.Unmarshal([]byte(s), &root); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	return root.Children
}

// textInside checks that every horizontal label fits in the picture,
// estimating a character as 0.62 of the font size (sans-serif's average
// is ~0.55).
func textInside(t *testing.T, name string, els []svgElem) {
	t.Helper()
	for _, e := range els {
		if e.XMLName.Local != "text" || e.attr("transform") != "" {
			continue
		}
		w := 0.62 * e.num("font-size") * float64(utf8.RuneCountInString(e.Text))
		x0 := e.num("x")
		switch e.attr("text-anchor") {
		case "end":
			x0 -= w
		case "middle":
			x0 -= w / 2
		}
		if y := e.num("y"); x0 < 0 || x0+w > plotW || y < e.num("font-size")*0.8 || y > plotH {
			t.Errorf("%s: label %q at x %.0f..%.0f, y %.0f leaves the %dx%d picture", name, e.Text, x0, x0+w, y, plotW, plotH)
		}
	}
}

// TestPlotsLayout checks the plots of a recorded full run for what the
// issue asked: a log-scale bandwidth plot where the slowest bar is still
// visible and no legend covers a bar; a latency plot with a title, a
// line per level and a labelled marker per effective size; no label
// outside the picture. Screenshots in headless Chromium were looked at
// as well; this keeps them from regressing.
func TestPlotsLayout(t *testing.T) {
	r := recorded(t, "full-epyc.json")
	plots := Plots(r)

	bw := parseSVG(t, plots["bandwidth.svg"])
	textInside(t, "bandwidth", bw)
	var bars, legend []svgElem
	for _, e := range bw {
		if e.XMLName.Local != "rect" || e.attr("width") == "" || e.num("width") >= plotW {
			continue
		}
		if len(e.Children) > 0 { // bars carry a <title>
			bars = append(bars, e)
		} else {
			legend = append(legend, e)
		}
	}
	if len(bars) != len(r.Bandwidth.Rows) {
		t.Errorf("%d bars for %d rows", len(bars), len(r.Bandwidth.Rows))
	}
	for _, b := range bars {
		if h := b.num("height"); h < 20 {
			t.Errorf("bar %q is %.1f px tall: not visible", b.Children[0].Text, h)
		}
		for _, l := range legend {
			if l.num("x") < b.num("x")+b.num("width") && b.num("x") < l.num("x")+l.num("width") &&
				l.num("y") < b.num("y")+b.num("height") && b.num("y") < l.num("y")+l.num("height") {
				t.Errorf("legend box at %s,%s covers bar %q", l.attr("x"), l.attr("y"), b.Children[0].Text)
			}
		}
	}

	lat := parseSVG(t, plots["latency.svg"])
	textInside(t, "latency", lat)
	var texts []string
	levelLines, circles := 0, 0
	for _, e := range lat {
		switch e.XMLName.Local {
		case "text":
			texts = append(texts, e.Text)
		case "line":
			if e.attr("stroke-dasharray") == "6 4" {
				levelLines++
			}
		case "circle":
			circles++
		}
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "Memory latency against working-set size") {
		t.Error("latency plot has no title")
	}
	if levelLines != len(r.Latency.Levels) {
		t.Errorf("%d level lines for %d levels", levelLines, len(r.Latency.Levels))
	}
	for _, lv := range r.Latency.Levels {
		if !strings.Contains(all, lv.Name+" "+FormatNs(lv.NS)) {
			t.Errorf("no label for level %s at %s", lv.Name, FormatNs(lv.NS))
		}
		if lv.EffectiveBytes > 0 && !strings.Contains(all, lv.Name+" ≈ "+FormatBytes(lv.EffectiveBytes)) {
			t.Errorf("no marker label for %s's effective size %s", lv.Name, FormatBytes(lv.EffectiveBytes))
		}
	}
	if circles != len(r.Latency.Levels)-1 {
		t.Errorf("%d markers for %d levels", circles, len(r.Latency.Levels))
	}
}
