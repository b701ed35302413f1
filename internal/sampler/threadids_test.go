package sampler

import (
	"testing"

	"hpp/internal/profile"
)

// TestNativeIDs: threads are renamed "NAME (tid N)" ("?" for an unknown
// id, no name when there is none), each stack ends with its thread's
// root frame, and the profile handed in is left as it was.
func TestNativeIDs(t *testing.T) {
	p := &profile.Profile{
		Funcs: []profile.Function{{Func: profile.Func{Name: "f", File: "a.py", Line: 1}}},
		Samples: &profile.SampleSet{
			Threads: []profile.Thread{{ID: 42, Name: "python3"}, {ID: 0, Name: "w"}, {ID: 7}},
			Samples: []profile.Sample{
				{Stack: []profile.Frame{{Func: 0, Line: 2}}, Thread: 0, Weight: 3},
				{Stack: []profile.Frame{{Func: 0, Line: 2}}, Thread: 1, Weight: 1},
				{Stack: []profile.Frame{{Func: 0, Line: 2}}, Thread: 2, Weight: 1},
				{Stack: []profile.Frame{{Func: 0, Line: 2}}, Thread: -1, Weight: 1},
			},
		},
	}
	q := NativeIDs(p)
	wantNames := []string{"python3 (tid 42)", "w (tid ?)", "(tid 7)"}
	for i, th := range q.Samples.Threads {
		if th.Name != wantNames[i] || th.ID != p.Samples.Threads[i].ID {
			t.Errorf("thread %d: %+v, want name %q", i, th, wantNames[i])
		}
	}
	for i, s := range q.Samples.Samples {
		if s.Thread < 0 {
			if len(s.Stack) != 1 {
				t.Errorf("sample %d of no known thread got a root: %v", i, s.Stack)
			}
			continue
		}
		root := s.Stack[len(s.Stack)-1]
		if len(s.Stack) != 2 || q.Funcs[root.Func].Name != wantNames[s.Thread] || s.Weight != p.Samples.Samples[i].Weight {
			t.Errorf("sample %d: stack %v (root %q), weight %d", i, s.Stack, q.Funcs[root.Func].Name, s.Weight)
		}
	}
	if p.Samples.Threads[0].Name != "python3" || len(p.Funcs) != 1 || len(p.Samples.Samples[0].Stack) != 1 {
		t.Errorf("the input changed: %+v", p.Samples)
	}
}
