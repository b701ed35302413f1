package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"hpp/internal/lab"
	"hpp/internal/outfile"
)

var labCommand = &Command{
	Name:         "lab",
	UsageLine:    "lab [KERNEL...] [--ways W,...] [--python PY] [--quick] [--repeat N] [--json] [--svg OUT] [--html OUT] [--scheduler ADDRESS] [--mpi N]",
	Short:        "run the same kernels in every way to make Python fast, side by side on this machine",
	Interspersed: true,
	Long: `Lab runs a few kernels — fib(0) and fib(90) per call, pi by the midpoint
rule, the Julia set, n-body steps, a large array summed in order and in
scattered order, word frequencies of a text — in every way there is to
speed Python up: pure Python, threads, multiprocessing (fork and spawn),
concurrent.futures, numpy, numexpr, numba (JIT and parallel prange),
Cython (serial and prange on OpenMP), a C extension, ctypes and cffi on a
C library, PyPy, Go built by hpp build on one core and on all, and two
distributed engines: Dask (a LocalCluster, or --scheduler ADDRESS) and
MPI (mpi4py under mpirun -n N, --mpi N). The engines' start-up and their
overhead per task are shown apart, with the task size above which they
pay off.

Each way runs alone, in its own process, under --python (PyPy under
pypy3). Its result is checked against the pure-Python reference before
its time counts: a wrong result is shown as wrong, never as fast. Times
are medians of repeats after a warm-up, with their spread; start-up
(pools, compiling, JIT) is shown apart. A way whose tool is missing is
shown as skipped, with the Debian package that brings it. C, Cython and
Go are compiled once into ~/.cache/hpp/lab.

Under the tables, the lab says what the numbers mean for the usual
claims (threads and the GIL, processes and cores, compiled code, numpy
on text, memory order) and where they do not hold here. The load
average is recorded, and a busy machine flagged.

Kernels: fib0, fib90, pi, julia, nbody, mem-seq, mem-random, text.
Ways: python, threads, mp-fork, mp-spawn, futures, numpy, numexpr, numba,
numba-par, cython, cython-prange, cext, ctypes, cffi, pypy, go1, go, dask,
mpi.

The full run takes up to 10 minutes; --quick (smaller sizes) under one.

Examples:
  hpp lab --quick
  hpp lab pi julia --ways python,numpy,cython,go1,go
  hpp lab --python python3.12 --json > lab.json
  hpp lab --svg lab.svg --html lab.html
  hpp lab pi julia --ways python,dask --scheduler tcp://10.0.0.5:8786
  hpp lab --ways python,mpi --mpi 4`,
	Setup: setup((*labOptions).flags, runLab),
}

type labOptions struct {
	ways, python, svgOut, htmlOut string
	scheduler                     string
	mpi                           int
	quick, asJSON                 bool
	repeat                        int
	small                         bool
}

func (o *labOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.ways, "ways", "", "run only these `WAYS`, comma-separated (default: all)")
	fs.StringVar(&o.python, "python", "python3", "run under the Python interpreter `PY` (a name on PATH or a path)")
	fs.BoolVar(&o.quick, "quick", false, "smaller sizes: the whole lab in under a minute")
	fs.BoolVar(&o.small, "small", false, "the test suite's tiny sizes (checks every way works; times mean little)")
	fs.IntVar(&o.repeat, "repeat", 5, "time each way `N` times after the warm-up (fewer when a run is slow)")
	fs.StringVar(&o.scheduler, "scheduler", "", "run the dask way on the Dask cluster whose scheduler is at `ADDRESS` (default: a LocalCluster)")
	fs.IntVar(&o.mpi, "mpi", 0, "run the mpi way on `N` ranks under mpirun (default: the cores)")
	fs.BoolVar(&o.asJSON, "json", false, "write the report as JSON to stdout instead of the tables")
	fs.StringVar(&o.svgOut, "svg", "", "write the bar chart (log scale) to `FILE`")
	fs.StringVar(&o.htmlOut, "html", "", "write a self-contained HTML report to `FILE`")
}

// runLab is hpp lab: check the outputs, run the ways one at a time, then
// write the chart, the page and the tables.
func runLab(ctx context.Context, env *Env, o *labOptions, args []string) error {
	if o.repeat < 1 {
		return Usagef("lab: --repeat must be at least 1, got %d", o.repeat)
	}
	if o.mpi < 0 {
		return Usagef("lab: --mpi must be a number of ranks, got %d", o.mpi)
	}
	opts := lab.Options{Kernels: args, Python: o.python, Repeat: o.repeat, Scheduler: o.scheduler, MPI: o.mpi}
	if o.ways != "" {
		for _, w := range strings.Split(o.ways, ",") {
			if w = strings.TrimSpace(w); w != "" {
				opts.Ways = append(opts.Ways, w)
			}
		}
	}
	switch {
	case o.small:
		opts.Size = lab.Small
	case o.quick:
		opts.Size = lab.Quick
	}
	// Output files are opened first, so that a path that cannot be
	// written fails now rather than after minutes of timing.
	var files []*outfile.File
	open := func(path string) (*outfile.File, error) {
		if path == "" {
			return nil, nil
		}
		f, err := createFile(path)
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	defer func() {
		for _, f := range files {
			f.Abort()
		}
	}()
	svg, err := open(o.svgOut)
	if err != nil {
		return err
	}
	page, err := open(o.htmlOut)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// On a terminal one line is redrawn as each kernel starts; in a log,
	// one line per way.
	drawn, tty, last := false, isTerminal(env.Stderr), ""
	opts.Progress = func(s string) {
		if tty {
			fmt.Fprintf(env.Stderr, "\r\033[Khpp lab: %s", s)
			drawn = true
			return
		}
		if way, _, _ := strings.Cut(s, ": "); way != last {
			fmt.Fprintf(env.Stderr, "hpp lab: %s\n", way)
			last = way
		}
	}
	r, err := lab.Run(ctx, opts)
	if drawn {
		fmt.Fprint(env.Stderr, "\r\033[K")
	}
	var ue *lab.UsageError
	var te *lab.ToolError
	switch {
	case errors.As(err, &ue):
		return Usagef("lab: %v", err)
	case errors.As(err, &te):
		return &Error{Code: ExitNoTool, Err: fmt.Errorf("lab: %v", err)}
	case err != nil:
		return &Error{Code: ExitFailure, Err: fmt.Errorf("lab: %v", err)}
	}
	for _, out := range []struct {
		f    *outfile.File
		path string
		data []byte
	}{{svg, o.svgOut, []byte(lab.SVG(r))}, {page, o.htmlOut, lab.HTML(r)}} {
		if out.f == nil {
			continue
		}
		if _, err := out.f.Write(out.data); err != nil {
			return writeError(out.path, err)
		}
		if err := out.f.Commit(); err != nil {
			return writeError(out.path, err)
		}
		fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", out.path)
	}
	if o.asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = lab.Text(env.Stdout, r)
	}
	return outputError(err)
}
