package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
)

// WriteCollapsed writes folded stacks, one line per calling context with
// self time: frames from the top down joined by ';', a space, and the
// self value (nanoseconds, or samples for count-weighted stacks), the
// input of flamegraph.pl, inferno and speedscope. The values add up to
// the profile's total.
func WriteCollapsed(w io.Writer, p *profile.Profile, o Options) error {
	s := buildStacks(p, o)
	names := foldedNames(p)
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	callgraph.Walk(s.root, func(path []profile.FuncID, n *callgraph.Node) {
		if n.Self <= 0 {
			return
		}
		line = line[:0]
		for i, f := range path {
			if i > 0 {
				line = append(line, ';')
			}
			line = append(line, names[f]...)
		}
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(n.Self), 10)
		line = append(line, '\n')
		bw.Write(line)
	})
	return bw.Flush()
}

// foldedNames are Labels made safe for a folded line: no ';' (the frame
// separator) and no line breaks; a trailing space-and-digits would be
// read as the count, which the bare ';'-joined frames cannot end with
// since the count follows.
func foldedNames(p *profile.Profile) []string {
	names := Labels(p)
	r := strings.NewReplacer(";", ":", "\n", " ", "\r", " ")
	for i, s := range names {
		if s == "" {
			s = "?"
		}
		names[i] = r.Replace(s)
	}
	return names
}
