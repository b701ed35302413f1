package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"hpp/internal/export"
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
	var keys []string
	for _, k := range sf.sort {
		// A sampled profile's names for its derived numbers.
		k = strings.NewReplacer("own", "tottime", "total", "cumulative").Replace(k)
		keys = append(keys, k)
	}
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
	var err error
	o.Restrictions, err = sf.restrictions()
	return o, err
}

// restrictions parses --filter and --limit, in that order, as pstats
// applies them.
func (sf *statsFlags) restrictions() ([]report.Restriction, error) {
	var rs []report.Restriction
	if sf.filter != "" {
		r, err := report.ParseFilter(sf.filter)
		if err != nil {
			return nil, Usagef("--filter: %v", err)
		}
		rs = append(rs, r)
	}
	if sf.limit != "" && sf.limit != "all" {
		r, err := report.ParseLimit(sf.limit)
		if err != nil {
			return nil, Usagef("--limit: %v", err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// sampledOptions are the report flags for a sampled profile: its own sort
// keys (own, total, and pstats' names that make sense for samples).
func (sf *statsFlags) sampledOptions() (report.SampledOptions, error) {
	var o report.SampledOptions
	keys := []string(sf.sort)
	o.Unsorted = len(keys) == 1 && keys[0] == "none"
	if !o.Unsorted {
		ord, err := report.ParseSampledOrder(keys)
		if err != nil {
			return o, Usagef("--sort: %v", err)
		}
		o.Order = ord
	}
	var err error
	o.Restrictions, err = sf.restrictions()
	return o, err
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

It also reads hpp's own files, as hpp record writes them (docs/format.md).
For such a sampled profile the table counts samples, not time: per
function its own samples (where it was running), its total samples
(where it was anywhere on the stack), their shares, and the split of
its samples: holding the GIL, running without it, waiting for it, idle;
then the same per thread. --sort takes own, total, name, file, line or
stdname (or pstats' tottime and cumulative). --callers, --callees,
--json and -o use pstats' numbers derived from the samples (tottime:
own samples × the sampling period). --lines lists the hottest lines
instead: file:line, function, own and total shares, and the line's text
from the source files the profile embeds (else from disk); 40 lines
unless --limit says otherwise. cProfile records no lines.

Examples:
  hpp stats fib.prof
  hpp stats --sort tottime --limit 20 fib.prof
  hpp stats --callers --filter 'fib' fib.prof
  hpp stats --json a.prof b.prof > merged.json
  hpp stats -o merged.prof a.prof b.prof
  hpp stats --sort own --limit 20 hpp-1234.hpp
  hpp stats --lines hpp-1234.hpp`,
	Setup: setup((*statsOptions).flags, runStats),
}

type statsOptions struct {
	report                   statsFlags
	callers, callees, asJSON bool
	lines                    bool
	out                      string
}

func (o *statsOptions) flags(fs *flag.FlagSet) {
	o.report.register(fs, "")
	fs.BoolVar(&o.callers, "callers", false, "print who calls each function (print_callers)")
	fs.BoolVar(&o.callees, "callees", false, "print what each function calls (print_callees)")
	fs.BoolVar(&o.asJSON, "json", false, "write JSON instead of a table")
	fs.BoolVar(&o.lines, "lines", false, "list the hottest lines of a sampled profile (hpp record's)")
	fs.StringVar(&o.out, "o", "", "write the merged, filtered profile as a pstats `FILE`")
}

// runStats is hpp stats: merge the files, select once, then write the
// profile (-o) and the report chosen.
func runStats(ctx context.Context, env *Env, o *statsOptions, args []string) error {
	// Which sort keys apply depends on the profile: check both now, so
	// that a bad flag is reported before any file is read.
	ro, rerr := o.report.options()
	so, serr := o.report.sampledOptions()
	if rerr != nil && serr != nil {
		return rerr
	}
	ro.Terminal = isTerminal(env.Stdout) // names escaped for a terminal
	if n := count(o.callers, o.callees, o.asJSON, o.lines); n > 1 {
		return Usagef("stats: choose one of --callers, --callees, --json and --lines")
	}
	p, err := loadProfiles(args)
	if err != nil {
		return err
	}
	files := p.Files
	if o.report.stripDirs {
		p = p.StripDirs()
	}
	sampled := p.NumListed == 0 && p.Samples != nil && len(p.Samples.Samples) > 0
	if o.lines && !sampled {
		return &Error{Code: ExitBadInput, Err: fmt.Errorf("stats --lines: %s holds no sampled lines: cProfile records no lines; record with hpp record -p PID", strings.Join(args, ", "))}
	}
	if sampled && o.out == "" && !o.callers && !o.callees && !o.asJSON {
		if serr != nil {
			return serr
		}
		if o.lines {
			if o.report.limit == "" {
				r, _ := report.ParseLimit("40")
				so.Restrictions = append(so.Restrictions, r)
			}
			return outputError(report.Lines(env.Stdout, p, so, sourceText(files, o.report.stripDirs)))
		}
		return outputError(report.Sampled(env.Stdout, p, so))
	}
	if sampled {
		// pstats' numbers from the samples, for the call views, JSON, -o.
		p = export.WithCallGraph(p)
	}
	if rerr != nil {
		return rerr
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

func count(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

// sourceText finds a source file's text: embedded in the profile, else
// on disk (a regular file of at most 4 MiB), else nil. With stripped
// names, embedded files are found by their base names.
func sourceText(files []profile.SourceFile, stripped bool) func(path string) []byte {
	byPath := make(map[string][]byte, len(files))
	for _, f := range files {
		if stripped {
			f.Path = profile.Func{File: f.Path}.StripDir().File
		}
		byPath[f.Path] = f.Text
	}
	return func(path string) []byte {
		if t, ok := byPath[path]; ok {
			return t
		}
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > 4<<20 {
			return nil
		}
		t, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		return t
	}
}
