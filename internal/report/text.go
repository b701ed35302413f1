package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"hpp/internal/profile"
)

// Options choose what a text report shows.
type Options struct {
	Order        *Order        // nil: file order ("Random listing order was used")
	Restrictions []Restriction // applied in order, as print_stats(*amount)
}

// Selection is the ordered, restricted list of functions a report shows,
// with the "Ordered by" and "List reduced" lines pstats prints above it.
type Selection struct {
	IDs   []profile.FuncID
	Msg   string
	Width int // name column width for callers/callees, as pstats computes it
}

// Select applies the sort order and restrictions (get_print_list).
func Select(p *profile.Profile, o Options) Selection {
	var msg strings.Builder
	var ids []profile.FuncID
	if o.Order != nil && len(o.Order.keys) > 0 {
		// When the first restriction is a count or fraction, only that
		// many rows need sorting.
		k := -1
		if len(o.Restrictions) > 0 && o.Restrictions[0].Regexp == nil {
			r := o.Restrictions[0]
			if r.Fraction >= 0 {
				k = int(float64(p.NumListed)*r.Fraction + .5)
			} else {
				k = r.Count
			}
		}
		ids = o.Order.sortTop(p, k)
		msg.WriteString("   Ordered by: " + o.Order.Title + "\n")
	} else {
		ids = p.ListedIDs()
		msg.WriteString("   Random listing order was used\n")
	}
	for _, r := range o.Restrictions {
		ids = r.Apply(p, ids, &msg)
	}
	s := Selection{IDs: ids, Msg: msg.String()}
	var width int
	if len(ids) < p.NumListed {
		for _, id := range ids {
			width = max(width, utf8.RuneCountInString(p.Funcs[id].Func.String()))
		}
	} else {
		for i := range p.Funcs[:p.NumListed] {
			width = max(width, utf8.RuneCountInString(p.Funcs[i].Func.String()))
		}
	}
	s.Width = width + 2
	return s
}

func f8(x float64) string { return fmt.Sprintf("%8.3f", x) }

var topLevelMark = profile.Func{File: "jprofile", Line: 0, Name: "profiler"}

// header prints what print_stats prints before the table.
func header(w *bufio.Writer, p *profile.Profile) {
	for _, s := range p.Sources {
		w.WriteString(s + "\n")
	}
	if len(p.Sources) > 0 {
		w.WriteString("\n")
	}
	// Look for the mark's id first: comparing ids along every edge is far
	// cheaper than comparing names, and most profiles lack the mark.
	mark := profile.FuncID(-1)
	for i := range p.Funcs {
		if p.Funcs[i].Func == topLevelMark {
			mark = profile.FuncID(i)
			break
		}
	}
	for i := range p.Funcs[:p.NumListed] {
		if mark < 0 {
			break // most profiles: nothing to look for
		}
		for _, e := range p.Funcs[i].Callers {
			if e.Caller == mark {
				fmt.Fprintf(w, "         %s\n", p.Funcs[i].Name)
			}
		}
	}
	nc, pc := p.Totals()
	fmt.Fprintf(w, "         %d function calls ", nc)
	if nc != pc {
		fmt.Fprintf(w, "(%d primitive calls) ", pc)
	}
	fmt.Fprintf(w, "in %.3f seconds\n\n", p.TotalTT)
}

// Stats writes print_stats' report.
func Stats(out io.Writer, p *profile.Profile, o Options) error {
	w := bufio.NewWriterSize(out, 1<<16)
	header(w, p)
	sel := Select(p, o)
	if len(sel.IDs) > 0 {
		w.WriteString(sel.Msg + "\n")
		w.WriteString("   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n")
		var line []byte
		for _, id := range sel.IDs {
			line = appendStatsLine(line[:0], &p.Funcs[id])
			w.Write(line)
		}
		w.WriteString("\n\n")
	}
	return w.Flush()
}

