// Package export writes profiles in the formats other tools read: pprof,
// speedscope, callgrind, folded stacks, flame graph SVG, Graphviz DOT,
// pstats, hpp's JSON and hpp's own profile file.
package export

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"hpp/internal/hppfile"
	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/report"
)

// Format names an output format.
type Format string

// The formats hpp writes.
const (
	Pprof      Format = "pprof"
	Speedscope Format = "speedscope"
	Callgrind  Format = "callgrind"
	Collapsed  Format = "collapsed"
	SVG        Format = "svg"
	DOT        Format = "dot"
	Pstats     Format = "pstats"
	JSON       Format = "json"
	Hpp        Format = "hpp" // hpp's own profile file (internal/hppfile)
)

// Formats lists every format in the order help text shows them.
var Formats = []Format{Pprof, Speedscope, Callgrind, Collapsed, SVG, DOT, Pstats, JSON, Hpp}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (choose one of %s)", s, formatList())
}

func formatList() string {
	var s []string
	for _, f := range Formats {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// FormatFor infers the format from an output path's name, or reports
// false when the name says nothing.
func FormatFor(path string) (Format, bool) {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasSuffix(base, ".pb.gz"), strings.HasSuffix(base, ".pprof"):
		return Pprof, true
	case strings.HasSuffix(base, ".speedscope.json"), strings.HasSuffix(base, ".speedscope"):
		return Speedscope, true
	case strings.HasSuffix(base, ".callgrind"), strings.HasPrefix(base, "callgrind.out"):
		return Callgrind, true
	case strings.HasSuffix(base, ".folded"), strings.HasSuffix(base, ".collapsed"):
		return Collapsed, true
	case strings.HasSuffix(base, ".svg"):
		return SVG, true
	case strings.HasSuffix(base, ".dot"), strings.HasSuffix(base, ".gv"):
		return DOT, true
	case strings.HasSuffix(base, ".prof"), strings.HasSuffix(base, ".pstats"):
		return Pstats, true
	case strings.HasSuffix(base, ".json"):
		return JSON, true
	case strings.HasSuffix(base, ".hpp"):
		return Hpp, true
	}
	return "", false
}

// Binary reports whether f's output is not text (so not for a terminal).
func (f Format) Binary() bool { return f == Pprof || f == Pstats || f == Hpp }

// Options adjust what is written.
type Options struct {
	// Focus keeps only what runs under or calls into a function whose
	// pstats name (file:line(name)) matches it; Ignore drops functions
	// that match it. See filter.go for the precise meaning per format.
	Focus, Ignore *regexp.Regexp
	// NodeFraction and EdgeFraction prune the DOT graph: nodes whose
	// cumulative time and edges whose time is below these fractions of
	// the total are left out (gprof2dot's -n and -e, in fractions).
	NodeFraction, EdgeFraction float64
	// Title names the profile in SVG and speedscope output.
	Title string
}

// DefaultOptions has gprof2dot's default fractions.
func DefaultOptions() Options {
	return Options{NodeFraction: 0.005, EdgeFraction: 0.001}
}

// Write writes p to w in format f.
func Write(w io.Writer, p *profile.Profile, f Format, o Options) error {
	switch f {
	case Pstats, JSON, Callgrind, DOT:
		p = filterGraph(WithCallGraph(p), o)
	}
	switch f {
	case Pprof:
		return WritePprof(w, p, o)
	case Speedscope:
		return WriteSpeedscope(w, p, o)
	case Callgrind:
		return WriteCallgrind(w, p)
	case Collapsed:
		return WriteCollapsed(w, p, o)
	case SVG:
		return WriteSVG(w, p, o)
	case DOT:
		return WriteDOT(w, p, o)
	case Pstats:
		return pstats.Write(w, p)
	case JSON:
		return report.JSON(w, p, nil)
	case Hpp:
		return hppfile.Write(w, p, nil)
	}
	return fmt.Errorf("unknown format %q", f)
}

// Labels returns a display name per function: the bare function name when
// no other function in p has it, else "name file:line", so that tools
// that merge frames by name do not merge different functions. (Not
// pstats' file:line(name): pprof drops a trailing "(...)" as C++
// parameters.)
func Labels(p *profile.Profile) []string {
	count := make(map[string]int, len(p.Funcs))
	for i := range p.Funcs {
		count[p.Funcs[i].Name]++
	}
	out := make([]string, len(p.Funcs))
	for i := range p.Funcs {
		f := &p.Funcs[i]
		if count[f.Name] == 1 {
			out[i] = f.Name
		} else {
			out[i] = f.Name + " " + f.File + ":" + strconv.Itoa(f.Line)
		}
	}
	return out
}

// sortedIDs returns the listed functions in the order pyprof2calltree
// writes them: by (file, line, name).
func sortedIDs(p *profile.Profile) []profile.FuncID {
	ids := p.ListedIDs()
	slices.SortFunc(ids, func(a, b profile.FuncID) int { return p.Funcs[a].Compare(p.Funcs[b].Func) })
	return ids
}
