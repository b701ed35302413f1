package pyext

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuntimeCDeclaresWhatItUses compiles runtime.c with the real C
// compiler against the headers of each Python at hand, under the limited
// API as hpp build does for 3.11+: there Python.h no longer includes
// stdio.h or stdlib.h, and a call without a declaration is an error with
// GCC 14 and Clang 16 (made one here for older compilers too).
func TestRuntimeCDeclaresWhatItUses(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("gcc is needed: apt-get install gcc")
	}
	pys := []string{"/usr/bin/python3"}
	if root, err := exec.Command("pyenv", "root").Output(); err == nil {
		m, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(root)), "versions", "3.1[1-9].*", "bin", "python3"))
		pys = append(pys, m...)
	}
	for _, py := range pys {
		out, err := exec.Command(py, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])").Output()
		if err != nil {
			t.Fatalf("%s: %v", py, err)
		}
		inc := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(inc, "Python.h")); err != nil {
			t.Logf("%s: no Python.h, skipped", py)
			continue
		}
		for _, api := range []string{"", "-DPy_LIMITED_API=0x030b0000"} {
			args := []string{"-fsyntax-only", "-Wall", "-Werror=implicit-function-declaration", "-I", inc, "-I", "."}
			if api != "" {
				args = append(args, api)
			}
			b, err := exec.Command(gcc, append(args, "runtime.c")...).CombinedOutput()
			if err != nil {
				t.Errorf("%s %s: runtime.c does not compile: %v\n%s", py, api, err, b)
			}
		}
	}
}
