// Package pyrun runs a Python program under cProfile with a chosen
// interpreter, passing its arguments, streams, signals and exit status
// through.
package pyrun

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

//go:embed runner.py
var runner string

// ErrNoPython is returned when the interpreter cannot be found, and
// ErrNotPython when the program found is not a Python with cProfile.
var (
	ErrNoPython  = errors.New("python interpreter not found")
	ErrNotPython = errors.New("not a Python with cProfile")
)

// probe prints a marker only a Python with cProfile can print.
const probe = `import sys, cProfile; sys.stdout.write("hpp-python %d.%d.%d\n" % tuple(sys.version_info[:3]))`

// probeTimeout bounds the probe: an interpreter starts in well under a
// second, a program that is not one may never end.
const probeTimeout = 20 * time.Second

// Find resolves the interpreter, python as given (a name on PATH or a
// path) or python3 when empty, and checks with one quick run that it is a
// Python that has cProfile. It returns the path and the version.
func Find(python string) (path, version string, err error) {
	if python == "" {
		python = "python3"
	}
	path, err = exec.LookPath(python)
	if err != nil {
		return "", "", fmt.Errorf("%w: %s (install it, or pass --python PATH)", ErrNoPython, python)
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-c", probe)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if v, ok := strings.CutPrefix(stdout.String(), "hpp-python "); ok && runErr == nil {
		return path, strings.TrimSpace(v), nil
	}
	var what string
	switch out := strings.TrimSpace(stdout.String() + stderr.String()); {
	case ctx.Err() != nil:
		what = fmt.Sprintf("it did not answer within %v", probeTimeout)
	case runErr != nil && out != "":
		what = fmt.Sprintf("it failed (%v): %s", runErr, firstLine(out))
	case runErr != nil:
		what = fmt.Sprintf("it failed (%v) and printed nothing", runErr)
	case out == "":
		what = "it printed nothing"
	default:
		what = fmt.Sprintf("it printed %q", firstLine(out))
	}
	return "", "", fmt.Errorf("%s is %w: asked for its version, %s (pass --python a Python interpreter, such as python3)", python, ErrNotPython, what)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
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

// Streams are the program's standard streams.
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Exit is how the program ended.
type Exit struct {
	Code   int            // its exit status, or 128+signal when a signal ended it
	Signal syscall.Signal // the signal that ended it, or 0
}

// Run runs t under cProfile with python, writing the profile to out (an
// absolute path that the runner overwrites), with the program's streams,
// and returns how it ended. SIGINT, SIGTERM and SIGHUP sent to this
// process are passed on to the program as they are, so that its own
// handlers run (SIGINT not when hpp is in the terminal's foreground,
// where Ctrl-C reaches the program by itself); the runner writes the profile on SIGINT and, unless the
// program handles it, on SIGTERM. The error is only for a program that
// could not be started.
func Run(python, out string, t Target, s Streams) (Exit, error) {
	cmd := Command(python, out, t)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	sigs := make(chan os.Signal, 4)
	// Caught (not ignored) signals are reset in the child by exec, so
	// Python still installs its own SIGINT handler.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return Exit{}, err
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				if sig == os.Interrupt && inForeground() {
					continue // Ctrl-C: the terminal sent it to the program too
				}
				cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Exit{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}, nil
		}
		return Exit{Code: ee.ExitCode()}, nil
	}
	return Exit{}, err
}
