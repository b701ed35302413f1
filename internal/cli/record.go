package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"hpp/internal/export"
	"hpp/internal/procmem"
	"hpp/internal/profile"
	"hpp/internal/pyrun"
	"hpp/internal/report"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
)

var recordCommand = &Command{
	Name:      "record",
	UsageLine: "record [-o OUT] [--format FMT] [-r HZ] [-d SECONDS] [--mode wall|cpu|gil] [--idle] [--nolineno] [--native-ids] [--blocking] [--subprocesses] (-p PID | [--python PY] SCRIPT ARGS... | [--python PY] -m MODULE ARGS...)",
	Short:     "sample a Python program's stacks from outside",
	StopAfter: []string{"m"}, // hpp record -m MODULE ARGS...: what follows belongs to the program
	Long: `Record samples every thread's Python stack of a running process at a
fixed rate, from outside (as hpp dump reads them), until the duration
ends, the process exits, or Ctrl-C; then it writes the samples. Each
sample keeps its thread, whether the thread held the GIL and whether it
was running or idle.

Given a SCRIPT (or -m MODULE) instead of -p, record starts it with
--python (default python3 on PATH) and samples it from its start until
it exits; "hpp record -- python3.12 SCRIPT" (or python3.12 -m MODULE),
as with py-spy, names the interpreter in the command instead. Everything after the script name (or -m MODULE; "--" may come
before SCRIPT) belongs to the program: its arguments, standard input,
standard output, standard error and exit status pass through, as with
hpp run; hpp exits with the program's status once OUT is written (its
own exit codes, below, only when hpp itself fails). Ctrl-C and SIGTERM
reach the program, and the recording goes on until it ends; a second
one stops the recording at once, writes OUT and then ends the program
(SIGINT, then SIGKILL after 2 s). With -d, the recording ends then;
the program runs on and hpp waits for it. A program that ends before its
interpreter can be read still leaves OUT, with no samples, and a line
that says so. The default OUT is then named after the script:
hpp-SCRIPT.hpp (hpp-fib.hpp for fib.py), or hpp-MODULE.hpp, in
the current directory.

The format follows OUT's name (.hpp: hpp's own profile file, which
every hpp command reads and which keeps the hot source files for
hpp stats --lines; .pb.gz or .pprof: pprof; .folded: collapsed stacks
with sample counts; .speedscope.json; .svg; .prof: pstats, times are
samples × period), or --format. The default OUT is hpp-PID.hpp.

--mode chooses which samples are kept: wall (every sample, the
default), cpu (only threads on a CPU: sleeping threads and threads
waiting for the GIL are left out unless --idle), gil (only the thread
holding the GIL).

--subprocesses follows the process's Python descendants too, as they
start (multiprocessing with fork, spawn or forkserver,
ProcessPoolExecutor, subprocess.run([sys.executable, ...])): one profile
with each sample's process as a label (pprof: process and pid; folded
stacks: a root frame 'process PID:"COMMAND"'), each process sampled at
the rate. PID itself need not be Python (a shell script, make).

--nolineno keeps no line numbers (as py-spy's): the samples of a
function at different lines merge into one, and the line tables are not
decoded, which makes each sample a little cheaper.

--blocking stops every thread of the target with ptrace for each
sample (interrupt, read, go on; threads started meanwhile are seized as
they appear), so that no stack changes while it is read and none tears;
the target runs slower for it. Without it the target is never stopped.
hpp detaches at the end, on Ctrl-C and on every error, and if hpp is
killed the kernel detaches; the target runs on. It needs the right to
ptrace the target (see kernel.yama.ptrace_scope; a program that record
starts is its child, which scope 1 allows).

--native-ids shows each thread by its native id (the one the kernel
and threading.get_native_id() know it by): threads are named "NAME (tid
N)", and every stack gets that name as its root frame, so that formats
with no notion of threads (collapsed stacks, SVG, speedscope) split the
samples by thread too, as py-spy's --threads does.

At the end, a line on stderr gives the samples, the rate achieved and
the share of stacks dropped because they changed while being read; then
one line per thread splits its samples: running with the GIL, running
without it (native code that released it), waiting for the GIL, idle.

Examples:
  hpp record -p 1234 -d 10
  hpp record -p 1234 -r 1000 -o out.folded
  hpp record -r 1000 -- fib.py 30
  hpp record -o fib.svg -- python3 fib.py 30
  hpp record --python python3.12 -o out.svg -m http.server 8000`,
	Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		pid := fs.Int("p", 0, "the `PID` of the Python process")
		fs.IntVar(pid, "pid", 0, "the `PID` of the Python process (same as -p)")
		out := fs.String("o", "", "write the profile to `OUT` (default hpp-PID.hpp, or hpp-SCRIPT.hpp for a program record starts)")
		python := fs.String("python", "", "the interpreter `PY` that runs SCRIPT or -m MODULE (default python3)")
		module := fs.String("m", "", "start library `MODULE` as python -m does, and sample it")
		format := fs.String("format", "", "the output `FORMAT` (default: from OUT's name)")
		rate := fs.Float64("r", 100, "samples per second, per thread (`HZ`)")
		fs.Float64Var(rate, "rate", 100, "same as -r")
		dur := fs.Float64("d", 0, "stop after `SECONDS` (default: when the process exits or on Ctrl-C)")
		fs.Float64Var(dur, "duration", 0, "same as -d")
		mode := fs.String("mode", "wall", "keep `MODE`'s samples: wall, cpu or gil")
		idle := fs.Bool("idle", false, "in cpu mode, keep idle threads and threads waiting for the GIL too")
		subs := fs.Bool("subprocesses", false, "sample the process's Python descendants too, as they start")
		nativeIDs := fs.Bool("native-ids", false, "name each thread NAME (tid N) by its native id, and put it at the root of its stacks")
		blocking := fs.Bool("blocking", false, "stop the target's threads with ptrace for each sample, so that no stack tears")
		noLineNo := fs.Bool("nolineno", false, "keep no line numbers: a function's samples at different lines merge (and sampling is cheaper)")
		return func(ctx context.Context, env *Env, args []string) error {
			launch := *module != "" || len(args) > 0
			if *pid > 0 && launch {
				what := "-m " + *module
				if *module == "" {
					what = args[0]
				}
				return Usagef("record: give either -p PID or a program to start (%s), not both", what)
			}
			if *pid <= 0 && !launch {
				return Usagef("record: name the process with -p PID, or a SCRIPT or -m MODULE to start (see: hpp help record)")
			}
			var target pyrun.Target
			if launch {
				var err error
				if *python, target, err = launchCommand("record", *python, *module, args); err != nil {
					return err
				}
				if err := checkScript("record", target); err != nil {
					return err
				}
			}
			if *rate <= 0 || *rate > 1e6 {
				return Usagef("record: -r %g: the rate must be above 0 and at most 1000000", *rate)
			}
			if *dur < 0 {
				return Usagef("record: -d %g: the duration cannot be negative", *dur)
			}
			path := *out
			if path == "" && launch {
				path = fmt.Sprintf("hpp-%s.hpp", launchName(target))
			} else if path == "" {
				path = fmt.Sprintf("hpp-%d.hpp", *pid)
			}
			f, ok := export.FormatFor(path)
			if *format != "" {
				var err error
				if f, err = export.ParseFormat(*format); err != nil {
					return Usagef("record: --format: %v", err)
				}
			} else if !ok {
				return Usagef("record: cannot tell the format from %q; name it with --format", path)
			}
			m, err := timemode.Parse(*mode)
			if err != nil {
				return Usagef("record: --mode: %v", err)
			}
			o := sampler.RecordOptions{
				Rate:     *rate,
				Duration: time.Duration(*dur * float64(time.Second)),
				NoLineNo: *noLineNo,
				Blocking: *blocking,
			}
			if launch {
				return runRecordLaunch(ctx, env, *python, target, path, f, o, m, *idle, *nativeIDs, *subs)
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runRecord(ctx, env, *pid, path, f, o, m, *idle, *nativeIDs, *subs)
		}
	},
}

