package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/gdamore/tcell/v2"

	"hpp/internal/export"
	"hpp/internal/profile"
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
until the process exits or Ctrl-C. A target that top starts keeps
stdin, stdout and stderr then; with the terminal view its output is
discarded.

Examples:
  hpp top -p 1234
  hpp top --mode gil -- script.py --its-flag
  hpp top -p 1234 --interval 5 > snapshots.txt`,
	Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		pid := fs.Int("p", 0, "the `PID` of the Python process")
		fs.IntVar(pid, "pid", 0, "the `PID` of the Python process (same as -p)")
		module := fs.String("m", "", "start `MODULE` as python -m does")
		python := fs.String("python", "python3", "the interpreter `PY` that runs SCRIPT or -m MODULE")
		rate := fs.Float64("r", 100, "samples per second, per thread (`HZ`)")
		fs.Float64Var(rate, "rate", 100, "same as -r")
		interval := fs.Float64("interval", 1, "refresh every `SECONDS`")
		mode := fs.String("mode", "wall", "count `MODE`'s samples: wall, cpu or gil")
		idle := fs.Bool("idle", false, "in cpu mode, count idle threads and threads waiting for the GIL too")
		lines := fs.Bool("lines", false, "start with a row per source line (the l key) rather than per function")
		out := fs.String("o", "", "the r key writes the profile to `OUT` (default hpp-top-PID.pb.gz)")
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
	if o.pid == 0 {
		child, err := startTarget(o, env, interactive)
		if err != nil {
			return err
		}
		o.pid = child.Process.Pid
		defer func() {
			child.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { child.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				child.Process.Kill()
				<-done
			}
		}()
	}
	t, err := attachSoon(ctx, o.pid, o.pid != 0 && o.module == "" && len(o.args) == 0)
	if err != nil {
		return dumpError(o.pid, err)
	}
	path := o.out
	if path == "" {
		path = fmt.Sprintf("hpp-top-%d.pb.gz", o.pid)
	}
	c := &top.Config{
		Target: t, Rate: o.rate, Interval: o.interval, View: o.view, NumCPU: runtime.NumCPU(), Subprocesses: o.subprocesses,
		Escape: report.Terminal, Source: top.FileSource(o.pid),
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
	return nil
}

// startTarget starts the script or module that top is to watch.
func startTarget(o topOptions, env *Env, interactive bool) (*exec.Cmd, error) {
	py, err := exec.LookPath(o.python)
	if err != nil {
		return nil, &Error{Code: ExitNoTool, Err: fmt.Errorf("top: no Python interpreter: %s (name one with --python)", o.python)}
	}
	args := o.args
	if o.module != "" {
		args = append([]string{"-m", o.module}, args...)
	}
	cmd := exec.Command(py, args...)
	if !interactive {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, env.Stdout, env.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, &Error{Code: ExitNoTool, Err: fmt.Errorf("top: starting %s: %v", py, err)}
	}
	return cmd, nil
}

// attachSoon attaches to pid; a process that top just started may not
// have loaded its interpreter yet, so that is tried for two seconds.
func attachSoon(ctx context.Context, pid int, once bool) (*sampler.Target, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		t, err := sampler.Attach(pid)
		var np *sampler.NotPythonError
		if err == nil || once || !errors.As(err, &np) || time.Now().After(deadline) {
			return t, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
