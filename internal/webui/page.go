package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"strings"
	"sync"
)

//go:embed html/index.html
var indexHTML []byte

//go:embed html/style.css
var styleCSS []byte

//go:embed html/js/*.js
var scripts embed.FS

// scriptOrder lists the page's script files, each one concern, in the
// order they are inlined: a file uses only what the files before it
// define on the shared hpp object, and app.js starts the page.
var scriptOrder = []string{"model.js", "format.js", "chart.js", "sunburst.js", "table.js", "detail.js", "url.js", "app.js"}

// appJS is the page's script: the files of scriptOrder inlined in order
// inside one strict-mode function, so that the static file stays one
// self-contained page, the CSP allows exactly one script by its hash,
// and nothing needs a build step. It is built on first use, not at
// start-up, so that commands other than the viewer do not pay for it.
var appJS = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	b.WriteString("(() => {\n'use strict';\nconst hpp = {};\n")
	for _, name := range scriptOrder {
		src, err := scripts.ReadFile("html/js/" + name)
		if err != nil {
			panic("webui: embedded script missing: " + name) // a build mistake, caught by every test
		}
		b.WriteString("// ---- " + name + " ----\n")
		b.Write(src)
		b.WriteString("\n")
	}
	b.WriteString("})();\n")
	return b.Bytes()
})

// assemble builds the viewer: the HTML with its style and script inline,
// and data and source texts inline when given (the static file) or
// fetched from /data.json and /source.json when nil (the server). The Content-Security-Policy allows
// exactly that script and style, by hash, and connections only to
// connect (the server itself, or nothing), so that even a string that
// escaped our escaping could not run or send anything anywhere.
func assemble(data, sources []byte, connect string) ([]byte, string) {
	csp := "default-src 'none'; script-src '" + hash(appJS()) + "'; style-src '" + hash(styleCSS) +
		"'; img-src data:; connect-src " + connect + "; base-uri 'none'; form-action 'none'"
	r := strings.NewReplacer(
		"{{CSP}}", csp,
		"{{STYLE}}", string(styleCSS),
		"{{SCRIPT}}", string(appJS()),
	)
	head, tail, _ := bytes.Cut(indexHTML, []byte("{{DATA}}"))
	mid, tail, _ := bytes.Cut(tail, []byte("{{SOURCES}}"))
	var b bytes.Buffer
	b.Grow(len(indexHTML) + len(appJS()) + len(styleCSS) + len(data) + len(sources) + 256)
	b.WriteString(r.Replace(string(head)))
	// data and sources are JSON in which jsonw.AppendString has escaped
	// every <, so they cannot close the script elements that hold them.
	b.Write(data)
	b.WriteString(r.Replace(string(mid)))
	b.Write(sources)
	b.WriteString(r.Replace(string(tail)))
	return b.Bytes(), csp
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(s[:])
}
