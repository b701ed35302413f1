package pstats_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"hpp/internal/pstats"
)

// realisticScript writes, with marshal, a profile shaped like those of
// real programs rather than like scripts/genprof.py's: about 150 bytes a
// function (the corpus has 120, a profile of importing the standard
// library 152), file paths longer than 32 bytes, each written in full,
// and many functions sharing a name (__init__, get, ...).
const realisticScript = `
import marshal, random, sys
rng = random.Random(7)
n = int(sys.argv[1])
keys = []
for i in range(n):
    path = "/usr/lib/python3/dist-packages/pkg%d/module_%d.py" % (i // 3000, i // 40)
    name = rng.choice(["get", "set", "run", "_helper", "__init__", "visit", "parse"]) + "_%d" % (i % 97)
    keys.append((path, 10 + (i % 40) * 25, name))
keys = list(dict.fromkeys(keys))
st = {}
for k in keys:
    callers = {}
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
        c = keys[rng.randrange(len(keys))]
        callers[c] = (rng.randrange(1, 50), rng.randrange(1, 50), rng.random(), rng.random())
    nc = rng.randrange(1, 1000)
    st[k] = (nc, nc, rng.random(), rng.random() * 2, callers)
with open(sys.argv[2], "wb") as f:
    marshal.dump(st, f)
`

// TestParseGarbage checks that the reader allocates little beyond the
// profile it returns and the tables it needs while reading: hpp stats runs
// with the collector off, so every byte allocated (a slice regrown from a
// too small estimate, a name copied for a lookup) stays in its peak RSS.
func TestParseGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "real.prof")
	if out, err := exec.Command("/usr/bin/python3", "-c", realisticScript, "30000", path).CombinedOutput(); err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	p, err := pstats.Parse(data)
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m2)
	runtime.KeepAlive(p)
	runtime.KeepAlive(data)
	alloc, live := m1.TotalAlloc-m0.TotalAlloc, m2.HeapAlloc-m0.HeapAlloc
	t.Logf("%d functions from %d bytes: allocated %d KB, %d KB still in use", p.NumListed, len(data), alloc>>10, live>>10)
	// Before the estimate of functions matched real files and lookups
	// stopped copying long names, this took 2.9 times the profile.
	if alloc > live*22/10 {
		t.Errorf("the reader allocated %d KB for a profile of %d KB: more than 2.2 times", alloc>>10, live>>10)
	}
}
