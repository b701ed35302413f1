// Package pyrun runs a Python program with a chosen interpreter, under
// cProfile (Run) or on its own for a sampler that reads it from outside
// (Start), passing its arguments, streams, signals and exit status
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
	c, err := start(Command(python, out, t), s)
	if err != nil {
		return Exit{}, err
	}
	return c.Wait()
}

// Child is a Python program started by Start, running on its own: hpp
// record and hpp top read it from outside.
type Child struct {
	cmd  *exec.Cmd
	sigs chan os.Signal
	done chan struct{}
	exit Exit
	err  error
}

// Start starts t with python as python itself would run it (python
// SCRIPT ARGS, python -m MODULE ARGS), with the program's streams, and
// returns at once. SIGINT, SIGTERM and SIGHUP sent to this process are
// passed on to the program while it runs, as Run does. The error is only
// for a program that could not be started.
func Start(python string, t Target, s Streams) (*Child, error) {
	args := append([]string{t.Script}, t.Args...)
	if t.Module != "" {
		args = append([]string{"-m", t.Module}, t.Args...)
	}
	return start(exec.Command(python, args...), s)
}

func start(cmd *exec.Cmd, s Streams) (*Child, error) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	c := &Child{cmd: cmd, sigs: make(chan os.Signal, 4), done: make(chan struct{})}
	// Caught (not ignored) signals are reset in the child by exec, so
	// Python still installs its own SIGINT handler.
	signal.Notify(c.sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	if err := cmd.Start(); err != nil {
		signal.Stop(c.sigs)
		return nil, err
	}
	waited := make(chan struct{})
	go func() {
		untilExited(cmd.Process.Pid)
		c.exit, c.err = exitOf(cmd.Wait())
		close(waited)
	}()
	go func() {
		defer close(c.done)
		defer signal.Stop(c.sigs)
		for {
			select {
			case sig := <-c.sigs:
				if sig == os.Interrupt && inForeground() {
					continue // Ctrl-C: the terminal sent it to the program too
				}
				cmd.Process.Signal(sig)
			case <-waited:
				return
			}
		}
	}()
	return c, nil
}

// PID is the program's process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Done is closed once the program has ended and been reaped.
func (c *Child) Done() <-chan struct{} { return c.done }

// Wait waits for the program to end and returns how it ended.
func (c *Child) Wait() (Exit, error) {
	<-c.done
	return c.exit, c.err
}

// Stop ends the program: SIGINT, so that it can clean up, then SIGKILL
// if it has not ended within grace. It returns how the program ended.
func (c *Child) Stop(grace time.Duration) Exit {
	select {
	case <-c.done:
		return c.exit
	default:
	}
	c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(grace):
		c.cmd.Process.Kill()
		<-c.done
	}
	return c.exit
}

// exitOf turns what exec.Cmd.Wait returned into how the program ended.
func exitOf(err error) (Exit, error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Exit{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}, nil
		}
		return Exit{Code: ee.ExitCode()}, nil
	}
	return Exit{}, err
}
