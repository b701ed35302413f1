// Package pyrun runs a Python program under cProfile with a chosen
// interpreter, passing its arguments, streams and exit status through.
package pyrun

import (
	_ "embed"
	"errors"
	"fmt"
	"os/exec"
)

//go:embed runner.py
var runner string

// ErrNoPython is returned when the interpreter cannot be found.
var ErrNoPython = errors.New("python interpreter not found")

// Find resolves the interpreter: python as given (a name on PATH or a
// path), or python3 when empty.
func Find(python string) (string, error) {
	if python == "" {
		python = "python3"
	}
	path, err := exec.LookPath(python)
	if err != nil {
		return "", fmt.Errorf("%w: %s (install it, or pass --python PATH)", ErrNoPython, python)
	}
	return path, nil
}

// Target is what to run: a script path, or a module name for -m.
type Target struct {
	Script string
	Module string
	Args   []string
}

// Command returns the command that runs t under cProfile with python,
// writing the profile to out (an absolute path). The runner is passed
// with -c, so the program keeps its standard input.
func Command(python, out string, t Target) *exec.Cmd {
	mode, target := "script", t.Script
	if t.Module != "" {
		mode, target = "module", t.Module
	}
	args := append([]string{"-c", runner, out, mode, target}, t.Args...)
	return exec.Command(python, args...)
}
