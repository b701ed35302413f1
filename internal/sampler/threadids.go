package sampler

import (
	"fmt"

	"hpp/internal/profile"
)

// NativeIDs returns p with each thread shown by its native id: the thread
// is named "NAME (tid N)" (N the id the kernel and
// threading.get_native_id() know it by; "?" when it could not be read),
// and every sample's stack gets that name as its root frame, so that the
// formats with no notion of threads (collapsed stacks, SVG, speedscope,
// pstats) split the samples by thread too. This is what py-spy's
// -t/--threads does ("Show thread ids in the output": a root frame per
// thread naming its native id on Linux). p is not changed.
func NativeIDs(p *profile.Profile) *profile.Profile {
	if p.Samples == nil {
		return p
	}
	q := *p
	set := *p.Samples
	q.Samples = &set
	q.Funcs = append([]profile.Function(nil), p.Funcs...)
	set.Threads = make([]profile.Thread, len(p.Samples.Threads))
	roots := make([]profile.FuncID, len(set.Threads))
	for i, th := range p.Samples.Threads {
		id := "?"
		if th.ID != 0 {
			id = fmt.Sprint(th.ID)
		}
		name := fmt.Sprintf("(tid %s)", id)
		if th.Name != "" {
			name = th.Name + " " + name
		}
		th.Name = name
		set.Threads[i] = th
		roots[i] = profile.FuncID(len(q.Funcs))
		q.Funcs = append(q.Funcs, profile.Function{Func: profile.Func{Name: name}})
	}
	set.Samples = make([]profile.Sample, len(p.Samples.Samples))
	for i, s := range p.Samples.Samples {
		if s.Thread >= 0 && int(s.Thread) < len(roots) {
			// Stacks run innermost first: the thread goes last.
			stack := make([]profile.Frame, len(s.Stack), len(s.Stack)+1)
			copy(stack, s.Stack)
			s.Stack = append(stack, profile.Frame{Func: roots[s.Thread]})
		}
		set.Samples[i] = s
	}
	return &q
}
