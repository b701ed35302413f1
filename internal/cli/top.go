package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gdamore/tcell/v2"

	"hpp/internal/export"
	"hpp/internal/profile"
	"hpp/internal/pyrun"
	"hpp/internal/report"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
	"hpp/internal/top"
)

var topCommand = &Command{
	Name:      "top",
	UsageLine: "top [-r HZ] [--interval S] [--mode wall|cpu|gil] [--idle] [--lines] [--subprocesses] [-o OUT] (-p PID | [--python PY] SCRIPT ARGS... | [--python PY] -m MODULE ARGS...)",
	Short:     "a live view of where a running Python process spends its time",
	StopAfter: []string{"m"}, // hpp top -m MODULE ARGS...: what follows belongs to the program
	Long: `Top samples a Python process from outside, as hpp record does, and shows
what it has seen so far, refreshed every --interval seconds: a line for
the process (the share of time some thread held the GIL, its CPU use
over all cores), a line per thread (native id, name, what it did most in
the last interval, CPU use, and the split of its samples: running with
the GIL, running without it, waiting for it, idle), and a row per
function (own %, total %, samples, and the share of them that held the
GIL).

Keys: o, t, n sort by own, total or name; m cycles the mode (w, c, g
choose wall, cpu or gil directly) and i counts idle threads in cpu mode;
l switches between a row per function and a row per source line (the
line executing, with its text, read from the target's own files);
1-9 show one thread's functions, 0 all; p or space pauses the display;
r writes what was sampled so far to OUT; q, Esc or Ctrl-C quits and
leaves a -p target running (a target that top started is stopped).

--subprocesses follows the process's Python descendants too (see hpp
help record); each thread's line then shows its pid, and P steps
through the processes, showing one process's functions at a time.

Without a terminal on stdout, top prints the whole table every interval
until the process exits or Ctrl-C. A program that top starts (SCRIPT or
-m MODULE, run by --python, default python3, or by the interpreter
named first: hpp top -- python3 SCRIPT) shares top's stdin, stdout
and stderr then, and when it ends by itself top exits with its status.
With the terminal view, its stdout and stderr go to a file,
$TMPDIR/hpp-top-NAME-*.log, named in the status line (and on stderr when
top ends, unless it stayed empty: then it is removed), and its stdin is
/dev/null.

Examples:
  hpp top -p 1234
  hpp top --mode gil -- script.py --its-flag
  hpp top -p 1234 --interval 5 > snapshots.txt`,
	Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		pid := fs.Int("p", 0, "the `PID` of the Python process")
		fs.IntVar(pid, "pid", 0, "the `PID` of the Python process (same as -p)")
		module := fs.String("m", "", "start `MODULE` as python -m does")
		python := fs.String("python", "", "the interpreter `PY` that runs SCRIPT or -m MODULE (default python3)")
		rate := fs.Float64("r", 100, "samples per second, per thread (`HZ`)")
		fs.Float64Var(rate, "rate", 100, "same as -r")
		interval := fs.Float64("interval", 1, "refresh every `SECONDS`")
		mode := fs.String("mode", "wall", "count `MODE`'s samples: wall, cpu or gil")
		idle := fs.Bool("idle", false, "in cpu mode, count idle threads and threads waiting for the GIL too")
		lines := fs.Bool("lines", false, "start with a row per source line (the l key) rather than per function")
		out := fs.String("o", "", "the r key writes the profile to `OUT` (default hpp-top-PID.hpp)")
		subs := fs.Bool("subprocesses", false, "sample the process's Python descendants too, as they start")
		return func(ctx context.Context, env *Env, args []string) error {
			if *rate <= 0 || *rate > 1e6 {
				return Usagef("top: -r %g: the rate must be above 0 and at most 1000000", *rate)
			}
			if *interval < 0.1 {
				return Usagef("top: --interval %g: at least 0.1 seconds", *interval)
			}
			m, err := timemode.Parse(*mode)
			if err != nil {
				return Usagef("top: --mode: %v", err)
			}
			launch := *module != "" || len(args) > 0
			if *pid > 0 && launch {
				return Usagef("top: give either -p PID or a script to start, not both")
			}
			if *pid <= 0 && !launch {
				return Usagef("top: name the process with -p PID, or a SCRIPT or -m MODULE to start (see: hpp help top)")
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			o := topOptions{pid: *pid, python: *python, module: *module, args: args, rate: *rate,
				interval: time.Duration(*interval * float64(time.Second)), out: *out, subprocesses: *subs,
				view: top.View{Mode: m, Idle: *idle, Lines: *lines}}
			return runTop(ctx, env, o)
		}
	},
}

