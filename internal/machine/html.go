package machine

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
)

// HTML returns a self-contained page: the terminal report, the plots
// inline, and the measurements as JSON in a script element for whoever
// wants them. It loads nothing from the network.
func HTML(r *Report) []byte {
	var text strings.Builder
	Text(&text, r)
	plots := Plots(r)
	var svgs []template.HTML
	for _, name := range []string{"latency.svg", "bandwidth.svg"} {
		if s, ok := plots[name]; ok {
			// Our own generated markup; every string in it is escaped.
			svgs = append(svgs, template.HTML(s))
		}
	}
	data, _ := json.Marshal(r)
	ghz, l1 := pyScale(r)
	var b bytes.Buffer
	pageTmpl.Execute(&b, struct {
		Report *Report
		Text   string
		SVGs   []template.HTML
		JSON   template.JS
		GHz    float64
		L1     float64
	}{r, text.String(), svgs, template.JS(data), ghz, l1})
	return b.Bytes()
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"fmtNs": FormatNs, "cycles": Cycles,
	"div": func(a, b float64) float64 { return a / b }, "ratio": ratio}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hpp machine{{if .Report.CPU}}: {{.Report.CPU.Model}}{{end}}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 72em; }
pre { background: #f6f6f6; padding: 1em; font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; }
th, td:not(:first-child) { white-space: nowrap; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; }
td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0; }
.side { display: flex; flex-wrap: wrap; gap: 0 3em; align-items: flex-start; }
.side section { flex: 1 1 28em; }
.failed { background: #fdecea; border-left: 4px solid #c62828; padding: 0.5em 1em; }
</style>
</head>
<body>
<h1>hpp machine</h1>
{{range .Report.Failed}}<p class="failed" role="alert"><strong>The {{.Probe}} probe failed:</strong> {{.Error}}</p>
{{end}}<div class="side">
{{if .Report.Summary}}<section><h2>The classic latency table, measured here</h2>
<table>
<tr><th></th><th>classic</th><th>here</th><th>× L1 here</th></tr>
{{range .Report.Summary}}<tr><td>{{.What}}</td><td>{{if .ClassicNS}}{{fmtNs .ClassicNS}}{{else}}-{{end}}</td><td>{{if .NS}}{{fmtNs .NS}}{{else if .Failed}}probe failed{{else}}not measured{{end}}</td><td>{{if .VsL1}}{{printf "%.0f" .VsL1}}{{end}}</td></tr>
{{end}}</table></section>{{end}}
{{with .Report.Python}}<section><h2>Python costs, measured here</h2>
<p>{{.Python}} {{.Version}}{{if .Numpy}}, numpy {{.Numpy}}{{end}}; timeit medians ({{.Timer}}), per call or per element.</p>
<table>
<tr><th></th><th>time</th><th>cycles</th><th>× L1 here</th></tr>
{{range .Rows}}<tr><td>{{.What}}{{if .Note}} <small>({{.Note}})</small>{{end}}</td><td>{{fmtNs .NS.Median}}</td><td>{{if $.GHz}}{{printf "%.0f" (cycles .NS.Median $.GHz)}}{{end}}</td><td>{{if $.L1}}{{ratio (div .NS.Median $.L1)}}{{end}}</td></tr>
{{end}}</table>{{if .Note}}<p>{{.Note}}</p>{{end}}</section>{{end}}
</div>
{{range .SVGs}}<figure>{{.}}</figure>
{{end}}
<h2>Full report</h2>
<pre>{{.Text}}</pre>
<script type="application/json" id="measurements">{{.JSON}}</script>
</body>
</html>
`))
