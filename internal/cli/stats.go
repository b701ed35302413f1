package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"syscall"

	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/report"
)

// statsFlags are the report flags shared by stats and run.
type statsFlags struct {
	sort      multiFlag
	limit     string
	filter    string
	stripDirs bool
}

func (sf *statsFlags) register(fs *flag.FlagSet, defaultLimit string) {
	fs.Var(&sf.sort, "sort", "sort by `KEY`s, pstats' names: "+strings.Join(report.SortKeyNames(), ", ")+
		"; repeat or separate with commas for ties; unique prefixes work; 'none' keeps file order (default cumulative)")
	fs.StringVar(&sf.limit, "limit", defaultLimit, "show the first `N` rows, or a fraction such as 0.1 of them")
	fs.StringVar(&sf.filter, "filter", "", "show only functions whose file:line(name) matches `REGEX` (Go regexp syntax)")
	fs.BoolVar(&sf.stripDirs, "strip-dirs", false, "drop directories from file names, as pstats' strip_dirs")
}

func (sf *statsFlags) options() (report.Options, error) {
	var o report.Options
	keys := []string(sf.sort)
	if len(keys) == 0 {
		keys = []string{"cumulative"}
	}
	if !(len(keys) == 1 && keys[0] == "none") {
		ord, err := report.ParseOrder(keys)
		if err != nil {
			return o, Usagef("--sort: %v", err)
		}
		o.Order = ord
	}
	if sf.filter != "" {
		r, err := report.ParseFilter(sf.filter)
		if err != nil {
			return o, Usagef("--filter: %v", err)
		}
		o.Restrictions = append(o.Restrictions, r)
	}
	if sf.limit != "" && sf.limit != "all" {
		r, err := report.ParseLimit(sf.limit)
		if err != nil {
			return o, Usagef("--limit: %v", err)
		}
		o.Restrictions = append(o.Restrictions, r)
	}
	return o, nil
}

var statsCommand = &Command{
	Name:         "stats",
	UsageLine:    "stats [flags] FILE...",
	Short:        "print a profile as pstats does (sort, limit, filter, callers, callees, JSON)",
	Interspersed: true,
	KeepsHeap:    true,
	Long: `Stats reads pstats files written by cProfile or profile (Python 2.7 and
3.6 to 3.13; Python need not be installed) and prints pstats' report:
the print_stats table by default, print_callers with --callers,
print_callees with --callees, or JSON with --json. Several files are
merged as pstats.add merges them. With -o, the merged (and filtered)
profile is written as a pstats file that Python's pstats reads.

Examples:
  hpp stats fib.prof
  hpp stats --sort tottime --limit 20 fib.prof
  hpp stats --callers --filter 'fib' fib.prof
  hpp stats --json a.prof b.prof > merged.json
  hpp stats -o merged.prof a.prof b.prof`,
	Setup: setup((*statsOptions).flags, runStats),
}

type statsOptions struct {
	report                   statsFlags
	callers, callees, asJSON bool
	out                      string
}

func (o *statsOptions) flags(fs *flag.FlagSet) {
	o.report.register(fs, "")
	fs.BoolVar(&o.callers, "callers", false, "print who calls each function (print_callers)")
	fs.BoolVar(&o.callees, "callees", false, "print what each function calls (print_callees)")
	fs.BoolVar(&o.asJSON, "json", false, "write JSON instead of a table")
	fs.StringVar(&o.out, "o", "", "write the merged, filtered profile as a pstats `FILE`")
}

// runStats is hpp stats: merge the files, select once, then write the
// profile (-o) and the report chosen.
func runStats(ctx context.Context, env *Env, o *statsOptions, args []string) error {
	ro, err := o.report.options()
	if err != nil {
		return err
	}
	ro.Terminal = isTerminal(env.Stdout) // names escaped for a terminal
	if o.callers && o.callees || (o.callers || o.callees) && o.asJSON {
		return Usagef("stats: choose one of --callers, --callees and --json")
	}
	p, err := loadProfiles(args)
	if err != nil {
		return err
	}
	if o.report.stripDirs {
		p = p.StripDirs()
	}
	sel := report.Select(p, ro)
	if o.out != "" {
		kept := p
		if len(ro.Restrictions) > 0 {
			in := make([]bool, len(p.Funcs))
			for _, id := range sel.IDs {
				in[id] = true
			}
			kept = p.Keep(func(id profile.FuncID) bool { return in[id] })
		}
		if err := writeFile(o.out, func(w io.Writer) error { return pstats.Write(w, kept) }); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "hpp: wrote %s (%d functions)\n", o.out, kept.NumListed)
		if !o.callers && !o.callees && !o.asJSON {
			return nil
		}
	}
	switch {
	case o.asJSON:
		ids := sel.IDs
		if ids == nil {
			ids = []profile.FuncID{}
		}
		err = report.JSON(env.Stdout, p, ids)
	case o.callers:
		err = report.Callers(env.Stdout, p, sel)
	case o.callees:
		err = report.Callees(env.Stdout, p, sel)
	default:
		err = report.Stats(env.Stdout, p, sel)
	}
	return outputError(err)
}

// outputError turns a failed write to stdout into a quiet exit when the
// reader went away (hpp stats ... | head), else an error.
func outputError(err error) error {
	if err == nil {
		return nil
	}
	if isBrokenPipe(err) {
		return ExitStatus{Code: ExitOK}
	}
	return &Error{Code: ExitFailure, Err: fmt.Errorf("writing output: %v", err)}
}

func isBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }
