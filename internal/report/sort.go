// Package report turns a profile into pstats' terminal tables (print_stats,
// print_callers, print_callees) and into hpp's JSON form.
package report

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"hpp/internal/profile"
	"hpp/internal/pyrepr"
)

// field is one column of pstats' sort tuple.
type field int

const (
	fPCalls field = iota
	fNCalls
	fTotTime
	fCumTime
	fFile
	fLine
	fName
	fStdName
)

type sortKey struct {
	name   string
	fields []field
	desc   bool // pstats sorts numbers descending, names ascending
	title  string
}

// sortKeys is pstats' sort_arg_dict_default as of Python 3.13, in its
// order (the order matters for which abbreviations are unique). Older
// versions also had "file", which is accepted as an alias of "filename".
var sortKeys = []sortKey{
	{"calls", []field{fNCalls}, true, "call count"},
	{"ncalls", []field{fNCalls}, true, "call count"},
	{"cumtime", []field{fCumTime}, true, "cumulative time"},
	{"cumulative", []field{fCumTime}, true, "cumulative time"},
	{"filename", []field{fFile}, false, "file name"},
	{"line", []field{fLine}, false, "line number"},
	{"module", []field{fFile}, false, "file name"},
	{"name", []field{fName}, false, "function name"},
	{"nfl", []field{fName, fFile, fLine}, false, "name/file/line"},
	{"pcalls", []field{fPCalls}, true, "primitive call count"},
	{"stdname", []field{fStdName}, false, "standard name"},
	{"time", []field{fTotTime}, true, "internal time"},
	{"tottime", []field{fTotTime}, true, "internal time"},
}

// SortKeyNames lists the accepted sort keys.
func SortKeyNames() []string {
	var out []string
	for _, k := range sortKeys {
		out = append(out, k.name)
	}
	return append(out, "file")
}

// abbrevs expands unique abbreviations exactly as pstats'
// get_sort_arg_defs does (including its quirk that a fragment is dropped
// only where the collision is first seen).
var abbrevs = func() map[string]*sortKey {
	m := map[string]*sortKey{}
	bad := map[string]bool{}
	for i := range sortKeys {
		for frag := sortKeys[i].name; frag != ""; frag = frag[:len(frag)-1] {
			if _, ok := m[frag]; ok {
				bad[frag] = true
				break
			}
			m[frag] = &sortKeys[i]
		}
	}
	for w := range bad {
		delete(m, w)
	}
	m["file"] = m["filename"]
	return m
}()

// Order is a sort order made of pstats sort keys.
type Order struct {
	keys  []*sortKey
	Title string // "cumulative time, internal time", as pstats prints it
}

// ParseOrder parses sort keys, accepting pstats' unique abbreviations.
// Each element may itself be a comma-separated list.
func ParseOrder(words []string) (*Order, error) {
	o := &Order{}
	var titles []string
	for _, w := range words {
		for _, part := range strings.Split(w, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, ok := abbrevs[part]
			if !ok {
				return nil, fmt.Errorf("unknown sort key %q (want one of %s)", part, strings.Join(SortKeyNames(), ", "))
			}
			o.keys = append(o.keys, k)
			titles = append(titles, k.title)
		}
	}
	o.Title = strings.Join(titles, ", ")
	return o, nil
}

// Sort returns the listed functions of p in the order pstats' sort_stats
// gives: a stable sort on the keys, ties keeping file order. It sorts with
// the function's index as the last key, which gives the stable order with
// the faster unstable sort, and compares a precomputed first key in a
// compact array, since comparisons dominate on large profiles.
func (o *Order) Sort(p *profile.Profile) []profile.FuncID { return o.sortTop(p, -1) }

