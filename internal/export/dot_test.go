package export

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// runDot renders file with Graphviz and fails on any warning.
func runDot(t *testing.T, dot, file, format string) string {
	t.Helper()
	cmd := exec.Command(dot, "-T"+format, file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dot -T%s: %v\n%s", format, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("dot -T%s warns:\n%s", format, stderr.String())
	}
	return stdout.String()
}

// TestDOTRendersWithGraphviz renders the DOT output with Graphviz's dot,
// which must not warn, and reads back the laid-out graph (-Tplain) to
// check that the pruning kept exactly the functions and calls above the
// fractions.
func TestDOTRendersWithGraphviz(t *testing.T) {
	dot := needTool(t, "dot", "graphviz")
	for _, name := range profiles {
		for _, fr := range []struct{ node, edge float64 }{{0.005, 0.001}, {0, 0}, {0.2, 0.1}} {
			t.Run(name, func(t *testing.T) {
				p := load(t, name)
				o := Options{NodeFraction: fr.node, EdgeFraction: fr.edge}
				file := writeTemp(t, name+".dot", convert(t, p, DOT, o))
				runDot(t, dot, file, "svg")
				plain := runDot(t, dot, file, "plain")

				var nodes, edges int
				for _, line := range strings.Split(plain, "\n") {
					switch {
					case strings.HasPrefix(line, "node "):
						nodes++
					case strings.HasPrefix(line, "edge "):
						edges++
					}
				}
				total := p.TotalTT
				in := map[int]bool{}
				for i, f := range p.Listed() {
					if f.CumTime >= fr.node*total {
						in[i] = true
					}
				}
				var wantEdges int
				for i, f := range p.Listed() {
					for _, e := range f.Callers {
						if in[i] && in[int(e.Caller)] && e.CumTime >= fr.edge*total {
							wantEdges++
						}
					}
				}
				if nodes != len(in) || edges != wantEdges {
					t.Errorf("fractions %v: Graphviz laid out %d nodes and %d edges, want %d and %d", fr, nodes, edges, len(in), wantEdges)
				}
			})
		}
	}
	t.Run("names", func(t *testing.T) {
		svg := runDot(t, dot, writeTemp(t, "n.dot", convert(t, load(t, "names"), DOT, DefaultOptions())), "svg")
		for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "say &quot;hi&quot; &amp; &#39;bye&#39;", "größe_ñ_日本", `semi;colon\back`} {
			if !strings.Contains(svg, want) {
				t.Errorf("Graphviz's SVG lacks the label %s", want)
			}
		}
	})
}
