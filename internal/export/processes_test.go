package export

import (
	"strings"
	"testing"

	"hpp/internal/profile"
)

// twoProcesses is a sampled profile of a parent and a worker process
// (what hpp record --subprocesses makes): main runs in the parent for 3
// samples, work in the worker for 5.
func twoProcesses() *profile.Profile {
	b := profile.NewBuilder(2)
	mainF := b.New(profile.Func{File: "/app/a.py", Line: 1, Name: "main"})
	work := b.New(profile.Func{File: "/app/a.py", Line: 9, Name: "work"})
	p := b.Profile()
	p.Samples = &profile.SampleSet{
		Unit: "samples", PeriodNS: 1e7,
		Processes: []profile.Process{{PID: 100, Command: "python3 a.py"}, {PID: 101, Parent: 100, Command: "python3 -c spawn_main(); x"}},
		Threads:   []profile.Thread{{ID: 100, Name: "python3", Process: 0}, {ID: 101, Name: "python3", Process: 1}},
		Samples: []profile.Sample{
			{Stack: []profile.Frame{{Func: mainF, Line: 2}}, Weight: 3, Thread: 0, GIL: true},
			{Stack: []profile.Frame{{Func: work, Line: 10}, {Func: mainF, Line: 5}}, Weight: 5, Thread: 1, GIL: true},
		},
	}
	return p
}

// TestPprofProcessLabels: go tool pprof sees each sample's process, as a
// pid number label and a process label with its command line.
func TestPprofProcessLabels(t *testing.T) {
	file := writeTemp(t, "p.pb.gz", convert(t, twoProcesses(), Pprof, Options{}))
	tags := goPprof(t, file, "-tags", "-sample_index=samples")
	for _, want := range []string{"pid: Total 8 of 8", "3 (37.50%): 100", "5 (62.50%): 101", "process: Total 8 of 8", "3 (37.50%): python3 a.py", "5 (62.50%): python3 -c spawn_main(); x"} {
		if !strings.Contains(tags, want) {
			t.Errorf("go tool pprof -tags has no %q:\n%s", want, tags)
		}
	}
	// Focused on the worker's pid, only work's samples are left.
	top := goPprof(t, file, "-top", "-sample_index=samples", "-tagfocus=pid=101")
	if !strings.Contains(top, "Showing nodes accounting for 5,") || !strings.Contains(top, " work\n") {
		t.Errorf("-tagfocus=pid=101 should keep the worker's 5 samples in work:\n%s", top)
	}
}

// TestCollapsedProcessFrames: with several processes each line starts
// with py-spy's process frame, process PID:"COMMAND LINE" (a ';' in the
// command line becomes ':'); with one process there is none.
func TestCollapsedProcessFrames(t *testing.T) {
	got := string(convert(t, twoProcesses(), Collapsed, Options{}))
	want := map[string]bool{
		`process 100:"python3 a.py";main 3`:                    true,
		`process 101:"python3 -c spawn_main(): x";main;work 5`: true,
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), got)
	}
	for _, l := range lines {
		if !want[l] {
			t.Errorf("unexpected line %q in:\n%s", l, got)
		}
	}
	one := twoProcesses()
	one.Samples.Processes = one.Samples.Processes[:1]
	one.Samples.Threads[1].Process = 0
	if got := string(convert(t, one, Collapsed, Options{})); strings.Contains(got, "process ") {
		t.Errorf("one process, yet a process frame:\n%s", got)
	}
}
