package export

import (
	"bufio"
	"fmt"
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
// the profile's total. Samples of several processes (hpp record
// --subprocesses) start with a frame naming their process, as py-spy's
// do: process PID:"COMMAND LINE".
func WriteCollapsed(w io.Writer, p *profile.Profile, o Options) error {
	names := foldedNames(p)
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	for _, part := range byProcess(p) {
		s := buildStacks(part.p, o)
		callgraph.Walk(s.root, func(path []profile.FuncID, n *callgraph.Node) {
			if n.Self <= 0 {
				return
			}
			line = append(line[:0], part.frame...)
			line = appendFolded(line, path, names)
			line = append(line, ' ')
			line = strconv.AppendInt(line, int64(n.Self), 10)
			line = append(line, '\n')
			bw.Write(line)
		})
	}
	return bw.Flush()
}

// appendFolded appends the frames of path joined by ';'.
func appendFolded(line []byte, path []profile.FuncID, names []string) []byte {
	for i, f := range path {
		if i > 0 {
			line = append(line, ';')
		}
		line = append(line, names[f]...)
	}
	return line
}

// processPart is the samples of one process, with the frame that names
// it ("" when the profile has one process or none).
type processPart struct {
	p     *profile.Profile
	frame string // with its trailing ';'
}

// byProcess splits a profile of several processes into one per process,
// in the order of SampleSet.Processes; samples of no known process come
// last, without a process frame.
func byProcess(p *profile.Profile) []processPart {
	if p.Samples == nil || len(p.Samples.Processes) < 2 {
		return []processPart{{p: p}}
	}
	set := p.Samples
	n := len(set.Processes)
	parts := make([][]profile.Sample, n+1)
	for _, s := range set.Samples {
		i := n
		if s.Thread >= 0 && int(s.Thread) < len(set.Threads) {
			if pi := set.Threads[s.Thread].Process; pi >= 0 && int(pi) < n {
				i = int(pi)
			}
		}
		parts[i] = append(parts[i], s)
	}
	r := strings.NewReplacer(";", ":", "\n", " ", "\r", " ")
	var out []processPart
	for i, ss := range parts {
		if len(ss) == 0 {
			continue
		}
		q := *p
		sub := *set
		sub.Samples = ss
		q.Samples = &sub
		part := processPart{p: &q}
		if i < n {
			pr := set.Processes[i]
			part.frame = r.Replace(fmt.Sprintf("process %d:\"%s\"", pr.PID, pr.Command)) + ";"
		}
		out = append(out, part)
	}
	return out
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