// appendStatsLine is print_line.
func appendStatsLine(b []byte, f *profile.Function) []byte {
	c := strconv.FormatInt(f.NCalls, 10)
	if f.NCalls != f.PCalls {
		c += "/" + strconv.FormatInt(f.PCalls, 10)
	}
	b = append(b, rjust(c, 9)...)
	b = append(b, ' ')
	b = appendF8(b, f.TotTime)
	b = append(b, ' ')
	if f.NCalls == 0 {
		b = append(b, "         "...)
	} else {
		b = appendF8(b, f.TotTime/float64(f.NCalls))
		b = append(b, ' ')
	}
	b = appendF8(b, f.CumTime)
	b = append(b, ' ')
	if f.PCalls == 0 {
		b = append(b, "         "...)
	} else {
		b = appendF8(b, f.CumTime/float64(f.PCalls))
		b = append(b, ' ')
	}
	b = append(b, f.Func.String()...)
	return append(b, '\n')
}

// appendF8 is "%8.3f".
func appendF8(b []byte, x float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, x, 'f', 3, 64)
	if n := len(b) - start; n < 8 {
		b = append(b, "        "[:8-n]...)
		copy(b[start+8-n:], b[start:start+n])
		for i := start; i < start+8-n; i++ {
			b[i] = ' '
		}
	}
	return b
}

func rjust(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return strings.Repeat(" ", n-k) + s
	}
	return s
}

func ljust(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// Callers writes print_callers' report.
func Callers(out io.Writer, p *profile.Profile, o Options) error {
	return callView(out, p, o, "was called by...", "<-", func(id profile.FuncID) []peer {
		ps := make([]peer, len(p.Funcs[id].Callers))
		for i, e := range p.Funcs[id].Callers {
			ps[i] = peer{e.Stats, e.Caller, e.CountOnly}
		}
		return ps
	})
}

// Callees writes print_callees' report.
func Callees(out io.Writer, p *profile.Profile, o Options) error {
	calls := p.Calls()
	return callView(out, p, o, "called...", "->", func(id profile.FuncID) []peer {
		ps := make([]peer, len(calls[id]))
		for i, c := range calls[id] {
			ps[i] = peer{c.Stats, c.Callee, c.CountOnly}
		}
		return ps
	})
}

// peer is the function at the other end of an edge, a caller or a
// callee, with the edge's numbers.
type peer struct {
	profile.Stats
	id        profile.FuncID
	countOnly bool
}

func callView(out io.Writer, p *profile.Profile, o Options, title, arrow string, peers func(profile.FuncID) []peer) error {
	// print_callers and print_callees print no header: no file lines and
	// no call totals, unlike print_stats.
	w := bufio.NewWriterSize(out, 1<<16)
	sel := Select(p, o)
	if len(sel.IDs) == 0 {
		return w.Flush()
	}
	w.WriteString(sel.Msg + "\n")
	width := sel.Width
	w.WriteString(ljust("Function ", width) + title + "\n")
	// pstats prints the sub-header when the first function with callers
	// has cProfile-style (tuple) numbers.
	for i := range p.Funcs[:p.NumListed] {
		if cs := p.Funcs[i].Callers; len(cs) > 0 {
			if !cs[0].CountOnly {
				w.WriteString(strings.Repeat(" ", width) + "    ncalls  tottime  cumtime\n")
			}
			break
		}
	}
	for _, id := range sel.IDs {
		w.WriteString(ljust(p.Funcs[id].Func.String(), width) + arrow + " ")
		es := peers(id)
		if len(es) == 0 {
			w.WriteString("\n")
			continue
		}
		// print_call_line sorts by the functions' key tuples.
		slices.SortStableFunc(es, func(a, b peer) int { return p.Funcs[a.id].Compare(p.Funcs[b.id].Func) })
		for i, e := range es {
			name := p.Funcs[e.id].Func.String()
			if e.countOnly {
				if i > 0 {
					w.WriteString(strings.Repeat(" ", width+3))
				}
				fmt.Fprintf(w, "%s(%d) %s\n", name, e.NCalls, f8(p.Funcs[e.id].CumTime))
				continue
			}
			sub := strconv.FormatInt(e.NCalls, 10)
			if e.NCalls != e.PCalls {
				sub += "/" + strconv.FormatInt(e.PCalls, 10)
			}
			just := 7
			if i > 0 {
				w.WriteString(strings.Repeat(" ", width+1))
				just = 9
			}
			fmt.Fprintf(w, "%s %s %s  %s\n", rjust(sub, just), f8(e.TotTime), f8(e.CumTime), name)
		}
	}
	w.WriteString("\n\n")
	return w.Flush()
}