func runRecord(ctx context.Context, env *Env, pid int, path string, f export.Format, o sampler.RecordOptions, mode timemode.Mode, idle, nativeIDs, subprocesses bool) error {
	var t *sampler.Target
	if !subprocesses {
		var err error
		if t, err = sampler.Attach(pid); err != nil {
			return dumpError(pid, err)
		}
	}
	return recordTarget(ctx, env, t, pid, path, f, o, mode, idle, nativeIDs, subprocesses)
}

// recordTarget samples t as o says (with subprocesses, process pid and
// its Python descendants, t unused), keeps mode's samples, and writes
// them to path (with nativeIDs, each thread shown by its native id).
func recordTarget(ctx context.Context, env *Env, t *sampler.Target, pid int, path string, f export.Format, o sampler.RecordOptions, mode timemode.Mode, idle, nativeIDs, subprocesses bool) error {
	if isTerminal(env.Stderr) {
		o.Progress = func(s sampler.RecordStats) {
			fmt.Fprintf(env.Stderr, "\r\033[Khpp record: %d samples, %.0f/s, %d torn, %d threads", s.Samples, s.Achieved, s.Torn, s.Threads)
		}
	}
	rec := beginRecording(pid)
	defer rec.close()
	var (
		p       *profile.Profile
		st      sampler.RecordStats
		gs      sampler.GroupStats
		version string
		err     error
	)
	if subprocesses {
		p, gs, err = sampler.RecordGroup(ctx, pid, o)
		st = gs.RecordStats
	} else {
		version = t.Version
		p, st, err = t.Record(ctx, o)
	}
	if o.Progress != nil {
		fmt.Fprint(env.Stderr, "\r\033[K")
	}
	if err != nil {
		var gone *procmem.GoneError
		var perm *procmem.PermissionError
		if errors.As(err, &gone) || errors.As(err, &perm) {
			return dumpError(pid, err)
		}
		return &Error{Code: ExitFailure, Err: fmt.Errorf("record: process %d: %v", pid, err)}
	}
	split := timemode.Of(p.Samples)
	p = timemode.Filter(p, mode, idle)
	threads := p.Samples.Threads
	if nativeIDs {
		p = sampler.NativeIDs(p)
	}
	if err := writeRecording(path, p, f, pid, version, o, st, rec, mode); err != nil {
		return err
	}
	ended := ""
	if st.Exited {
		ended = "; the process exited"
	}
	fmt.Fprintf(env.Stderr, "hpp record: %d samples of %d threads in %.1f s (%.0f rounds/s, %.2f%% torn)%s; wrote %s\n",
		st.Samples, st.Threads, st.Elapsed.Seconds(), st.Achieved, 100*st.ErrorRate(), ended, path)
	if mode != timemode.Wall {
		fmt.Fprintf(env.Stderr, "hpp record: kept %d of %d samples in %s mode\n", sampleWeight(p.Samples), split.All.Total(), mode)
	}
	if subprocesses {
		writeProcesses(env.Stderr, gs)
	}
	writeThreadSplit(env.Stderr, threads, split)
	return nil
}

