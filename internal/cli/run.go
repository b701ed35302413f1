package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"hpp/internal/outfile"
	"hpp/internal/pstats"
	"hpp/internal/pyrun"
	"hpp/internal/report"
	"hpp/internal/webui"
)

var runCommand = &Command{
	Name:      "run",
	UsageLine: "run [--python PY] [-o OUT.prof] [--sort KEY] [--limit N] [--view] (SCRIPT | -m MODULE) [ARGS...]",
	Short:     "run a Python program under cProfile, write its profile and print the report",
	StopAfter: []string{"m"},
	Long: `Run runs a Python script (or a module with -m) under cProfile with the
chosen interpreter (default: python3 on PATH), writes the profile, then
prints the top of the report to stderr. It is 'python -m cProfile -o
OUT SCRIPT' and 'hpp stats OUT' in one step.

Everything after the script name (or -m MODULE) belongs to the program:
its arguments, standard input, standard output and exit status pass
through untouched (the report goes to stderr, so the program's stdout
can still be piped). A program that raises, exits with sys.exit, or is
stopped with Ctrl-C still leaves its profile. SIGTERM sent to hpp is
passed on as SIGTERM: a program with its own handler handles it, and
one without still leaves its profile and ends as SIGTERM ends it. A
program that leaves through os._exit or replaces itself with exec
leaves no profile; hpp says so and passes its exit status through.
Only the process that started profiling writes the profile: a forked
child does not overwrite its parent's.

The profile goes to -o, or by default next to the script with .prof for
.py (fib.py -> fib.prof), or to MODULE.prof in the current directory.
It is replaced only once the new profile is complete, and hpp refuses
to replace the script itself or any existing file that is not a
profile. An -o that cannot be written is reported before the run.

Examples:
  hpp run examples/fib.py 25
  hpp run --python python3.12 -o out.prof -m http.server --help
  hpp run --sort tottime --limit 10 myscript.py --its-own-flag`,
	Setup: setup((*runOptions).flags, runRun),
}

type runOptions struct {
	python, out, module string
	view, quiet         bool
	stats               statsFlags
}

func (o *runOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.python, "python", "", "the Python interpreter to run (default python3)")
	fs.StringVar(&o.out, "o", "", "write the profile to `FILE` (default: the script's name with .prof)")
	fs.StringVar(&o.module, "m", "", "run library `MODULE` as a script, like python -m")
	fs.BoolVar(&o.view, "view", false, "open the profile in the web viewer after the run")
	fs.BoolVar(&o.quiet, "q", false, "do not print the report")
	o.stats.register(fs, "30")
}

// runRun is hpp run: check everything that can be checked before the
// program runs, run it with the runner writing to a scratch file, then
// move the profile into place and report it.
func runRun(ctx context.Context, env *Env, o *runOptions, args []string) error {
	ro, err := o.stats.options()
	if err != nil {
		return err
	}
	t, err := runTarget(o.module, args)
	if err != nil {
		return err
	}
	py, _, err := pyrun.Find(o.python)
	if err != nil {
		return &Error{Code: ExitNoTool, Err: fmt.Errorf("run: %v", err)}
	}
	dest := o.out
	if dest == "" {
		dest = defaultProfilePath(t)
	}
	if err := checkProfileOutput(dest, t.Script); err != nil {
		return err
	}
	out, err := createFile(dest)
	if err != nil {
		return err
	}
	defer out.Abort()

	scratch, err := os.CreateTemp("", "hpp-run-*.prof")
	if err != nil {
		return &Error{Code: ExitFailure, Err: fmt.Errorf("run: a scratch file for the profile: %v", err)}
	}
	scratch.Close()
	defer os.Remove(scratch.Name())
	exit, err := pyrun.Run(py, scratch.Name(), t, pyrun.Streams{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr})
	if err != nil {
		return &Error{Code: ExitNoTool, Err: fmt.Errorf("run: starting %s: %v", py, err)}
	}
	if fi, err := os.Stat(scratch.Name()); err == nil && fi.Size() == 0 {
		fmt.Fprintf(env.Stderr, "hpp: run: no profile written to %s: %s\n", dest, noProfileReason(exit))
		return ExitStatus{Code: exit.Code}
	}
	p, err := pstats.ReadFile(scratch.Name())
	if err != nil {
		return &Error{Code: ExitBadInput, Err: fmt.Errorf("run: the profile cProfile wrote is not readable, %s left as it was: %v", dest, err)}
	}
	if err := copyInto(out, scratch.Name()); err != nil {
		return writeError(dest, err)
	}
	if err := out.Commit(); err != nil {
		return writeError(dest, err)
	}
	fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", dest)
	if !o.quiet {
		p.Sources = nil
		ro.Terminal = isTerminal(env.Stderr) // names escaped for a terminal
		if err := report.Stats(env.Stderr, p, report.Select(p, ro)); err != nil {
			return outputError(err)
		}
	}
	if o.view {
		if err := serve(ctx, p, webui.Options{Title: filepath.Base(dest), Stdout: env.Stdout, Stderr: env.Stderr}); err != nil {
			return err
		}
	}
	if exit.Code != 0 {
		return ExitStatus{Code: exit.Code}
	}
	return nil
}

