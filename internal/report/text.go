package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
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
	// Terminal says the report goes to a terminal: names are printed
	// through Terminal, so that a hostile profile cannot drive it. Files
	// and pipes get pstats' exact bytes.
	Terminal bool
}

// name is fn as the report prints it.
func (o Options) name(fn profile.Func) string {
	if o.Terminal {
		return Terminal(fn.String())
	}
	return fn.String()
}

// Selection is the ordered, restricted list of functions a report shows,
// with the "Ordered by" and "List reduced" lines pstats prints above it.
type Selection struct {
	IDs   []profile.FuncID
	Msg   string
	Width int // name column width for callers/callees, as pstats computes it
	// Terminal is Options.Terminal: names are escaped for a terminal.
	Terminal bool
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
	s := Selection{IDs: ids, Msg: msg.String(), Terminal: o.Terminal}
	var width int
	if len(ids) < p.NumListed {
		for _, id := range ids {
			width = max(width, utf8.RuneCountInString(o.name(p.Funcs[id].Func)))
		}
	} else {
		for i := range p.Funcs[:p.NumListed] {
			width = max(width, utf8.RuneCountInString(o.name(p.Funcs[i].Func)))
		}
	}
	s.Width = width + 2
	return s
}

func f8(x float64) string { return string(appendF8(nil, x)) }

var topLevelMark = profile.Func{File: "jprofile", Line: 0, Name: "profiler"}

// header prints what print_stats prints before the table.
func header(w *bufio.Writer, p *profile.Profile, term bool) {
	for _, s := range p.Sources {
		if term {
			s = Terminal(s)
		}
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
				name := p.Funcs[i].Name
				if term {
					name = Terminal(name)
				}
				fmt.Fprintf(w, "         %s\n", name)
			}
		}
	}
	nc, pc := p.Totals()
	fmt.Fprintf(w, "         %d function calls ", nc)
	if nc != pc {
		fmt.Fprintf(w, "(%d primitive calls) ", pc)
	}
	w.WriteString("in " + string(appendF3(nil, p.TotalTT)) + " seconds\n\n")
}

// Stats writes print_stats' report of the functions sel selected from p.
func Stats(out io.Writer, p *profile.Profile, sel Selection) error {
	w := bufio.NewWriterSize(out, 1<<16)
	header(w, p, sel.Terminal)
	o := Options{Terminal: sel.Terminal}
	if len(sel.IDs) > 0 {
		w.WriteString(sel.Msg + "\n")
		w.WriteString("   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n")
		var line []byte
		for _, id := range sel.IDs {
			line = appendStatsLine(line[:0], &p.Funcs[id], o)
			w.Write(line)
		}
		w.WriteString("\n\n")
	}
	return w.Flush()
}

// appendStatsLine is print_line.
func appendStatsLine(b []byte, f *profile.Function, o Options) []byte {
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
	b = append(b, o.name(f.Func)...)
	return append(b, '\n')
}

// appendF3 is Python's "%.3f": Go's, but with nan, inf and -inf where Go
// writes NaN, +Inf and -Inf.
func appendF3(b []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, "nan"...)
	case math.IsInf(x, 1):
		return append(b, "inf"...)
	case math.IsInf(x, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, x, 'f', 3, 64)
}

// appendF8 is Python's "%8.3f".
func appendF8(b []byte, x float64) []byte {
	start := len(b)
	b = appendF3(b, x)
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

// Callers writes print_callers' report of the functions sel selected.
func Callers(out io.Writer, p *profile.Profile, sel Selection) error {
	return callView(out, p, sel, "was called by...", "<-", func(id profile.FuncID) []peer {
		ps := make([]peer, len(p.Funcs[id].Callers))
		for i, e := range p.Funcs[id].Callers {
			ps[i] = peer{e.Stats, e.Caller, e.CountOnly}
		}
		return ps
	})
}

// Callees writes print_callees' report of the functions sel selected.
func Callees(out io.Writer, p *profile.Profile, sel Selection) error {
	calls := p.Calls()
	return callView(out, p, sel, "called...", "->", func(id profile.FuncID) []peer {
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

func callView(out io.Writer, p *profile.Profile, sel Selection, title, arrow string, peers func(profile.FuncID) []peer) error {
	// print_callers and print_callees print no header: no file lines and
	// no call totals, unlike print_stats.
	w := bufio.NewWriterSize(out, 1<<16)
	if len(sel.IDs) == 0 {
		return w.Flush()
	}
	w.WriteString(sel.Msg + "\n")
	o := Options{Terminal: sel.Terminal}
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
		w.WriteString(ljust(o.name(p.Funcs[id].Func), width) + arrow + " ")
		es := peers(id)
		if len(es) == 0 {
			w.WriteString("\n")
			continue
		}
		// print_call_line sorts by the functions' key tuples.
		slices.SortStableFunc(es, func(a, b peer) int { return p.Funcs[a.id].Compare(p.Funcs[b.id].Func) })
		for i, e := range es {
			name := o.name(p.Funcs[e.id].Func)
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
