package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"hpp/internal/machine"
	"hpp/internal/outfile"
)

var machineCommand = &Command{
	Name:      "machine",
	UsageLine: "machine [--quick] [--only PROBE,...] [--json] [--svg DIR] [--html OUT] [--dir PATH] [--python PY]",
	Short:     "measure this machine: clock, cores, caches and RAM, disk, loopback network",
	Long: `Machine measures the hardware Python programs run on and prints the
classic latency table with this machine's own numbers: the core clock
(timed by a chain of dependent adds), cores and SMT siblings, latency
of each cache level and of RAM (a random pointer chase from 4 KiB to
1 GiB, with and without huge pages), bandwidth per level, disk in
--dir (sequential 1 MiB, random 4 KiB at depth 1 and 32, O_DIRECT
where the filesystem allows it), loopback TCP, and what a function
call, an attribute or dict lookup, a list append, a numpy call and a
sum over a list or an array cost in --python (timeit, Python 3.6+).

Each number is the median of several timed repeats after a warm-up,
with its spread. A probe that fails (no space for the disk file) is
reported as failed, the others' numbers are still printed, and the exit
status is 1. The load average and CPU pressure are recorded before
and after, with a warning when others were using the CPUs. The full
run takes up to 3 minutes; --quick up to 30 seconds.

Probes (for --only): cpu, scaling, latency, bandwidth, disk, network,
python (memory = latency,bandwidth).

Examples:
  hpp machine --quick
  hpp machine --only latency --svg plots/
  hpp machine --json > machine.json
  hpp machine --html machine.html --dir /mnt/ssd`,
	Setup: setup((*machineOptions).flags, runMachine),
}

type machineOptions struct {
	quick, asJSON              bool
	only, svgDir, htmlOut, dir string
	python                     string
}

func (o *machineOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.quick, "quick", false, "a shorter run (≤ 30 s): fewer sizes and repeats, smaller files")
	fs.StringVar(&o.only, "only", "", "run only these `PROBE`s, comma-separated: cpu, scaling, latency, bandwidth, disk, network, python, memory")
	fs.BoolVar(&o.asJSON, "json", false, "write the measurements as JSON to stdout instead of the table")
	fs.StringVar(&o.svgDir, "svg", "", "write latency.svg and bandwidth.svg plots into `DIR`")
	fs.StringVar(&o.htmlOut, "html", "", "write a self-contained HTML report to `FILE`")
	fs.StringVar(&o.dir, "dir", ".", "measure the disk holding `PATH` (a temporary file is written there and removed)")
	fs.StringVar(&o.python, "python", "python3", "measure Python costs with interpreter `PY` (3.6 or later)")
}

// runMachine is hpp machine: check the outputs, run the probes, write
// the plots, the page and the table.
func runMachine(ctx context.Context, env *Env, o *machineOptions, args []string) error {
	if len(args) > 0 {
		return Usagef("machine: unexpected argument %q (see: hpp help machine)", args[0])
	}
	probes, err := machine.ParseOnly(o.only)
	if err != nil {
		return Usagef("machine: --only: %v", err)
	}
	if st, err := os.Stat(o.dir); err != nil || !st.IsDir() {
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("machine: --dir %s: not a directory (name an existing directory on the disk to measure)", o.dir)}
	}
	if o.svgDir != "" {
		if err := os.MkdirAll(o.svgDir, 0o755); err != nil {
			return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: --svg %s: %v", o.svgDir, err)}
		}
		// Like the page, a plot directory that cannot be written fails
		// before the run.
		f, err := os.CreateTemp(o.svgDir, ".hpp-check-*")
		if err != nil {
			return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: --svg %s: cannot write there: %v", o.svgDir, err)}
		}
		f.Close()
		os.Remove(f.Name())
	}
	// The page's file is opened before the run, so that a path that
	// cannot be written fails now rather than after minutes of probes.
	var html *outfile.File
	if o.htmlOut != "" {
		if html, err = createFile(o.htmlOut); err != nil {
			return err
		}
		defer html.Abort()
	}
	// Ctrl-C ends the probes cleanly; the disk file is already
	// unlinked, so even a second Ctrl-C leaves nothing behind.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	mo := machine.Options{Quick: o.quick, Only: probes, Dir: o.dir, Python: o.python}
	var p *progressLine
	if isTerminal(env.Stderr) {
		p = &progressLine{w: env.Stderr}
		mo.Progress = p.show
	}
	r, runErr := machine.Run(ctx, mo)
	p.clear()
	if r == nil {
		return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: %v", runErr)}
	}
	if o.svgDir != "" {
		for name, svg := range machine.Plots(r) {
			path := filepath.Join(o.svgDir, name)
			if err := writeFile(path, func(w io.Writer) error { _, err := io.WriteString(w, svg); return err }); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", path)
		}
	}
	if html != nil {
		if _, err := html.Write(machine.HTML(r)); err != nil {
			return writeError(o.htmlOut, err)
		}
		if err := html.Commit(); err != nil {
			return writeError(o.htmlOut, err)
		}
		fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", o.htmlOut)
	}
	if o.asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = machine.Text(env.Stdout, r)
	}
	if err := outputError(err); err != nil {
		return err
	}
	if runErr != nil {
		return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: %v (the report above is partial)", runErr)}
	}
	if len(r.Failed) > 0 {
		f := r.Failed[0]
		return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: the %s probe failed: %s (see the report above)", f.Probe, f.Error)}
	}
	return nil
}

// progressLine redraws one status line on a terminal.
type progressLine struct {
	w     interface{ Write([]byte) (int, error) }
	drawn bool
}

func (p *progressLine) show(s string) {
	if len(s) > 70 {
		s = s[:70]
	}
	fmt.Fprintf(p.w, "\r\033[Khpp machine: %s", s)
	p.drawn = true
}

func (p *progressLine) clear() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
