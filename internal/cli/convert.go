package cli

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"regexp"

	"hpp/internal/export"
)

func init() {
	register(&Command{
		Name:         "convert",
		UsageLine:    "convert [--to FORMAT] [-o OUT] [flags] FILE...",
		Short:        "export a profile to pprof, speedscope, callgrind, folded stacks, flame graph SVG, DOT",
		Interspersed: true,
		Long: `Convert reads pstats files (several are merged as pstats.add merges them)
and writes the profile in another tool's format:

  pprof       gzipped profile.proto for go tool pprof, Pyroscope, Parca (.pb.gz, .pprof)
  speedscope  speedscope's JSON file format (.speedscope.json)
  callgrind   for KCachegrind/QCachegrind, as pyprof2calltree writes it (.callgrind, callgrind.out.*)
  collapsed   folded stacks "a;b;c 123" for flamegraph.pl, inferno, speedscope (.folded, .collapsed)
  svg         an interactive flame graph: hover, click to zoom, search (.svg)
  dot         a call graph for Graphviz in the manner of gprof2dot (.dot)
  pstats      a pstats file, as hpp stats -o writes (.prof, .pstats)
  json        hpp's JSON, as hpp stats --json writes (.json)

The format follows from --to, or else from OUT's name. Without -o the
output goes to stdout (binary formats refuse a terminal). cProfile
records a call graph, not stacks: the stacks that pprof, speedscope,
collapsed and svg need are estimated as hpp's viewer estimates them
(docs/tree.md), with the total kept equal to the profile's total.

Examples:
  hpp convert -o prog.pb.gz prog.prof && go tool pprof -top prog.pb.gz
  hpp convert -o prog.svg --strip-dirs prog.prof
  hpp convert --to collapsed prog.prof | flamegraph.pl > prog.svg
  hpp convert -o prog.dot prog.prof && dot -Tsvg prog.dot > graph.svg
  hpp convert -o callgrind.out.prog --focus 'mymodule' prog.prof`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
			to := fs.String("to", "", "output `FORMAT`: pprof, speedscope, callgrind, collapsed, svg, dot, pstats or json (default: from -o's name)")
			out := fs.String("o", "", "write to `FILE` instead of stdout")
			focus := fs.String("focus", "", "keep only what runs under, or calls into, functions whose file:line(name) matches `REGEX`")
			ignore := fs.String("ignore", "", "drop functions whose file:line(name) matches `REGEX`, with what runs under them in stack formats")
			stripDirs := fs.Bool("strip-dirs", false, "drop directories from file names, as pstats' strip_dirs")
			defaults := export.DefaultOptions()
			nodeFrac := fs.Float64("node-fraction", defaults.NodeFraction, "dot: leave out functions below this `FRACTION` of the total time")
			edgeFrac := fs.Float64("edge-fraction", defaults.EdgeFraction, "dot: leave out calls below this `FRACTION` of the total time")
			return func(ctx context.Context, env *Env, args []string) error {
				format, err := convertFormat(*to, *out)
				if err != nil {
					return err
				}
				o := export.Options{NodeFraction: *nodeFrac, EdgeFraction: *edgeFrac}
				if *nodeFrac < 0 || *nodeFrac > 1 || *edgeFrac < 0 || *edgeFrac > 1 {
					return Usagef("convert: --node-fraction and --edge-fraction take a fraction from 0 to 1, such as 0.005")
				}
				if o.Focus, err = compileFlag("focus", *focus); err != nil {
					return err
				}
				if o.Ignore, err = compileFlag("ignore", *ignore); err != nil {
					return err
				}
				if len(args) == 0 {
					return Usagef("convert: no profile file named (usage: hpp %s)", "convert [--to FORMAT] [-o OUT] FILE...")
				}
				if *out == "" && format.Binary() && isTerminal(env.Stdout) {
					return Usagef("convert: %s output is binary; name a file with -o or redirect stdout", format)
				}
				p, err := loadProfiles(args)
				if err != nil {
					return err
				}
				if *stripDirs {
					p = p.StripDirs()
				}
				o.Title = filepath.Base(args[0])
				if *out == "" {
					return outputError(export.Write(env.Stdout, p, format, o))
				}
				return writeFile(*out, func(w io.Writer) error { return export.Write(w, p, format, o) })
			}
		},
	}, 40)
}

// convertFormat picks the format from --to, else from the output's name.
func convertFormat(to, out string) (export.Format, error) {
	if to != "" {
		f, err := export.ParseFormat(to)
		if err != nil {
			return "", Usagef("convert: %v", err)
		}
		return f, nil
	}
	if out == "" {
		return "", Usagef("convert: name the format with --to (pprof, speedscope, callgrind, collapsed, svg, dot, pstats, json) or an -o file such as out.pb.gz")
	}
	f, ok := export.FormatFor(out)
	if !ok {
		return "", Usagef("convert: cannot tell the format from the name %q; add --to FORMAT", out)
	}
	return f, nil
}

func compileFlag(name, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, Usagef("convert: --%s: not a regular expression (Go syntax): %q: %v", name, expr, err)
	}
	return re, nil
}