// sortTop is Sort when only the first k rows will be shown (k < 0: all):
// those come first and sorted, the others follow in no order. On a large
// profile cut to a screenful, selecting the top k is far cheaper.
func (o *Order) sortTop(p *profile.Profile, k int) []profile.FuncID {
	ids := p.ListedIDs()
	if len(o.keys) == 0 {
		return ids
	}
	var std []string
	for _, k := range o.keys {
		for _, f := range k.fields {
			if f == fStdName && std == nil {
				std = make([]string, p.NumListed)
				for i := range std {
					std[i] = p.Funcs[i].Func.String()
				}
			}
		}
	}
	fs := p.Funcs
	full := func(a, b profile.FuncID) int {
		fa, fb := &fs[a], &fs[b]
		for _, k := range o.keys {
			for _, f := range k.fields {
				var c int
				switch f {
				case fPCalls:
					c = cmp.Compare(fa.PCalls, fb.PCalls)
				case fNCalls:
					c = cmp.Compare(fa.NCalls, fb.NCalls)
				case fTotTime:
					c = cmpFloat(fa.TotTime, fb.TotTime)
				case fCumTime:
					c = cmpFloat(fa.CumTime, fb.CumTime)
				case fFile:
					c = strings.Compare(fa.File, fb.File)
				case fLine:
					c = cmp.Compare(fa.Line, fb.Line)
				case fName:
					c = strings.Compare(fa.Name, fb.Name)
				case fStdName:
					c = strings.Compare(std[a], std[b])
				}
				if k.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
		}
		return cmp.Compare(a, b)
	}
	first, desc := o.keys[0].fields[0], o.keys[0].desc
	var key func(f *profile.Function) float64
	switch first {
	case fPCalls:
		key = func(f *profile.Function) float64 { return float64(f.PCalls) }
	case fNCalls:
		key = func(f *profile.Function) float64 { return float64(f.NCalls) }
	case fTotTime:
		key = func(f *profile.Function) float64 { return f.TotTime }
	case fCumTime:
		key = func(f *profile.Function) float64 { return f.CumTime }
	case fLine:
		key = func(f *profile.Function) float64 { return float64(f.Line) }
	}
	if key == nil {
		slices.SortFunc(ids, full)
		return ids
	}
	// The float key orders as the exact field does wherever it differs
	// (the conversion is monotonic); where it ties, the full comparison
	// decides. NaN never differs, as in Python.
	cmpRow := func(a, b row) int {
		c := cmpFloat(a.k, b.k)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return full(a.id, b.id)
	}
	if k >= 0 && k < len(ids)/8 {
		return topK(ids, k, fs, key, cmpRow)
	}
	rows := make([]row, len(ids))
	for i := range rows {
		rows[i] = row{key(&fs[i]), profile.FuncID(i)}
	}
	slices.SortFunc(rows, cmpRow)
	for i := range rows {
		ids[i] = rows[i].id
	}
	return ids
}

type row struct {
	k  float64
	id profile.FuncID
}

// topK puts the k first rows in cmpRow's order at the front of ids,
// keeping a heap of the best k seen, its worst row at the root.
func topK(ids []profile.FuncID, k int, fs []profile.Function, key func(*profile.Function) float64, cmpRow func(a, b row) int) []profile.FuncID {
	heap := make([]row, 0, k)
	down := func(i int) {
		for {
			l, worst := 2*i+1, i
			if l < len(heap) && cmpRow(heap[l], heap[worst]) > 0 {
				worst = l
			}
			if r := l + 1; r < len(heap) && cmpRow(heap[r], heap[worst]) > 0 {
				worst = r
			}
			if worst == i {
				return
			}
			heap[i], heap[worst] = heap[worst], heap[i]
			i = worst
		}
	}
	for i := range ids {
		r := row{key(&fs[i]), profile.FuncID(i)}
		if len(heap) < k {
			heap = append(heap, r)
			for j := len(heap) - 1; j > 0; {
				parent := (j - 1) / 2
				if cmpRow(heap[j], heap[parent]) <= 0 {
					break
				}
				heap[j], heap[parent] = heap[parent], heap[j]
				j = parent
			}
			continue
		}
		if k > 0 && cmpRow(r, heap[0]) < 0 {
			heap[0] = r
			down(0)
		}
	}
	slices.SortFunc(heap, cmpRow)
	in := make([]bool, len(ids))
	for i, r := range heap {
		in[r.id] = true
		ids[i] = r.id
	}
	j := len(heap)
	for id := range in {
		if !in[id] {
			ids[j] = profile.FuncID(id)
			j++
		}
	}
	return ids
}

// cmpFloat compares as Python's < and > do: NaN is neither.
func cmpFloat(a, b float64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// Restriction is one of print_stats' amount arguments: a regular
// expression, a count, or a fraction.
type Restriction struct {
	Regexp   *regexp.Regexp
	Count    int     // used when Fraction < 0 and Regexp is nil
	Fraction float64 // in [0, 1) when used; -1 otherwise
	Text     string  // as pstats prints it in "due to restriction <...>"
}

// ParseLimit parses a limit on the rows: an integer count or a fraction
// in [0, 1).
func ParseLimit(s string) (Restriction, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		if n < 0 {
			return Restriction{}, fmt.Errorf("a count must not be negative: %s", s)
		}
		return Restriction{Count: n, Fraction: -1, Text: s}, nil
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err == nil && f >= 0 && f < 1 {
		return Restriction{Fraction: f, Text: pyrepr.Float(f)}, nil
	}
	return Restriction{}, fmt.Errorf("want a count such as 30 or a fraction such as 0.1: %q", s)
}

// ParseFilter compiles a regular expression on file:line(name). Go's regexp (RE2) syntax differs from
// Python's re in a few constructs (no look-around, no back-references).
func ParseFilter(s string) (Restriction, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return Restriction{}, fmt.Errorf("not a regular expression (Go syntax): %q: %v", s, err)
	}
	return Restriction{Regexp: re, Fraction: -1, Text: pyrepr.Str(s)}, nil
}

// Apply is eval_print_amount: it narrows list and appends to msg.
func (r Restriction) Apply(p *profile.Profile, list []profile.FuncID, msg *strings.Builder) []profile.FuncID {
	out := list
	switch {
	case r.Regexp != nil:
		out = nil
		for _, id := range list {
			if r.Regexp.MatchString(p.Funcs[id].Func.String()) {
				out = append(out, id)
			}
		}
	case r.Fraction >= 0:
		n := int(float64(len(list))*r.Fraction + .5)
		out = list[:n]
	case r.Count < len(list):
		out = list[:r.Count]
	}
	if len(out) != len(list) {
		fmt.Fprintf(msg, "   List reduced from %d to %d due to restriction <%s>\n", len(list), len(out), r.Text)
	}
	return out
}
