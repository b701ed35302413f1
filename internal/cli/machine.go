package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"hpp/internal/machine"
)

func init() {
	register(&Command{
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
		Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
			quick := fs.Bool("quick", false, "a shorter run (≤ 30 s): fewer sizes and repeats, smaller files")
			only := fs.String("only", "", "run only these `PROBE`s, comma-separated: cpu, scaling, latency, bandwidth, disk, network, python, memory")
			asJSON := fs.Bool("json", false, "write the measurements as JSON to stdout instead of the table")
			svgDir := fs.String("svg", "", "write latency.svg and bandwidth.svg plots into `DIR`")
			htmlOut := fs.String("html", "", "write a self-contained HTML report to `FILE`")
			dir := fs.String("dir", ".", "measure the disk holding `PATH` (a temporary file is written there and removed)")
			python := fs.String("python", "python3", "measure Python costs with interpreter `PY` (3.6 or later)")
			return func(ctx context.Context, env *Env, args []string) error {
				if len(args) > 0 {
					return Usagef("machine: unexpected argument %q (see: hpp help machine)", args[0])
				}
				probes, err := machine.ParseOnly(*only)
				if err != nil {
					return Usagef("machine: --only: %v", err)
				}
				if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
					return &Error{Code: ExitNoInput, Err: fmt.Errorf("machine: --dir %s: not a directory (name an existing directory on the disk to measure)", *dir)}
				}
				// Outputs are checked before the run, not found unwritable
				// after minutes of measuring.
				if *svgDir != "" {
					if err := os.MkdirAll(*svgDir, 0o755); err != nil {
						return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: --svg: %v", err)}
					}
					if err := checkWritable(filepath.Join(*svgDir, "latency.svg")); err != nil {
						return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: --svg %s: %v", *svgDir, err)}
					}
				}
				if *htmlOut != "" {
					if err := checkWritable(*htmlOut); err != nil {
						return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: --html %s: %v", *htmlOut, err)}
					}
				}
				// Ctrl-C ends the probes cleanly; the disk file is already
				// unlinked, so even a second Ctrl-C leaves nothing behind.
				ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
				defer stop()
				o := machine.Options{Quick: *quick, Only: probes, Dir: *dir, Python: *python}
				var p *progressLine
				if isTerminal(env.Stderr) {
					p = &progressLine{w: env.Stderr}
					o.Progress = p.show
				}
				r, runErr := machine.Run(ctx, o)
				p.clear()
				if r == nil {
					return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: %v", runErr)}
				}
				if *svgDir != "" {
					for name, svg := range machine.Plots(r) {
						path := filepath.Join(*svgDir, name)
						if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
							return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: writing %s: %v", path, err)}
						}
						fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", path)
					}
				}
				if *htmlOut != "" {
					if err := os.WriteFile(*htmlOut, machine.HTML(r), 0o644); err != nil {
						return &Error{Code: ExitFailure, Err: fmt.Errorf("machine: writing %s: %v", *htmlOut, err)}
					}
					fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", *htmlOut)
				}
				if *asJSON {
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
		},
	}, 60)
}

// checkWritable fails when path cannot be written: its directory is
// missing or read-only, or path is a directory or a file hpp may not
// write. It creates nothing that it does not remove, and leaves an
// existing file's contents alone.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return fmt.Errorf("is a directory (name a file)")
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".hpp-check-*")
	if err != nil {
		return fmt.Errorf("cannot write there: %v", err)
	}
	f.Close()
	return os.Remove(f.Name())
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
