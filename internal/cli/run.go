package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"hpp/internal/pstats"
	"hpp/internal/pyrun"
	"hpp/internal/report"
)

// afterRun, when set (by the viewer's command file), opens the viewer on
// the profile that hpp run wrote.
var afterRun func(ctx context.Context, env *Env, profile string) error

func init() {
	register(&Command{
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
passed to the program as SIGINT, so that it too writes the profile.

The profile goes to -o, or by default next to the script with .prof for
.py (fib.py -> fib.prof), or to MODULE.prof in the current directory.

Examples:
  hpp run examples/fib.py 25
  hpp run --python python3.12 -o out.prof -m http.server --help
  hpp run --sort tottime --limit 10 myscript.py --its-own-flag`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
			python := fs.String("python", "", "the Python interpreter to run (default python3)")
			out := fs.String("o", "", "write the profile to `FILE` (default: the script's name with .prof)")
			module := fs.String("m", "", "run library `MODULE` as a script, like python -m")
			view := fs.Bool("view", false, "open the profile in the web viewer after the run")
			quiet := fs.Bool("q", false, "do not print the report")
			var sf statsFlags
			sf.register(fs, "30")
			return func(ctx context.Context, env *Env, args []string) error {
				o, err := sf.options()
				if err != nil {
					return err
				}
				t := pyrun.Target{Module: *module}
				if *module == "" {
					if len(args) == 0 {
						return Usagef("run: name a script to run, or -m MODULE")
					}
					t.Script, t.Args = args[0], args[1:]
					if fi, err := os.Stat(t.Script); err != nil {
						return &Error{Code: ExitNoInput, Err: fmt.Errorf("run: %s: no such script (check the path)", t.Script)}
					} else if fi.IsDir() {
						return &Error{Code: ExitNoInput, Err: fmt.Errorf("run: %s: is a directory; name a .py file", t.Script)}
					}
				} else {
					t.Args = args
				}
				if *view && afterRun == nil {
					return Usagef("run: --view needs the viewer, which this build of hpp lacks")
				}
				py, err := pyrun.Find(*python)
				if err != nil {
					return &Error{Code: ExitNoTool, Err: fmt.Errorf("run: %v", err)}
				}
				dest := *out
				if dest == "" {
					dest = defaultProfilePath(t)
				}
				abs, err := filepath.Abs(dest)
				if err != nil {
					return &Error{Code: ExitFailure, Err: err}
				}
				os.Remove(abs) // a stale profile must not pass for this run's
				status, err := runProgram(env, pyrun.Command(py, abs, t))
				if err != nil {
					return &Error{Code: ExitNoTool, Err: fmt.Errorf("run: starting %s: %v", py, err)}
				}
				p, rerr := pstats.ReadFile(abs)
				if rerr != nil {
					if status != 0 {
						return ExitStatus{Code: status}
					}
					return inputError(dest, rerr)
				}
				fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", dest)
				if !*quiet {
					p.Sources = nil
					o.Terminal = isTerminal(env.Stderr) // names escaped for a terminal
					if err := report.Stats(env.Stderr, p, o); err != nil {
						return outputError(err)
					}
				}
				if *view {
					if err := afterRun(ctx, env, abs); err != nil {
						return err
					}
				}
				if status != 0 {
					return ExitStatus{Code: status}
				}
				return nil
			}
		},
	}, 10)
}

// defaultProfilePath is fib.py -> fib.prof beside the script, or
// MODULE.prof in the current directory.
func defaultProfilePath(t pyrun.Target) string {
	if t.Module != "" {
		return t.Module + ".prof"
	}
	return strings.TrimSuffix(t.Script, ".py") + ".prof"
}

// runProgram runs cmd with hpp's streams and returns its exit status,
// 128+signal if a signal ended it.
func runProgram(env *Env, cmd *exec.Cmd) (int, error) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	sigs := make(chan os.Signal, 4)
	// Caught (not ignored) signals are reset in the child by exec, so
	// Python still installs its own SIGINT handler.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	// Ctrl-C at a terminal reaches the whole foreground process group,
	// the program included; a signal sent to hpp alone is passed on.
	interactive := isTerminal(env.Stdin)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				switch {
				case s == os.Interrupt && interactive:
				case s == syscall.SIGTERM || s == os.Interrupt:
					cmd.Process.Signal(os.Interrupt)
				default:
					cmd.Process.Signal(s)
				}
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
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 0, err
}
