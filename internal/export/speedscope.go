package export

import (
	"bufio"
	"io"
	"strconv"

	"hpp/internal/callgraph"
	"hpp/internal/jsonw"
	"hpp/internal/profile"
)

// WriteSpeedscope writes speedscope's file format
// (https://www.speedscope.app/file-format-schema.json) with one "sampled"
// profile: one sample per calling context that has self time, weighted
// by that time, in depth-first order so that speedscope's time-order view
// reads like a flame graph. Stacks come from buildStacks, so cProfile's
// recursion is folded and cycles through exec still give a full profile
// (speedscope's own pstats import finds no roots in those).
func WriteSpeedscope(w io.Writer, p *profile.Profile, o Options) error {
	s := buildStacks(p, o)
	names := Labels(p)
	frame := make([]int32, len(p.Funcs))
	for i := range frame {
		frame[i] = -1
	}
	var order []profile.FuncID
	type sample struct {
		stack []int32
		w     int64
	}
	var samples []sample
	var flat []int32
	callgraph.Walk(s.root, func(path []profile.FuncID, n *callgraph.Node) {
		if n.Self <= 0 {
			return
		}
		start := len(flat)
		for _, f := range path {
			if frame[f] < 0 {
				frame[f] = int32(len(order))
				order = append(order, f)
			}
			flat = append(flat, frame[f])
		}
		samples = append(samples, sample{flat[start:len(flat):len(flat)], int64(n.Self)})
	})

	unit := "nanoseconds"
	if s.unit == "samples" {
		unit = "none"
	}
	title := o.Title
	if title == "" {
		title = "profile"
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	b := make([]byte, 0, 1<<12)
	flush := func() {
		if len(b) > 1<<15 {
			bw.Write(b)
			b = b[:0]
		}
	}
	b = append(b, `{"$schema":"https://www.speedscope.app/file-format-schema.json","exporter":"hpp","name":`...)
	b = jsonw.AppendString(b, title)
	b = append(b, `,"activeProfileIndex":0,"shared":{"frames":[`...)
	for i, f := range order {
		if i > 0 {
			b = append(b, ',')
		}
		fn := &p.Funcs[f]
		b = append(b, `{"name":`...)
		b = jsonw.AppendString(b, names[f])
		if !fn.Builtin() {
			b = append(b, `,"file":`...)
			b = jsonw.AppendString(b, fn.File)
			b = append(b, `,"line":`...)
			b = strconv.AppendInt(b, int64(fn.Line), 10)
		}
		b = append(b, '}')
		flush()
	}
	b = append(b, `]},"profiles":[{"type":"sampled","name":`...)
	b = jsonw.AppendString(b, title)
	b = append(b, `,"unit":"`...)
	b = append(b, unit...)
	b = append(b, `","startValue":0,"endValue":`...)
	b = strconv.AppendInt(b, int64(s.root.Value), 10)
	b = append(b, `,"samples":[`...)
	for i, smp := range samples {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, fr := range smp.stack {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(fr), 10)
		}
		b = append(b, ']')
		flush()
	}
	b = append(b, `],"weights":[`...)
	for i, smp := range samples {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, smp.w, 10)
		flush()
	}
	b = append(b, "]}]}\n"...)
	bw.Write(b)
	return bw.Flush()
}
