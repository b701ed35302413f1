package webui

import (
	"strconv"

	"hpp/internal/callgraph"
	"hpp/internal/jsonw"
	"hpp/internal/profile"
	"hpp/internal/timemode"
)

// encodeData writes the page's data: the function table and the call
// graph's edges as columns of numbers, which the page turns into typed
// arrays and from which it estimates the tree itself (docs/view.md gives
// the schema). Sending the graph rather than a tree or an HTML table keeps
// a 100k-function profile to a few tens of MB and a 9k-function one to
// about a MB. With base set, the data describes the change from base to p.
func encodeData(p, base *profile.Profile, title string) []byte {
	funcs := p.Funcs
	var baseOnly []profile.Function
	var baseStats []profile.Stats
	if base != nil {
		idx := make(map[profile.Func]int, len(funcs))
		for i := range funcs {
			idx[funcs[i].Func] = i
		}
		baseStats = make([]profile.Stats, len(funcs))
		for i := range base.Funcs[:base.NumListed] {
			bf := &base.Funcs[i]
			if j, ok := idx[bf.Func]; ok {
				baseStats[j] = bf.Stats
				continue
			}
			// Gone from the new profile: a row with no new numbers.
			baseOnly = append(baseOnly, profile.Function{Func: bf.Func})
			baseStats = append(baseStats, bf.Stats)
		}
	}
	n := len(funcs) + len(baseOnly)
	fn := func(i int) *profile.Function {
		if i < len(funcs) {
			return &funcs[i]
		}
		return &baseOnly[i-len(funcs)]
	}

	b := make([]byte, 0, 64+n*96)
	b = append(b, `{"v":1,"title":`...)
	b = jsonw.AppendString(b, title)
	b = append(b, `,"sources":[`...)
	for i, s := range p.Sources {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonw.AppendString(b, s)
	}
	b = append(b, `],"total":`...)
	b = jsonw.AppendFloat(b, p.TotalTT)
	b = append(b, `,"listed":`...)
	b = strconv.AppendInt(b, int64(p.NumListed), 10)
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, int64(n), 10)

	// File names repeat across functions: send each once.
	files := map[string]int{}
	var fileList []string
	fileIdx := make([]int, n)
	for i := 0; i < n; i++ {
		f := fn(i).File
		k, ok := files[f]
		if !ok {
			k = len(fileList)
			files[f] = k
			fileList = append(fileList, f)
		}
		fileIdx[i] = k
	}
	b = append(b, `,"files":[`...)
	for i, f := range fileList {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonw.AppendString(b, f)
	}
	b = append(b, `],"file":`...)
	b = appendInts(b, n, func(i int) int64 { return int64(fileIdx[i]) })
	b = append(b, `,"line":`...)
	b = appendInts(b, n, func(i int) int64 { return int64(fn(i).Line) })
	b = append(b, `,"name":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonw.AppendString(b, fn(i).Name)
	}
	b = append(b, ']')
	// Functions whose name another function has too (<module>, __init__,
	// main): their labels add the file's base name. Found here, once, so
	// that the page does not hash every name before its first chart.
	byName := make(map[string]int, n)
	for i := 0; i < n; i++ {
		byName[fn(i).Name]++
	}
	var shared []int
	for i := 0; i < n; i++ {
		if byName[fn(i).Name] > 1 {
			shared = append(shared, i)
		}
	}
	b = append(b, `,"shared":`...)
	b = appendInts(b, len(shared), func(i int) int64 { return int64(shared[i]) })
	b = appendStats(b, "", n, func(i int) *profile.Stats { return &fn(i).Stats })

	// Callers of each listed function, in file order: the page builds
	// callee lists from them in the order callgraph.NewGraph does, so that
	// its estimate matches callgraph's to the last bit.
	var ne int
	for i := range funcs[:p.NumListed] {
		ne += len(funcs[i].Callers)
	}
	edges := make([]*profile.Edge, 0, ne)
	edgeCallee := make([]int32, 0, ne)
	for i := range funcs[:p.NumListed] {
		for j := range funcs[i].Callers {
			edges = append(edges, &funcs[i].Callers[j])
			edgeCallee = append(edgeCallee, int32(i))
		}
	}
	b = append(b, `,"ecount":`...)
	b = appendInts(b, p.NumListed, func(i int) int64 { return int64(len(funcs[i].Callers)) })
	b = append(b, `,"ecaller":`...)
	b = appendInts(b, ne, func(i int) int64 { return int64(edges[i].Caller) })
	b = appendStats(b, "e", ne, func(i int) *profile.Stats { return &edges[i].Stats })
	var countOnly []int
	for i, e := range edges {
		if e.CountOnly {
			countOnly = append(countOnly, i)
		}
	}
	b = append(b, `,"eonly":`...)
	b = appendInts(b, len(countOnly), func(i int) int64 { return int64(countOnly[i]) })

	if p.Samples == nil || len(p.Samples.Samples) == 0 {
		// What the estimate needs beyond the numbers (callgraph's
		// package comment): the recursive cycle (strongly connected
		// component) of each function, which components are cycles and
		// of how many functions, and the functions whose own numbers
		// cProfile does not make add up. Only cycles are listed, so a
		// profile without recursion pays one small integer per function.
		est := callgraph.NewEstimator(p)
		g := est.Graph()
		b = append(b, `,"comp":`...)
		b = appendInts(b, len(g.Comp), func(i int) int64 { return int64(g.Comp[i]) })
		var cyc []int
		for c, y := range g.Cyclic {
			if y {
				cyc = append(cyc, c)
			}
		}
		b = append(b, `,"cyclic":`...)
		b = appendInts(b, len(cyc), func(i int) int64 { return int64(cyc[i]) })
		b = append(b, `,"cycsize":`...)
		b = appendInts(b, len(cyc), func(i int) int64 { return int64(g.Size[cyc[i]]) })
		// Count-only edges (the profile module) get times that keep each
		// component's books balanced (callgraph's balanceCounts): send the
		// times the estimate uses, in the order of eonly.
		if len(countOnly) > 0 {
			arc := map[[2]int32]float64{}
			for f := range g.Comp {
				for _, a := range g.Arcs(profile.FuncID(f)) {
					arc[[2]int32{int32(f), int32(a.To)}] = a.Weight
				}
			}
			b = append(b, `,"eweight":`...)
			b = appendFloats(b, len(countOnly), func(i int) float64 {
				return arc[[2]int32{int32(edges[countOnly[i]].Caller), edgeCallee[countOnly[i]]}]
			})
		}
		dis := est.Disagreements()
		b = append(b, `,"disagree":`...)
		b = appendInts(b, len(dis), func(i int) int64 { return int64(dis[i]) })
	}

	if p.Samples != nil && len(p.Samples.Samples) > 0 {
		b = appendSamples(b, p.Samples, len(p.Funcs))
	}
	if base != nil {
		b = append(b, `,"base":{"total":`...)
		b = jsonw.AppendFloat(b, base.TotalTT)
		b = append(b, `,"sources":[`...)
		for i, s := range base.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.AppendString(b, s)
		}
		b = append(b, ']')
		b = appendStats(b, "", n, func(i int) *profile.Stats { return &baseStats[i] })
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendStats writes the four pstats numbers as four columns named
// prefix+"pc", "nc", "tt", "ct".
func appendStats(b []byte, prefix string, n int, s func(int) *profile.Stats) []byte {
	b = append(b, `,"`+prefix+`pc":`...)
	b = appendInts(b, n, func(i int) int64 { return s(i).PCalls })
	b = append(b, `,"`+prefix+`nc":`...)
	b = appendInts(b, n, func(i int) int64 { return s(i).NCalls })
	b = append(b, `,"`+prefix+`tt":`...)
	b = appendFloats(b, n, func(i int) float64 { return s(i).TotTime })
	b = append(b, `,"`+prefix+`ct":`...)
	return appendFloats(b, n, func(i int) float64 { return s(i).CumTime })
}

// appendArray writes a JSON array of n values, v(i) each, written by put.
func appendArray[T any](b []byte, n int, v func(int) T, put func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = put(b, v(i))
	}
	return append(b, ']')
}

func appendInts(b []byte, n int, v func(int) int64) []byte {
	return appendArray(b, n, v, func(b []byte, x int64) []byte { return strconv.AppendInt(b, x, 10) })
}

func appendFloats(b []byte, n int, v func(int) float64) []byte {
	return appendArray(b, n, v, jsonw.AppendFloat)
}

// appendSamples writes a sampled profile's samples, from which the page
// builds the exact tree of the samples its filters keep (thread, process,
// time mode) and each line's numbers. Stacks are interned as a trie:
// frame k is (sfunc[k], sline[k]); stack node j is frame sframe[j]
// called from stack node sparent[j] (-1: the top), every node after its
// parent, in the order the samples first reach them. A sample is its
// stack's leaf node, weight, thread and state (timemode.State).
func appendSamples(b []byte, set *profile.SampleSet, nfuncs int) []byte {
	type frameKey struct {
		f    profile.FuncID
		line int32
	}
	type nodeKey struct {
		parent int32
		frame  int32
	}
	frames := map[frameKey]int32{}
	var ffunc, fline []int64
	nodes := map[nodeKey]int32{}
	var nparent, nframe []int64
	sstack := make([]int64, 0, len(set.Samples))
	for i := range set.Samples {
		smp := &set.Samples[i]
		at := int32(-1)
		for k := len(smp.Stack) - 1; k >= 0; k-- {
			fr := smp.Stack[k]
			if fr.Func < 0 || int(fr.Func) >= nfuncs {
				continue // not a function of the profile: leave the frame out
			}
			fk := frameKey{fr.Func, max(fr.Line, 0)}
			fi, ok := frames[fk]
			if !ok {
				fi = int32(len(ffunc))
				frames[fk] = fi
				ffunc = append(ffunc, int64(fk.f))
				fline = append(fline, int64(fk.line))
			}
			nk := nodeKey{at, fi}
			ni, ok := nodes[nk]
			if !ok {
				ni = int32(len(nparent))
				nodes[nk] = ni
				nparent = append(nparent, int64(at))
				nframe = append(nframe, int64(fi))
			}
			at = ni
		}
		sstack = append(sstack, int64(at))
	}
	ns := len(set.Samples)
	b = append(b, `,"samples":{"unit":`...)
	b = jsonw.AppendString(b, set.Unit)
	b = append(b, `,"period":`...)
	b = strconv.AppendInt(b, set.PeriodNS, 10)
	b = append(b, `,"mode":`...)
	b = jsonw.AppendString(b, set.Mode)
	b = append(b, `,"states":[`...)
	for st := timemode.State(0); st < timemode.NStates; st++ {
		if st > 0 {
			b = append(b, ',')
		}
		b = jsonw.AppendString(b, st.String())
	}
	b = append(b, `],"sfunc":`...)
	b = appendInts(b, len(ffunc), func(i int) int64 { return ffunc[i] })
	b = append(b, `,"sline":`...)
	b = appendInts(b, len(fline), func(i int) int64 { return fline[i] })
	b = append(b, `,"sparent":`...)
	b = appendInts(b, len(nparent), func(i int) int64 { return nparent[i] })
	b = append(b, `,"sframe":`...)
	b = appendInts(b, len(nframe), func(i int) int64 { return nframe[i] })
	b = append(b, `,"stack":`...)
	b = appendInts(b, ns, func(i int) int64 { return sstack[i] })
	b = append(b, `,"weight":`...)
	b = appendInts(b, ns, func(i int) int64 { return set.Samples[i].Weight })
	nthreads := len(set.Threads)
	b = append(b, `,"thread":`...)
	b = appendInts(b, ns, func(i int) int64 {
		if t := set.Samples[i].Thread; t >= 0 && int(t) < nthreads {
			return int64(t)
		}
		return -1
	})
	b = append(b, `,"state":`...)
	b = appendInts(b, ns, func(i int) int64 { return int64(timemode.StateOf(&set.Samples[i])) })
	nprocs := len(set.Processes)
	b = append(b, `,"threads":{"id":`...)
	b = appendInts(b, nthreads, func(i int) int64 { return set.Threads[i].ID })
	b = append(b, `,"name":`...)
	b = appendStrings(b, nthreads, func(i int) string { return set.Threads[i].Name })
	b = append(b, `,"process":`...)
	b = appendInts(b, nthreads, func(i int) int64 {
		// A profile of one process may leave Process unset.
		if pr := set.Threads[i].Process; nprocs > 0 && pr >= 0 && int(pr) < nprocs {
			return int64(pr)
		}
		return -1
	})
	b = append(b, `},"processes":{"pid":`...)
	b = appendInts(b, nprocs, func(i int) int64 { return set.Processes[i].PID })
	b = append(b, `,"parent":`...)
	b = appendInts(b, nprocs, func(i int) int64 { return set.Processes[i].Parent })
	b = append(b, `,"command":`...)
	b = appendStrings(b, nprocs, func(i int) string { return set.Processes[i].Command })
	return append(b, "}}"...)
}

// encodeSources writes the source texts, with "disk" listing those read
// from disk when the page was made rather than embedded in the profile.
// They travel apart from the data (/source.json, or a script element of
// their own in the static file), read by the page when its source panel
// first opens, so that the first chart does not wait for megabytes of
// text.
func encodeSources(texts []sourceText) []byte {
	size := 64
	for _, t := range texts {
		size += len(t.path) + len(t.text) + len(t.text)/16 + 8 // room for escapes
	}
	b := make([]byte, 0, size)
	b = append(b, `{"path":`...)
	b = appendStrings(b, len(texts), func(i int) string { return texts[i].path })
	b = append(b, `,"text":`...)
	b = appendStrings(b, len(texts), func(i int) string { return string(texts[i].text) })
	var disk []int
	for i, t := range texts {
		if t.disk {
			disk = append(disk, i)
		}
	}
	b = append(b, `,"disk":`...)
	b = appendInts(b, len(disk), func(i int) int64 { return int64(disk[i]) })
	return append(b, '}')
}

func appendStrings(b []byte, n int, v func(int) string) []byte {
	return appendArray(b, n, v, jsonw.AppendString)
}
