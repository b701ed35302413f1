package export

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"

	"hpp/internal/profile"
)

// WriteCallgrind writes the call graph in callgrind's format for
// KCachegrind and QCachegrind with the numbers pyprof2calltree writes for
// the same pstats input: one event, ns; per function its own time at its
// first line, and per callee a calls= line with the edge's call count
// (pstats' first number, which pyprof2calltree writes) and the edge's
// cumulative time; times truncated to whole nanoseconds as
// pyprof2calltree's int(t * 1e9) does; functions sorted by (file, line,
// name); a name shared by two functions of one file gets ":line"
// appended. The header adds what the format's specification asks for
// (version, creator) and a totals line.
func WriteCallgrind(w io.Writer, p *profile.Profile) error {
	ids := sortedIDs(p)
	calls := p.Calls()
	names := callgrindNames(p, calls)
	ns := func(t float64) int64 { return int64(t * 1e9) }

	var summary, totals int64
	for i := range p.Funcs[:p.NumListed] {
		summary = max(summary, ns(p.Funcs[i].CumTime))
		totals += ns(p.Funcs[i].TotTime)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	b := make([]byte, 0, 1<<12)
	b = append(b, "# callgrind format\nversion: 1\ncreator: hpp\nevent: ns : Nanoseconds\nevents: ns\nsummary: "...)
	b = strconv.AppendInt(b, summary, 10)
	b = append(b, "\ntotals: "...)
	b = strconv.AppendInt(b, totals, 10)
	b = append(b, "\n\n"...)
	for _, id := range ids {
		f := &p.Funcs[id]
		b = append(b, "fl="...)
		b = append(b, oneLine(f.File)...)
		b = append(b, "\nfn="...)
		b = append(b, names[id]...)
		b = append(b, '\n')
		b = strconv.AppendInt(b, int64(f.Line), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, ns(f.TotTime), 10)
		b = append(b, '\n')
		cs := append([]profile.Call(nil), calls[id]...)
		slices.SortStableFunc(cs, func(a, b profile.Call) int { return p.Funcs[a.Callee].Compare(p.Funcs[b.Callee].Func) })
		for _, e := range cs {
			g := &p.Funcs[e.Callee]
			b = append(b, "cfl="...)
			b = append(b, oneLine(g.File)...)
			b = append(b, "\ncfn="...)
			b = append(b, names[e.Callee]...)
			b = append(b, "\ncalls="...)
			b = strconv.AppendInt(b, e.NCalls, 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(g.Line), 10)
			b = append(b, '\n')
			b = strconv.AppendInt(b, int64(f.Line), 10)
			b = append(b, ' ')
			ct := e.CumTime
			if e.CountOnly && g.NCalls > 0 {
				// The profile module records a count only: share out the
				// callee's time by calls, as the tree estimate does.
				ct = g.CumTime * float64(e.NCalls) / float64(g.NCalls)
			}
			b = strconv.AppendInt(b, ns(ct), 10)
			b = append(b, '\n')
		}
		b = append(b, '\n')
		if len(b) > 1<<15 {
			bw.Write(b)
			b = b[:0]
		}
	}
	bw.Write(b)
	return bw.Flush()
}

// callgrindNames is pyprof2calltree's munged_function_name: the bare name
// unless another function of the same file has it too, then "name:line".
func callgrindNames(p *profile.Profile, calls [][]profile.Call) []string {
	type key struct{ file, name string }
	count := map[key]int{}
	seen := make([]bool, len(p.Funcs))
	note := func(id profile.FuncID) {
		if !seen[id] {
			seen[id] = true
			f := &p.Funcs[id]
			count[key{f.File, f.Name}]++
		}
	}
	for i := range p.Funcs[:p.NumListed] {
		note(profile.FuncID(i))
		for _, c := range calls[i] {
			note(c.Callee)
		}
	}
	names := make([]string, len(p.Funcs))
	for i := range p.Funcs {
		f := &p.Funcs[i]
		if count[key{f.File, f.Name}] > 1 {
			names[i] = oneLine(f.Name) + ":" + strconv.Itoa(f.Line)
		} else {
			names[i] = oneLine(f.Name)
		}
	}
	return names
}

// oneLine keeps a name on its line: the format is line-based.
func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	}
	return s
}
