package machine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pyenvPython returns an installed pyenv interpreter of the given version
// prefix ("3.6"), or skips.
func pyenvPython(t *testing.T, version string) string {
	t.Helper()
	root, err := exec.Command("pyenv", "root").Output()
	if err != nil {
		t.Skipf("pyenv: %v", err)
	}
	m, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(root)), "versions", version+".*", "bin", "python"))
	if len(m) == 0 {
		t.Skipf("no pyenv Python %s", version)
	}
	return m[0]
}

// TestPythonCosts runs the embedded script in real interpreters: the
// oldest supported (3.6, no thread_time, no numpy here), the newest, and
// Debian's with python3-numpy. Physics it must show on any machine: a
// call costs more than the loop around it, and summing floats visited in
// random order costs more per element than in memory order (the memory
// hierarchy, seen from Python).
func TestPythonCosts(t *testing.T) {
	m := &meter{quick: true, progress: func(string) {}}
	for _, name := range []string{"3.6", "3.13", "debian"} {
		t.Run(name, func(t *testing.T) {
			py := "/usr/bin/python3"
			if name != "debian" {
				py = pyenvPython(t, name)
			}
			if _, err := os.Stat(py); err != nil {
				t.Skip(err)
			}
			p, err := measurePython(context.Background(), m, py, -1)
			if err != nil {
				t.Fatal(err)
			}
			ns := map[string]float64{}
			for _, r := range p.Rows {
				if !(r.NS.Median > 0) || r.NS.N != 3 {
					t.Errorf("%s: %+v", r.What, r.NS)
				}
				ns[strings.Fields(r.What)[0]+" "+strings.Fields(r.What)[1]] = r.NS.Median
				if strings.Contains(r.What, "random order") && r.What[:3] == "sum" {
					ns["sum random"] = r.NS.Median
				}
				if strings.Contains(r.What, "memory order") {
					ns["sum ordered"] = r.NS.Median
				}
			}
			if !(ns["function call"] > ns["empty loop"]) {
				t.Errorf("a call (%v ns) should cost more than an empty loop iteration (%v ns)", ns["function call"], ns["empty loop"])
			}
			if !(ns["sum random"] > 1.5*ns["sum ordered"]) {
				t.Errorf("sum over floats in random order %v ns/element, in memory order %v: random should be slower", ns["sum random"], ns["sum ordered"])
			}
			hasNumpy := exec.Command(py, "-c", "import numpy").Run() == nil
			var numpyRows int
			for _, r := range p.Rows {
				if strings.Contains(r.What, "numpy") {
					numpyRows++
				}
			}
			if hasNumpy != (p.Numpy != "") || hasNumpy != (numpyRows == 3) {
				t.Errorf("numpy importable %v, reported %q with %d rows", hasNumpy, p.Numpy, numpyRows)
			}
			if !hasNumpy && !strings.Contains(p.Note, "numpy is not installed") {
				t.Errorf("no note says numpy is missing: %q", p.Note)
			}
		})
	}
	t.Run("2.7 is refused clearly", func(t *testing.T) {
		_, err := measurePython(context.Background(), m, pyenvPython(t, "2.7"), -1)
		if err == nil || !strings.Contains(err.Error(), "3.6 or later") {
			t.Errorf("error %v", err)
		}
	})
}
