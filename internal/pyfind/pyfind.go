// Package pyfind finds the Python interpreters installed for hpp's
// tests: pyenv's builds of each version (scripts/setup does not install
// them; a test skips a version that is missing) and Debian's python3.
package pyfind

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Debian is Debian's own python3, which every test machine has
// (scripts/apt-packages.txt).
const Debian = "/usr/bin/python3"

// PyenvRoot is $(pyenv root), found without needing pyenv on PATH.
func PyenvRoot() string {
	if r := os.Getenv("PYENV_ROOT"); r != "" {
		return r
	}
	if out, err := exec.Command("pyenv", "root").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".pyenv")
}

// Pyenv returns the bin/python of the installed pyenv build of minor
// ("3.11"; the last in name order if there are several), or "" when
// there is none.
func Pyenv(minor string) string {
	dirs, _ := filepath.Glob(filepath.Join(PyenvRoot(), "versions", minor+".*"))
	for i := len(dirs) - 1; i >= 0; i-- {
		py := filepath.Join(dirs[i], "bin", "python")
		if fi, err := os.Stat(py); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return py
		}
	}
	return ""
}