// writeProcesses prints a line per process of a --subprocesses
// recording: its samples and the rate it was sampled at.
func writeProcesses(w io.Writer, gs sampler.GroupStats) {
	fmt.Fprintf(w, "hpp record: %d Python processes", len(gs.Processes))
	if gs.NotPython > 0 {
		fmt.Fprintf(w, "; %d others not Python (or not readable)", gs.NotPython)
	}
	if gs.Vanished > 0 {
		fmt.Fprintf(w, "; %d exited before hpp attached", gs.Vanished)
	}
	fmt.Fprintln(w)
	for _, ps := range gs.Processes {
		fmt.Fprintf(w, "  process %d (parent %d) %s: %d samples, %.0f rounds/s, %.2f%% torn", ps.PID, ps.Parent,
			report.Terminal(shorten(ps.Command, 60)), ps.Samples, ps.Achieved, 100*ps.ErrorRate())
		if ps.Err != "" {
			fmt.Fprintf(w, "; stopped: %s", report.Terminal(ps.Err))
		}
		fmt.Fprintln(w)
	}
}

// shorten cuts s to n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func sampleWeight(s *profile.SampleSet) int64 {
	var n int64
	for i := range s.Samples {
		n += s.Samples[i].Weight
	}
	return n
}

// writeThreadSplit prints one line per thread, for the first 32: its
// samples and their split by what the thread was doing.
func writeThreadSplit(w io.Writer, threads []profile.Thread, sp *timemode.Split) {
	const most = 32
	for i, r := range sp.Threads {
		if i == most {
			fmt.Fprintf(w, "  and %d more threads\n", len(sp.Threads)-most)
			break
		}
		th := threads[r.Thread]
		fmt.Fprintf(w, "  thread %d %s: %d samples:", th.ID, report.Terminal(th.Name), r.Total())
		for s := timemode.State(0); s < timemode.NStates; s++ {
			fmt.Fprintf(w, " %s %.1f%%", s, 100*r.Share(s))
		}
		fmt.Fprintln(w)
	}
}