// runTarget is what hpp run runs: -m MODULE, or the script args name.
func runTarget(module string, args []string) (pyrun.Target, error) {
	if module != "" {
		return pyrun.Target{Module: module, Args: args}, nil
	}
	if len(args) == 0 {
		return pyrun.Target{}, Usagef("run: name a script to run, or -m MODULE")
	}
	t := pyrun.Target{Script: args[0], Args: args[1:]}
	if fi, err := os.Stat(t.Script); err != nil {
		return t, &Error{Code: ExitNoInput, Err: fmt.Errorf("run: %s: no such script (check the path)", t.Script)}
	} else if fi.IsDir() {
		return t, &Error{Code: ExitNoInput, Err: fmt.Errorf("run: %s: is a directory; name a .py file", t.Script)}
	}
	return t, nil
}

// defaultProfilePath is fib.py -> fib.prof beside the script, or
// MODULE.prof in the current directory.
func defaultProfilePath(t pyrun.Target) string {
	if t.Module != "" {
		return t.Module + ".prof"
	}
	return strings.TrimSuffix(t.Script, ".py") + ".prof"
}

// checkProfileOutput refuses a destination whose replacement would
// destroy something: the script itself, or an existing file that is not
// a profile (hpp run -o notes.txt, or a slip of the shell's completion).
// Devices, FIFOs and empty files are written without question.
func checkProfileOutput(dest, script string) error {
	fi, err := os.Stat(dest)
	if err != nil {
		return nil // a new file; createFile reports what prevents it
	}
	if script != "" {
		if sfi, err := os.Stat(script); err == nil && os.SameFile(fi, sfi) {
			return Usagef("run: -o %s is the script itself; the profile would replace it (name a .prof file)", dest)
		}
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil
	}
	_, err = pstats.ReadFile(dest)
	var fe *pstats.FormatError
	if errors.As(err, &fe) {
		return Usagef("run: %s exists and is not a profile (%v); hpp run replaces only profiles: remove it or name another file with -o", dest, fe)
	}
	return nil
}

// noProfileReason says why a program that ran left no profile.
func noProfileReason(exit pyrun.Exit) string {
	if exit.Signal != 0 {
		return fmt.Sprintf("the program was killed by signal %d (%v) before cProfile could write it", int(exit.Signal), exit.Signal)
	}
	return fmt.Sprintf("the program left through os._exit() or replaced itself with exec, which skip cProfile's exit (its exit status %d is passed through)", exit.Code)
}

// copyInto copies the file at path into out.
func copyInto(out *outfile.File, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = out.ReadFrom(f)
	return err
}
