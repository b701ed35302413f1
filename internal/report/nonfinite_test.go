package report_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
	"hpp/internal/report"
)

// nonFiniteScript writes a profile whose times are nan, inf and -inf
// (a timer that went wrong, or hand-made stats) and prints what pstats
// prints for it: print_stats, print_callers and print_callees.
const nonFiniteScript = `
import io, json, marshal, pstats, sys
nan, inf = float("nan"), float("inf")
a, b, c, d = ("a.py", 1, "fa"), ("b.py", 2, "fb"), ("c.py", 3, "fc"), ("d.py", 4, "fd")
st = {
    a: (1, 1, nan, inf, {}),
    b: (2, 2, -inf, 0.5, {a: (1, 1, nan, -inf)}),
    c: (3, 3, 0.25, -nan, {a: (1, 1, inf, 0.5), b: (2, 2, -0.0, inf)}),
    d: (0, 0, inf, -inf, {c: (1, 0, -inf, nan)}),
}
with open(sys.argv[1], "wb") as f:
    marshal.dump(st, f)
out = {}
for kind in ("stats", "callers", "callees"):
    buf = io.StringIO()
    getattr(pstats.Stats(sys.argv[1], stream=buf), "print_" + kind)()
    out[kind] = buf.getvalue()
json.dump(out, sys.stdout)
`

// TestNonFinite holds hpp's text for nan, inf and -inf times against
// pstats' byte for byte: Python's "%8.3f" writes nan, inf and -inf where
// Go's writes NaN, +Inf and -Inf.
func TestNonFinite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nonfinite.prof")
	out, err := exec.Command("/usr/bin/python3", "-c", nonFiniteScript, path).Output()
	if err != nil {
		t.Fatalf("python3: %v (apt-get install python3)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	p, err := pstats.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p.Sources = nil
	for kind, print := range map[string]func(*bytes.Buffer) error{
		"stats":   func(b *bytes.Buffer) error { return report.Stats(b, p, report.Select(p, report.Options{})) },
		"callers": func(b *bytes.Buffer) error { return report.Callers(b, p, report.Select(p, report.Options{})) },
		"callees": func(b *bytes.Buffer) error { return report.Callees(b, p, report.Select(p, report.Options{})) },
	} {
		t.Run(kind, func(t *testing.T) {
			var buf bytes.Buffer
			if err := print(&buf); err != nil {
				t.Fatal(err)
			}
			w := want[kind]
			if kind == "stats" {
				w = dropSources(w, 1)
			}
			if got := buf.String(); got != w {
				t.Errorf("text differs from pstats'\n%s", pstatstest.FirstDiff(got, w))
			}
		})
	}
}
