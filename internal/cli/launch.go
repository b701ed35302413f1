package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"hpp/internal/export"
	"hpp/internal/profile"
	"hpp/internal/pyrun"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
)

// attachWithin bounds the wait for a started program's interpreter to be
// readable: Python starts in tens of milliseconds, a loaded machine or a
// slow disk can make that seconds.
const attachWithin = 10 * time.Second

// pythonName matches an interpreter's name, for the command shape
// py-spy users type: hpp record -- python3 script.py.
var pythonName = regexp.MustCompile(`^python[0-9.]*$`)

// launchCommand splits the program hpp record or hpp top is to start:
// -m MODULE ARGS, SCRIPT ARGS, or either after an interpreter named first
// (python3 script.py ARGS, python3 -m MODULE ARGS), which stands for
// --python. It returns the interpreter to use (python, or the one named)
// and the target; the script is not looked for yet (checkScript).
func launchCommand(cmd, python, module string, args []string) (string, pyrun.Target, error) {
	if module != "" {
		return python, pyrun.Target{Module: module, Args: args}, nil
	}
	if pythonName.MatchString(filepath.Base(args[0])) {
		if _, err := exec.LookPath(args[0]); err == nil {
			if python != "" {
				return "", pyrun.Target{}, Usagef("%s: --python %s and the interpreter %s in the command: name one", cmd, python, args[0])
			}
			python, args = args[0], args[1:]
			switch {
			case len(args) >= 2 && args[0] == "-m":
				return python, pyrun.Target{Module: args[1], Args: args[2:]}, nil
			case len(args) == 0 || args[0] == "-m":
				return "", pyrun.Target{}, Usagef("%s: name the script (or -m MODULE) after %s", cmd, python)
			case strings.HasPrefix(args[0], "-"):
				return "", pyrun.Target{}, Usagef("%s: %s's own options (%s) are not passed on; name the script or -m MODULE right after %s", cmd, python, args[0], python)
			}
		}
	}
	return python, pyrun.Target{Script: args[0], Args: args[1:]}, nil
}

// checkScript says whether the script of t is there to run.
func checkScript(cmd string, t pyrun.Target) error {
	if t.Module != "" {
		return nil
	}
	if fi, err := os.Stat(t.Script); err != nil {
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: %s: no such script (check the path; flags for %s go before it)", cmd, t.Script, cmd)}
	} else if fi.IsDir() {
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: %s: is a directory; name a .py file", cmd, t.Script)}
	}
	return nil
}

// launchName is what a started program's output is named after: the
// script's name without .py, or the module's name.
func launchName(t pyrun.Target) string {
	if t.Module != "" {
		return t.Module
	}
	return strings.TrimSuffix(filepath.Base(t.Script), ".py")
}

// runRecordLaunch is hpp record SCRIPT: start the program, sample it from
// as soon as its interpreter can be read until it ends, write OUT, and
// pass its exit status on.
func runRecordLaunch(ctx context.Context, env *Env, python string, tg pyrun.Target, path string, f export.Format, o sampler.RecordOptions, mode timemode.Mode, idle, nativeIDs, subprocesses bool) error {
	py, _, err := pyrun.Find(python)
	if err != nil {
		return &Error{Code: ExitNoTool, Err: fmt.Errorf("record: %v", err)}
	}
	// Signals: the child forwards SIGINT and SIGTERM to the program, which
	// ends the recording by ending; a second one ends the recording here.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := time.Now()
	child, err := pyrun.Start(py, tg, pyrun.Streams{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr})
	if err != nil {
		return &Error{Code: ExitNoTool, Err: fmt.Errorf("record: starting %s: %v", py, err)}
	}
	stopped := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-sigs:
				if n++; n == 2 {
					close(stopped)
					cancel()
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	pid := child.PID()
	t, err := sampler.AttachStarting(ctx, pid, attachWithin, child.Done())
	switch {
	case errors.Is(err, sampler.ErrExitedEarly) || (err != nil && ctx.Err() != nil):
		// Ended (or stopped by a second Ctrl-C) before it could be
		// read: OUT still says what happened, with no samples.
		var exit pyrun.Exit
		why := "the program ended"
		if ctx.Err() != nil {
			exit = child.Stop(2 * time.Second)
			why = "the recording was stopped"
		} else {
			exit, _ = child.Wait()
		}
		p := profile.NewBuilder(0).Profile()
		p.Samples = &profile.SampleSet{Unit: "samples", PeriodNS: int64(float64(time.Second) / o.Rate), Mode: mode.String()}
		if err := writeFile(path, func(w io.Writer) error {
			return export.Write(w, p, f, export.DefaultOptions())
		}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "hpp record: %s %.0f ms after the program started, before its interpreter could be read: no samples; wrote %s\n",
			why, float64(time.Since(started).Microseconds())/1000, path)
		return exitStatus(exit)
	case err != nil:
		child.Stop(2 * time.Second)
		return dumpError(pid, err)
	}
	err = recordTarget(ctx, env, t, pid, path, f, o, mode, idle, nativeIDs, subprocesses)
	var exit pyrun.Exit
	select {
	case <-stopped:
		exit = child.Stop(2 * time.Second)
	default:
		if err != nil {
			exit = child.Stop(2 * time.Second)
		} else {
			exit, _ = child.Wait() // -d ended the recording: the program runs on
		}
	}
	if err != nil {
		return err
	}
	return exitStatus(exit)
}

// exitStatus passes a program's exit status on as hpp's.
func exitStatus(exit pyrun.Exit) error {
	if exit.Code != 0 {
		return ExitStatus{Code: exit.Code}
	}
	return nil
}