type topOptions struct {
	pid            int
	python, module string
	args           []string
	rate           float64
	interval       time.Duration
	out            string
	view           top.View
	subprocesses   bool
}

func runTop(ctx context.Context, env *Env, o topOptions) error {
	interactive := isTerminal(env.Stdout)
	var child *pyrun.Child
	var note string
	if o.pid == 0 {
		var err error
		var logPath string
		if child, logPath, err = startWatched(o, env, interactive); err != nil {
			return err
		}
		o.pid = child.PID()
		if logPath != "" {
			note = "; its output: " + report.Terminal(logPath)
			defer func() {
				if fi, err := os.Stat(logPath); err == nil && fi.Size() == 0 {
					os.Remove(logPath)
				} else {
					fmt.Fprintf(env.Stderr, "hpp: top: the program's output is in %s\n", logPath)
				}
			}()
		}
		defer child.Stop(2 * time.Second)
	}
	var t *sampler.Target
	var err error
	if child != nil {
		t, err = sampler.AttachStarting(ctx, o.pid, attachWithin, child.Done())
		if errors.Is(err, sampler.ErrExitedEarly) {
			exit, _ := child.Wait()
			fmt.Fprintf(env.Stderr, "hpp: top: the program ended before its interpreter could be read (exit status %d)\n", exit.Code)
			return exitStatus(exit)
		}
	} else {
		t, err = sampler.Attach(o.pid)
	}
	if err != nil {
		return dumpError(o.pid, err)
	}
	path := o.out
	if path == "" {
		path = fmt.Sprintf("hpp-top-%d.hpp", o.pid)
	}
	c := &top.Config{
		Target: t, Rate: o.rate, Interval: o.interval, View: o.view, NumCPU: runtime.NumCPU(), Subprocesses: o.subprocesses,
		Escape: report.Terminal, Source: top.FileSource(o.pid), Note: note,
		Write: func(p *profile.Profile) (string, error) {
			f, ok := export.FormatFor(path)
			if !ok {
				f = export.Pprof
			}
			err := writeFile(path, func(w io.Writer) error { return export.Write(w, p, f, export.DefaultOptions()) })
			return path, err
		},
	}
	if !interactive {
		err = top.Plain(ctx, c, env.Stdout)
	} else {
		s, serr := tcell.NewScreen()
		if serr != nil {
			return &Error{Code: ExitFailure, Err: fmt.Errorf("top: the terminal: %v", serr)}
		}
		err = top.Interactive(ctx, c, s)
	}
	if err != nil {
		return &Error{Code: ExitFailure, Err: fmt.Errorf("top: process %d: %v", o.pid, err)}
	}
	if child != nil {
		select {
		case <-child.Done(): // it ended by itself: its status is top's
			exit, _ := child.Wait()
			return exitStatus(exit)
		default: // q or Ctrl-C: top stops it (deferred above)
		}
	}
	return nil
}

// startWatched starts the script or module that top is to watch. With
// the terminal view, the program's stdout and stderr go to a log file
// (whose path it returns) so that they do not scribble over the screen,
// and its stdin is /dev/null, as the keys are top's; without one, its
// streams are top's own.
func startWatched(o topOptions, env *Env, interactive bool) (*pyrun.Child, string, error) {
	python, tg, err := launchCommand("top", o.python, o.module, o.args)
	if err != nil {
		return nil, "", err
	}
	py, _, err := pyrun.Find(python)
	if err != nil {
		return nil, "", &Error{Code: ExitNoTool, Err: fmt.Errorf("top: %v", err)}
	}
	if err := checkScript("top", tg); err != nil {
		return nil, "", err
	}
	streams := pyrun.Streams{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr}
	var logPath string
	if interactive {
		log, err := os.CreateTemp("", "hpp-top-"+strings.ReplaceAll(launchName(tg), "/", "_")+"-*.log")
		if err != nil {
			return nil, "", &Error{Code: ExitFailure, Err: fmt.Errorf("top: a file for the program's output: %v", err)}
		}
		defer log.Close() // the child has its own copy
		logPath = log.Name()
		streams = pyrun.Streams{Stdout: log, Stderr: log}
	}
	child, err := pyrun.Start(py, tg, streams)
	if err != nil {
		return nil, "", &Error{Code: ExitNoTool, Err: fmt.Errorf("top: starting %s: %v", py, err)}
	}
	return child, logPath, nil
}
