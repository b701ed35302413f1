package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
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
			return o, Usagef("%v", err)
		}
		o.Order = ord
	}
	if sf.filter != "" {
		r, err := report.ParseFilter(sf.filter)
		if err != nil {
			return o, Usagef("%v", err)
		}
		o.Restrictions = append(o.Restrictions, r)
	}
	if sf.limit != "" && sf.limit != "all" {
		r, err := report.ParseLimit(sf.limit)
		if err != nil {
			return o, Usagef("%v", err)
		}
		o.Restrictions = append(o.Restrictions, r)
	}
	return o, nil
}

func init() {
	register(&Command{
		Name:         "stats",
		UsageLine:    "stats [flags] FILE...",
		Short:        "print a profile as pstats does (sort, limit, filter, callers, callees, JSON)",
		Interspersed: true,
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
		Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
			var sf statsFlags
			sf.register(fs, "")
			callers := fs.Bool("callers", false, "print who calls each function (print_callers)")
			callees := fs.Bool("callees", false, "print what each function calls (print_callees)")
			asJSON := fs.Bool("json", false, "write JSON instead of a table")
			out := fs.String("o", "", "write the merged, filtered profile as a pstats `FILE`")
			return func(ctx context.Context, env *Env, args []string) error {
				// A report keeps nearly everything it allocates, so the
				// collector only costs time (about 16% at 30k functions,
				// docs/benchmarks.md); the memory limit still bounds the
				// heap if a hostile file makes garbage.
				debug.SetGCPercent(-1)
				debug.SetMemoryLimit(1 << 30)
				o, err := sf.options()
				if err != nil {
					return err
				}
				if *callers && *callees || (*callers || *callees) && *asJSON {
					return Usagef("stats: choose one of --callers, --callees and --json")
				}
				p, err := loadProfiles(args)
				if err != nil {
					return err
				}
				if sf.stripDirs {
					p = p.StripDirs()
				}
				sel := report.Select(p, o)
				if *out != "" {
					kept := p
					if len(o.Restrictions) > 0 {
						in := make([]bool, len(p.Funcs))
						for _, id := range sel.IDs {
							in[id] = true
						}
						kept = p.Keep(func(id profile.FuncID) bool { return in[id] })
					}
					if err := writeFile(*out, func(w io.Writer) error { return pstats.Write(w, kept) }); err != nil {
						return err
					}
					fmt.Fprintf(env.Stderr, "hpp: wrote %s (%d functions)\n", *out, kept.NumListed)
					if !*callers && !*callees && !*asJSON {
						return nil
					}
				}
				switch {
				case *asJSON:
					ids := sel.IDs
					if ids == nil {
						ids = []profile.FuncID{}
					}
					err = report.JSON(env.Stdout, p, ids)
				case *callers:
					err = report.Callers(env.Stdout, p, o)
				case *callees:
					err = report.Callees(env.Stdout, p, o)
				default:
					err = report.Stats(env.Stdout, p, o)
				}
				return outputError(err)
			}
		},
	}, 20)
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
