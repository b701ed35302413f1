package cli

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"regexp"

	"hpp/internal/export"
)

var convertCommand = &Command{
	Name:         "convert",
	UsageLine:    "convert [--to FORMAT] [-o OUT] [flags] FILE...",
	Short:        "export a profile to pprof, speedscope, callgrind, folded stacks, flame graph SVG, DOT",
	Interspersed: true,
	Long: `Convert reads pstats files and hpp's own files as hpp record writes them
(several are merged as pstats.add merges them) and writes the profile in
another tool's format:

  pprof       gzipped profile.proto for go tool pprof, Pyroscope, Parca (.pb.gz, .pprof)
  speedscope  speedscope's JSON file format (.speedscope.json)
  callgrind   for KCachegrind/QCachegrind, as pyprof2calltree writes it (.callgrind, callgrind.out.*)
  collapsed   folded stacks "a;b;c 123" for flamegraph.pl, inferno, speedscope (.folded, .collapsed)
  svg         an interactive flame graph: hover, click to zoom, search (.svg)
  dot         a call graph for Graphviz in the manner of gprof2dot (.dot)
  pstats      a pstats file, as hpp stats -o writes (.prof, .pstats)
  json        hpp's JSON, as hpp stats --json writes (.json)
  hpp         hpp's own profile file, as hpp record writes it (.hpp; docs/format.md)

The format follows from --to, or else from OUT's name. Without -o the
output goes to stdout (binary formats refuse a terminal). cProfile
records a call graph, not stacks: the stacks that pprof, speedscope,
collapsed and svg need are estimated as hpp's viewer estimates them
(docs/tree.md), with the total kept equal to the profile's total.
A sampled profile's stacks are exact, weighted by sample counts; its
pstats, callgrind, DOT and JSON numbers are derived from the samples
(tottime: own samples × the sampling period; no call counts).

Examples:
  hpp convert -o prog.pb.gz prog.prof && go tool pprof -top prog.pb.gz
  hpp convert -o prog.svg --strip-dirs prog.prof
  hpp convert --to collapsed prog.prof | flamegraph.pl > prog.svg
  hpp convert -o prog.dot prog.prof && dot -Tsvg prog.dot > graph.svg
  hpp convert -o callgrind.out.prog --focus 'mymodule' prog.prof`,
	Setup: setup((*convertOptions).flags, runConvert),
}

type convertOptions struct {
	to, out, focus, ignore string
	stripDirs              bool
	nodeFrac, edgeFrac     float64
}

func (o *convertOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.to, "to", "", "output `FORMAT`: pprof, speedscope, callgrind, collapsed, svg, dot, pstats, json or hpp (default: from -o's name)")
	fs.StringVar(&o.out, "o", "", "write to `FILE` instead of stdout")
	fs.StringVar(&o.focus, "focus", "", "keep only what runs under, or calls into, functions whose file:line(name) matches `REGEX`")
	fs.StringVar(&o.ignore, "ignore", "", "drop functions whose file:line(name) matches `REGEX`, with what runs under them in stack formats")
	fs.BoolVar(&o.stripDirs, "strip-dirs", false, "drop directories from file names, as pstats' strip_dirs")
	defaults := export.DefaultOptions()
	fs.Float64Var(&o.nodeFrac, "node-fraction", defaults.NodeFraction, "dot: leave out functions below this `FRACTION` of the total time")
	fs.Float64Var(&o.edgeFrac, "edge-fraction", defaults.EdgeFraction, "dot: leave out calls below this `FRACTION` of the total time")
}

// runConvert is hpp convert: merge the files and export them.
func runConvert(ctx context.Context, env *Env, o *convertOptions, args []string) error {
	format, err := convertFormat(o.to, o.out)
	if err != nil {
		return err
	}
	eo := export.Options{NodeFraction: o.nodeFrac, EdgeFraction: o.edgeFrac}
	if o.nodeFrac < 0 || o.nodeFrac > 1 || o.edgeFrac < 0 || o.edgeFrac > 1 {
		return Usagef("convert: --node-fraction and --edge-fraction take a fraction from 0 to 1, such as 0.005")
	}
	if eo.Focus, err = compileFlag("focus", o.focus); err != nil {
		return err
	}
	if eo.Ignore, err = compileFlag("ignore", o.ignore); err != nil {
		return err
	}
	if len(args) == 0 {
		return Usagef("convert: no profile file named (usage: hpp %s)", "convert [--to FORMAT] [-o OUT] FILE...")
	}
	if o.out == "" && format.Binary() && isTerminal(env.Stdout) {
		return Usagef("convert: %s output is binary; name a file with -o or redirect stdout", format)
	}
	p, err := loadProfiles(args)
	if err != nil {
		return err
	}
	if o.stripDirs {
		p = p.StripDirs()
	}
	eo.Title = filepath.Base(args[0])
	if o.out == "" {
		return outputError(export.Write(env.Stdout, p, format, eo))
	}
	return writeFile(o.out, func(w io.Writer) error { return export.Write(w, p, format, eo) })
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
		return "", Usagef("convert: name the format with --to (pprof, speedscope, callgrind, collapsed, svg, dot, pstats, json, hpp) or an -o file such as out.pb.gz")
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
