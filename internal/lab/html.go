package lab

import (
	"bytes"
	"html/template"
	"sync"
)

// HTML is a self-contained page with the header, the chart, the tables
// and the conclusions; no script.
func HTML(r *Report) []byte {
	var b bytes.Buffer
	page().Execute(&b, struct {
		R     *Report
		Chart template.HTML
		Rows  func(string) []Result
		Title func(string) string
		Secs  func(float64) string
		Sprd  func(Result) string
		Desc  func(map[string]int) string
		Libs  string
	}{r, template.HTML(SVG(r)), func(k string) []Result {
		var out []Result
		for _, x := range r.Results {
			if x.Kernel == k && x.Status != "skipped" && x.Status != "n/a" {
				out = append(out, x)
			}
		}
		return out
	}, func(w string) string { return wayTitle(r, w) }, secs, spread, describe, libs(r.Libraries)})
	return b.Bytes()
}

// page is parsed on first use, not at every hpp command's start-up.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("lab").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>hpp lab: {{.R.Cores}} cores, Python {{.R.PythonVersion}}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 60em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { padding: 2px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr:nth-child(even) { background: #f4f4f4; }
.bad { color: #b00; }
.busy { color: #b00; font-weight: bold; }
</style></head>
<body>
<h1>hpp lab</h1>
<p>{{.R.Cores}} cores, Python {{.R.PythonVersion}} ({{.R.Python}}){{if .R.PyPyVersion}}, PyPy {{.R.PyPyVersion}}{{end}}.<br>
Libraries: {{.Libs}}.<br>
Size {{.R.Size}}, medians of up to {{.R.Repeat}} repeats after a warm-up, one way at a time; load average
{{printf "%.2f" .R.Load.Before.Load1}} before, {{printf "%.2f" .R.Load.After.Load1}} after.
{{if .R.Load.Busy}}<span class="busy">The machine was busy: treat the times as upper bounds.</span>{{end}}</p>
<h2>What the numbers say</h2>
<ul>{{range .R.Conclusions}}<li>{{.}}</li>{{end}}</ul>
<h2>Times (log scale; shorter is faster)</h2>
<figure role="img" aria-label="bar chart of each way's time per kernel">{{.Chart}}</figure>
<h2>Tables</h2>
{{range .R.Kernels}}{{$k := .}}
<h3>{{.Name}} — {{.Title}} ({{call $.Desc .Args}})</h3>
<table><thead><tr><th>way</th><th>{{if .PerCall}}per call{{else}}time{{end}}</th><th>spread</th><th>speed-up</th><th>start-up</th><th>result</th></tr></thead>
<tbody>{{range call $.Rows .Name}}<tr><td>{{call $.Title .Way}}</td>
{{if eq .Status "ok"}}<td>{{call $.Secs .Median}}</td><td>{{call $.Sprd .}}</td><td>{{if .Speedup}}{{printf "%.2f×" .Speedup}}{{else}}-{{end}}</td><td>{{call $.Secs .Startup}}</td><td>ok</td>
{{else}}<td>-</td><td>-</td><td>-</td><td>-</td><td class="bad">{{.Status}}: {{.Note}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}
{{$skipped := false}}{{range .R.Ways}}{{if .Skipped}}{{$skipped = true}}{{end}}{{end}}
{{if $skipped}}<h2>Skipped</h2><ul>{{range .R.Ways}}{{if .Skipped}}<li>{{.Title}}: {{.Skipped}}</li>{{end}}{{end}}</ul>{{end}}
</body></html>
`))
})
