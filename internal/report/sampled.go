package report

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"hpp/internal/profile"
	"hpp/internal/timemode"
)

// SampledKey is a sort key of a sampled report.
type SampledKey int

// The sort keys of a sampled report: pstats' names where they make
// sense (tottime is own samples, cumulative total samples).
const (
	ByTotal   SampledKey = iota // total samples, most first
	ByOwn                       // own samples, most first
	ByName                      // function name
	ByFile                      // file name, then line
	ByLine                      // line
	ByStdname                   // file:line(name) as a string
)

var sampledKeyNames = map[string]SampledKey{
	"total": ByTotal, "cumulative": ByTotal, "cumtime": ByTotal,
	"own": ByOwn, "tottime": ByOwn, "time": ByOwn,
	"name": ByName, "file": ByFile, "filename": ByFile, "module": ByFile,
	"line": ByLine, "stdname": ByStdname, "nfl": ByStdname,
}

var sampledKeyDesc = [...]string{ByTotal: "total samples", ByOwn: "own samples", ByName: "function name",
	ByFile: "file name", ByLine: "line number", ByStdname: "standard name"}

// ParseSampledOrder reads sort keys for a sampled report: own, total,
// name, file, line, stdname, and pstats' names for them (tottime,
// cumulative, ...); a unique prefix of one works.
func ParseSampledOrder(words []string) ([]SampledKey, error) {
	var keys []SampledKey
	for _, w := range words {
		for _, w := range strings.Split(w, ",") {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			k, ok := sampledKeyNames[w]
			if !ok {
				var found []string
				for name := range sampledKeyNames {
					if strings.HasPrefix(name, w) {
						found = append(found, name)
					}
				}
				slices.Sort(found)
				switch {
				case w == "calls" || w == "ncalls" || w == "pcalls":
					return nil, fmt.Errorf("%q: a sampled profile counts samples, not calls (sort by own or total)", w)
				case len(found) == 1 || len(found) > 1 && sameKey(found):
					k = sampledKeyNames[found[0]]
				case len(found) > 1:
					return nil, fmt.Errorf("%q is short for more than one key: %s", w, strings.Join(found, ", "))
				default:
					return nil, fmt.Errorf("unknown sort key %q for a sampled profile (choose own, total, name, file, line or stdname)", w)
				}
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func sameKey(names []string) bool {
	for _, n := range names[1:] {
		if sampledKeyNames[n] != sampledKeyNames[names[0]] {
			return false
		}
	}
	return true
}

// SampledOptions choose what a sampled report shows.
type SampledOptions struct {
	Order        []SampledKey  // default: total samples
	Unsorted     bool          // keep the profile's function order (--sort none)
	Restrictions []Restriction // applied in order, on file:line(name)
}

// FuncSamples is one function's samples: own (it is the leaf), total (it
// is anywhere on the stack, once per sample), and the split of its total
// samples by what the thread was doing.
type FuncSamples struct {
	Func       profile.FuncID
	Own, Total int64
	Split      timemode.Counts
}

// CountFuncs counts every function's samples, in function order, and
// returns the total weight.
func CountFuncs(s *profile.SampleSet, nfuncs int) ([]FuncSamples, int64) {
	rows := make([]FuncSamples, nfuncs)
	seen := make([]int, nfuncs)
	var all int64
	for i := range s.Samples {
		smp := &s.Samples[i]
		all += smp.Weight
		st := timemode.StateOf(smp)
		for j, fr := range smp.Stack {
			r := &rows[fr.Func]
			if j == 0 {
				r.Own += smp.Weight
			}
			if seen[fr.Func] != i+1 {
				seen[fr.Func] = i + 1
				r.Total += smp.Weight
				r.Split[st] += smp.Weight
			}
		}
	}
	for i := range rows {
		rows[i].Func = profile.FuncID(i)
	}
	return rows, all
}

func (o SampledOptions) describe() string {
	if o.Unsorted {
		return "the profile's function order"
	}
	order := o.Order
	if len(order) == 0 {
		order = []SampledKey{ByTotal}
	}
	var d []string
	for _, k := range order {
		d = append(d, sampledKeyDesc[k])
	}
	return strings.Join(d, ", ")
}

// compare orders two rows by the keys, then by function.
func (o SampledOptions) compare(p *profile.Profile, a, b FuncSamples, aLine, bLine int32) int {
	order := o.Order
	if len(order) == 0 {
		order = []SampledKey{ByTotal}
	}
	fa, fb := p.Funcs[a.Func].Func, p.Funcs[b.Func].Func
	for _, k := range order {
		var c int
		switch k {
		case ByTotal:
			c = cmp.Compare(b.Total, a.Total)
		case ByOwn:
			c = cmp.Compare(b.Own, a.Own)
		case ByName:
			c = strings.Compare(fa.Name, fb.Name)
		case ByFile:
			c = strings.Compare(fa.File, fb.File)
			if c == 0 {
				c = cmp.Compare(aLine, bLine)
			}
		case ByLine:
			c = cmp.Compare(aLine, bLine)
		case ByStdname:
			c = strings.Compare(fa.String(), fb.String())
		}
		if c != 0 {
			return c
		}
	}
	if c := fa.Compare(fb); c != 0 {
		return c
	}
	return cmp.Compare(aLine, bLine)
}

// restrict applies the restrictions to n rows named by name(i), returning
// the kept indexes and pstats' "List reduced" lines.
func (o SampledOptions) restrict(n int, name func(i int) string, msg *strings.Builder) []int {
	list := make([]int, n)
	for i := range list {
		list[i] = i
	}
	for _, r := range o.Restrictions {
		out := list
		switch {
		case r.Regexp != nil:
			out = nil
			for _, i := range list {
				if r.Regexp.MatchString(name(i)) {
					out = append(out, i)
				}
			}
		case r.Fraction >= 0:
			out = list[:int(float64(len(list))*r.Fraction+.5)]
		case r.Count < len(list):
			out = list[:r.Count]
		}
		if len(out) != len(list) {
			fmt.Fprintf(msg, "   List reduced from %d to %d due to restriction <%s>\n", len(list), len(out), r.Text)
		}
		list = out
	}
	return list
}

// sampledHeader prints the sources and the line that says what was
// sampled.
func sampledHeader(w *bufio.Writer, p *profile.Profile, all int64) {
	for _, s := range p.Sources {
		w.WriteString(Terminal(s) + "\n")
	}
	if len(p.Sources) > 0 {
		w.WriteString("\n")
	}
	s := p.Samples
	fmt.Fprintf(w, "   sampled: %d samples", all)
	if s.Unit != "" && s.Unit != "samples" {
		fmt.Fprintf(w, " (weights in %s)", Terminal(s.Unit))
	}
	if s.PeriodNS > 0 {
		w.WriteString(" at " + strconv.FormatFloat(1e9/float64(s.PeriodNS), 'g', 4, 64) + " Hz")
	}
	if s.Mode != "" {
		fmt.Fprintf(w, ", %s mode", Terminal(s.Mode))
	}
	if len(s.Threads) == 1 {
		w.WriteString(", 1 thread")
	} else {
		fmt.Fprintf(w, ", %d threads", len(s.Threads))
	}
	if len(s.Processes) > 1 {
		fmt.Fprintf(w, " in %d processes", len(s.Processes))
	}
	w.WriteString("\n\n")
}

func pct(n, all int64) float64 {
	if all == 0 {
		return 0
	}
	return 100 * float64(n) / float64(all)
}

func appendSplit(b []byte, c *timemode.Counts) []byte {
	for st := timemode.State(0); st < timemode.NStates; st++ {
		b = fmt.Appendf(b, " %7.1f%%", 100*c.Share(st))
	}
	return b
}

// splitHead heads appendSplit's columns.
var splitHead = func() string {
	var b strings.Builder
	for st := timemode.State(0); st < timemode.NStates; st++ {
		fmt.Fprintf(&b, " %8s", st)
	}
	return b.String()
}()

// Sampled writes the report of a sampled profile: per function its own
// and total samples and their shares, and the split of its samples by
// what the thread was doing (timemode's states); then per thread its
// samples and their split. Every string from the profile goes through
// Terminal.
func Sampled(out io.Writer, p *profile.Profile, o SampledOptions) error {
	w := bufio.NewWriterSize(out, 1<<16)
	s := p.Samples
	rows, all := CountFuncs(s, len(p.Funcs))
	sampledHeader(w, p, all)
	rows = slices.DeleteFunc(rows, func(r FuncSamples) bool { return r.Total == 0 })
	if !o.Unsorted {
		slices.SortFunc(rows, func(a, b FuncSamples) int {
			return o.compare(p, a, b, int32(p.Funcs[a.Func].Line), int32(p.Funcs[b.Func].Line))
		})
	}
	var msg strings.Builder
	kept := o.restrict(len(rows), func(i int) string { return p.Funcs[rows[i].Func].String() }, &msg)
	fmt.Fprintf(w, "   Ordered by: %s\n", o.describe())
	if msg.Len() > 0 {
		w.WriteString("\n" + msg.String())
	}
	w.WriteString("\n")
	w.WriteString("       own   own%    total  total%   split of the total samples:\n")
	w.WriteString("   samples         samples         " + splitHead + "  filename:lineno(function)\n")
	var b []byte
	for _, i := range kept {
		r := &rows[i]
		b = fmt.Appendf(b[:0], "%10d %5.1f%% %8d %5.1f%%  ", r.Own, pct(r.Own, all), r.Total, pct(r.Total, all))
		b = appendSplit(b, &r.Split)
		b = append(b, "  "...)
		b = append(b, Terminal(p.Funcs[r.Func].String())...)
		b = append(b, '\n')
		w.Write(b)
	}
	sp := timemode.Of(s)
	w.WriteString("\n   Threads:\n")
	w.WriteString("   samples  share  " + splitHead + "  thread (id")
	if len(s.Processes) > 0 {
		w.WriteString(", process")
	}
	w.WriteString(")\n")
	for _, r := range sp.Threads {
		n := r.Total()
		if n == 0 {
			continue
		}
		th := s.Threads[r.Thread]
		b = fmt.Appendf(b[:0], "%10d %5.1f%%  ", n, pct(n, all))
		b = appendSplit(b, &r.Counts)
		b = fmt.Appendf(b, "  %s (%d", Terminal(th.Name), th.ID)
		if len(s.Processes) > 0 && int(th.Process) < len(s.Processes) {
			pr := s.Processes[th.Process]
			b = fmt.Appendf(b, ", %d %s", pr.PID, Terminal(pr.Command))
		}
		b = append(b, ")\n"...)
		w.Write(b)
	}
	w.WriteString("\n")
	return w.Flush()
}

// LineSamples is one line of one function: own samples (the line was
// executing in the leaf frame) and total (executing in any frame, once
// per sample).
type LineSamples struct {
	Func       profile.FuncID
	Line       int32
	Own, Total int64
}

// CountLines counts the samples of every (function, line) seen, in no
// particular order, and returns the total weight.
func CountLines(s *profile.SampleSet) ([]LineSamples, int64) {
	type key struct {
		f    profile.FuncID
		line int32
	}
	idx := map[key]int{}
	var rows []LineSamples
	seen := []int{}
	var all int64
	for i := range s.Samples {
		smp := &s.Samples[i]
		all += smp.Weight
		for j, fr := range smp.Stack {
			k := key{fr.Func, fr.Line}
			x, ok := idx[k]
			if !ok {
				x = len(rows)
				idx[k] = x
				rows = append(rows, LineSamples{Func: fr.Func, Line: fr.Line})
				seen = append(seen, 0)
			}
			if j == 0 {
				rows[x].Own += smp.Weight
			}
			if seen[x] != i+1 {
				seen[x] = i + 1
				rows[x].Total += smp.Weight
			}
		}
	}
	return rows, all
}

// Lines writes the hottest lines of a sampled profile: file:line, the
// function, own and total shares and the line's text, which source gives
// (nil: left blank). The default order is own samples, then total.
func Lines(out io.Writer, p *profile.Profile, o SampledOptions, source func(path string) []byte) error {
	w := bufio.NewWriterSize(out, 1<<16)
	rows, all := CountLines(p.Samples)
	sampledHeader(w, p, all)
	if len(o.Order) == 0 || o.Unsorted {
		o.Order, o.Unsorted = []SampledKey{ByOwn, ByTotal}, false
	}
	slices.SortFunc(rows, func(a, b LineSamples) int {
		return o.compare(p, FuncSamples{Func: a.Func, Own: a.Own, Total: a.Total}, FuncSamples{Func: b.Func, Own: b.Own, Total: b.Total}, a.Line, b.Line)
	})
	var msg strings.Builder
	kept := o.restrict(len(rows), func(i int) string { return p.Funcs[rows[i].Func].String() }, &msg)
	fmt.Fprintf(w, "   Ordered by: %s\n", o.describe())
	if msg.Len() > 0 {
		w.WriteString("\n" + msg.String())
	}
	w.WriteString("\n     own%  total%       own     total  file:line (function)  text\n")
	w.WriteString("                     samples   samples\n")
	texts := map[string][][]byte{}
	var b []byte
	for _, i := range kept {
		r := &rows[i]
		f := p.Funcs[r.Func].Func
		b = fmt.Appendf(b[:0], "   %5.1f%%  %5.1f%% %9d %9d  %s:%d (%s)", pct(r.Own, all), pct(r.Total, all), r.Own, r.Total,
			Terminal(f.File), r.Line, Terminal(f.Name))
		lines, ok := texts[f.File]
		if !ok && source != nil {
			if src := source(f.File); src != nil {
				lines = bytes.Split(src, []byte("\n"))
			}
			texts[f.File] = lines
		}
		if r.Line > 0 && int(r.Line) <= len(lines) {
			text := strings.TrimSpace(string(lines[r.Line-1]))
			if rs := []rune(text); len(rs) > 80 {
				text = string(rs[:79]) + "…"
			}
			b = append(b, "  "...)
			b = append(b, Terminal(text)...)
		}
		b = append(b, '\n')
		w.Write(b)
	}
	w.WriteString("\n")
	return w.Flush()
}
