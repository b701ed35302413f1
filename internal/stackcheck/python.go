package stackcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// dumpStats prints a profile's numbers as Python's own pstats reads them,
// in the schema of `hpp stats --json`, so that the checker's truth comes
// from Python rather than from hpp's reader.
const dumpStats = `
import json, math, pstats, sys
st = pstats.Stats(sys.argv[1])
def key(k):
    # hpp names a code object used as a key (the profile module's) this way.
    return [x if isinstance(x, (str, int)) else '<code object %s, file "%s", line %d>' % (x.co_name, x.co_filename, x.co_firstlineno) for x in k]
def num(x):
    return None if isinstance(x, float) and (math.isnan(x) or math.isinf(x)) else x
funcs = []
for k, (cc, nc, tt, ct, callers) in st.stats.items():
    file, line, name = key(k)
    cs = []
    for ck, v in callers.items():
        cf, cl, cn = key(ck)
        if isinstance(v, tuple):
            cs.append({"file": cf, "line": cl, "name": cn, "tottime": num(v[2]), "cumtime": num(v[3])})
        else:
            cs.append({"file": cf, "line": cl, "name": cn, "tottime": None, "cumtime": None})
    funcs.append({"file": file, "line": line, "name": name, "tottime": num(tt), "cumtime": num(ct), "callers": cs})
json.dump({"total_tt": st.total_tt, "functions": funcs}, sys.stdout)
`

// FromPython reads the profile at path with python's pstats.
func FromPython(python, path string) (*Profile, error) {
	out, err := exec.Command(python, "-c", dumpStats, path).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, fmt.Errorf("%s pstats %s: %v\n%s", python, path, err, ee.Stderr)
		}
		return nil, err
	}
	return ParseJSON(out)
}

// Case is a profile made by a real interpreter for the tests.
type Case struct {
	Name   string
	Path   string // the .prof file
	Python string // the interpreter that wrote it (and whose pstats is the truth)
}

// Python is Debian's python3, which has python3-numpy.
const Python = "/usr/bin/python3"

const recursive = `
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def a(n):
    return b(n - 1) if n > 0 else 0
def b(n):
    return a(n - 1) + 1 if n > 0 else 0
def main():
    s = 0
    for i in range(22):
        s += fib(i)
    for i in range(500):
        s += a(60)
    return s
main()
`

const numpyScript = `
import numpy as np
def main():
    a = np.random.rand(200, 200)
    s = 0.0
    for i in range(20):
        s += float((a @ a).sum())
    return s
main()
`

// MakeCases writes, under dir, the profiles the tree tests check: a
// -m json.tool run, an import-heavy numpy script (skipped with a reason
// when numpy is missing), and a recursive program, each profiled by
// Debian's python3 with cProfile; plus the same recursive program under
// the pure-Python profile module, whose edges carry only call counts.
func MakeCases(dir string) ([]Case, []string, error) {
	var cases []Case
	var skipped []string
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(src), 0o644)
		return p
	}
	run := func(name string, args ...string) error {
		out := filepath.Join(dir, name+".prof")
		cmd := exec.Command(Python, append([]string{"-m", "cProfile", "-o", out}, args...)...)
		if name == "profile-module" {
			cmd = exec.Command(Python, append([]string{"-m", "profile", "-o", out}, args...)...)
		}
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, b)
		}
		cases = append(cases, Case{Name: name, Path: out, Python: Python})
		return nil
	}
	var js strings.Builder
	js.WriteString("[")
	for i := 0; i < 3000; i++ {
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, `{"id": %d, "name": "item %d", "tags": ["a", "b", "c"], "x": %d.5}`, i, i, i)
	}
	js.WriteString("]")
	data := write("data.json", js.String())
	if err := run("json.tool", "-m", "json.tool", data, filepath.Join(dir, "out.json")); err != nil {
		return nil, nil, err
	}
	if exec.Command(Python, "-c", "import numpy").Run() == nil {
		if err := run("numpy", write("np_script.py", numpyScript)); err != nil {
			return nil, nil, err
		}
	} else {
		skipped = append(skipped, "numpy script: numpy is not importable by "+Python+" (apt-get install python3-numpy)")
	}
	rec := write("recursive.py", recursive)
	if err := run("recursive", rec); err != nil {
		return nil, nil, err
	}
	if err := run("profile-module", rec); err != nil {
		return nil, nil, err
	}
	return cases, skipped, nil
}

var (
	liveOnce    sync.Once
	liveCases   []Case
	liveSkipped []string
	liveErr     error
)

// Live returns the cases of MakeCases, made once per test binary in a
// temporary folder; a test that calls it fails when they cannot be made,
// skips when Python is missing, and logs what was left out.
func Live(t testing.TB) []Case {
	t.Helper()
	if _, err := os.Stat(Python); err != nil {
		t.Skipf("no %s (apt-get install python3)", Python)
	}
	liveOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hpp-stackcheck-")
		if err != nil {
			liveErr = err
			return
		}
		liveCases, liveSkipped, liveErr = MakeCases(dir)
	})
	if liveErr != nil {
		t.Fatal(liveErr)
	}
	for _, s := range liveSkipped {
		t.Log("not checked: " + s)
	}
	return liveCases
}
