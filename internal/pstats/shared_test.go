package pstats_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
)

// sharedScript writes a stats dict whose entries share tuple and dict
// objects, with marshal version 4 (3 on Python 3.4 and later writes the
// same refs), which writes an object with more than one reference once and
// a back-reference (TYPE_REF) wherever it appears again. It then prints
// what the interpreter's own pstats reads from the file.
const sharedScript = `
import json, marshal, pstats, sys
path, version = sys.argv[1], int(sys.argv[2])
edge = (2, 1, 0.25, 0.5)            # one caller-numbers tuple
a, b, c = ("a.py", 1, "fa"), ("b.py", 2, "fb"), ("c.py", 3, "fc")
callers = {a: edge, b: edge}         # one callers dict
empty = {}
entry = (3, 2, 0.75, 1.5, {a: edge}) # one entry tuple
st = {
    a: (1, 1, 0.5, 2.0, empty),
    b: entry,
    c: entry,
    ("d.py", 4, "fd"): (4, 4, 1.0, 1.0, callers),
    ("e.py", 5, "fe"): (5, 5, 1.0, 1.0, callers),
    ("f.py", 6, "ff"): (1, 1, 0.125, 0.125, empty),
    ("g.py", 7, "fg"): entry,
}
with open(path, "wb") as f:
    marshal.dump(st, f, version)
s = pstats.Stats(path)
fns = []
for (fl, ln, nm), (cc, nc, tt, ct, cs) in s.stats.items():
    fns.append([fl, ln, nm, cc, nc, tt, ct, [[k[0], k[1], k[2]] + list(v) for k, v in cs.items()]])
json.dump({"total_tt": s.total_tt, "total_calls": s.total_calls, "prim_calls": s.prim_calls, "functions": fns}, sys.stdout)
`

// TestSharedTuples reads files in which marshal wrote back-references to
// caller-numbers tuples, entry tuples and callers dicts seen before, and
// checks the numbers against what each interpreter's pstats reads.
func TestSharedTuples(t *testing.T) {
	for _, py := range pstatstest.Interpreters(t) {
		if py.Path == "" || py.Python2 { // Python 2's marshal writes no refs
			continue
		}
		for _, version := range []string{"3", "4"} {
			t.Run(py.Label+"/v"+version, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), "shared.prof")
				out, err := exec.Command(py.Path, "-c", sharedScript, path, version).Output()
				if err != nil {
					t.Fatalf("%s: %v", py.Path, err)
				}
				var want pstatstest.Stats
				if err := json.Unmarshal(out, &want); err != nil {
					t.Fatalf("%v in %s", err, out)
				}
				p, err := pstats.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				pstatstest.CheckNumbers(t, p, &want, true)
			})
		}
	}
}
