package timemode

import (
	"testing"

	"hpp/internal/profile"
)

func TestParse(t *testing.T) {
	for _, n := range []string{"wall", "cpu", "gil"} {
		m, err := Parse(n)
		if err != nil || m.String() != n {
			t.Errorf("Parse(%q) = %v, %v", n, m, err)
		}
	}
	if _, err := Parse("CPU"); err == nil {
		t.Error("Parse(CPU) accepted")
	}
}

// TestKeep: what each mode keeps, as Tachyon's --mode and py-spy's --idle
// define them.
func TestKeep(t *testing.T) {
	held := profile.Sample{GIL: true}
	free := profile.Sample{}
	wait := profile.Sample{Idle: true, GILWait: true}
	woken := profile.Sample{GILWait: true} // runnable, not yet holding it
	idle := profile.Sample{Idle: true}
	heldBlocked := profile.Sample{GIL: true, Idle: true}
	tests := []struct {
		mode Mode
		idle bool
		want [6]bool // held, free, wait, woken, idle, heldBlocked
	}{
		{Wall, false, [6]bool{true, true, true, true, true, true}},
		{CPU, false, [6]bool{true, true, false, false, false, true}},
		{CPU, true, [6]bool{true, true, true, true, true, true}},
		{GIL, false, [6]bool{true, false, false, false, false, true}},
	}
	for _, tt := range tests {
		for i, s := range []profile.Sample{held, free, wait, woken, idle, heldBlocked} {
			if got := Keep(tt.mode, tt.idle, &s); got != tt.want[i] {
				t.Errorf("Keep(%s, idle=%v, sample %d (%s)) = %v", tt.mode, tt.idle, i, StateOf(&s), got)
			}
		}
	}
}

func TestOfAndFilter(t *testing.T) {
	set := &profile.SampleSet{Threads: []profile.Thread{{ID: 1}, {ID: 2}}, Samples: []profile.Sample{
		{Stack: []profile.Frame{{Func: 0}}, Weight: 3, Thread: 0, GIL: true},
		{Stack: []profile.Frame{{Func: 0}}, Weight: 1, Thread: 0, Idle: true, GILWait: true},
		{Stack: []profile.Frame{{Func: 1}, {Func: 0}}, Weight: 5, Thread: 1},
		{Stack: []profile.Frame{{Func: 1}}, Weight: 2, Thread: 1, Idle: true},
	}}
	sp := Of(set)
	if sp.All != (Counts{3, 5, 1, 2}) {
		t.Errorf("All = %v", sp.All)
	}
	if sp.Threads[0].Counts != (Counts{3, 0, 1, 0}) || sp.Threads[1].Counts != (Counts{0, 5, 0, 2}) {
		t.Errorf("Threads = %v", sp.Threads)
	}
	if len(sp.Funcs) != 2 || sp.Funcs[0].Func != 1 || sp.Funcs[0].Total() != 7 {
		t.Errorf("Funcs = %v", sp.Funcs)
	}
	p := &profile.Profile{Samples: set}
	if q := Filter(p, GIL, false); len(q.Samples.Samples) != 1 || len(p.Samples.Samples) != 4 {
		t.Errorf("gil filter kept %d samples, left %d in the original", len(q.Samples.Samples), len(p.Samples.Samples))
	}
	if q := Filter(p, CPU, false); len(q.Samples.Samples) != 2 {
		t.Errorf("cpu filter kept %d samples", len(q.Samples.Samples))
	}
}
