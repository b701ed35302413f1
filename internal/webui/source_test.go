package webui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"hpp/internal/profile"
	"hpp/internal/timemode"
)

// pageData is the part of data.json that carries samples.
type pageData struct {
	Samples *struct {
		Unit    string   `json:"unit"`
		Mode    string   `json:"mode"`
		States  []string `json:"states"`
		SFunc   []int    `json:"sfunc"`
		SLine   []int    `json:"sline"`
		SParent []int    `json:"sparent"`
		SFrame  []int    `json:"sframe"`
		Stack   []int    `json:"stack"`
		Weight  []int64  `json:"weight"`
		Thread  []int    `json:"thread"`
		State   []int    `json:"state"`
		Threads struct {
			ID      []int64  `json:"id"`
			Name    []string `json:"name"`
			Process []int    `json:"process"`
		} `json:"threads"`
		Processes struct {
			PID     []int64  `json:"pid"`
			Parent  []int64  `json:"parent"`
			Command []string `json:"command"`
		} `json:"processes"`
	} `json:"samples"`
}

// pageTexts is source.json.
type pageTexts struct {
	Path []string `json:"path"`
	Text []string `json:"text"`
	Disk []int    `json:"disk"`
}

func decodeTexts(t *testing.T, p *profile.Profile) pageTexts {
	t.Helper()
	var d pageTexts
	if err := json.Unmarshal(encodeSources(sourceTexts(p)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func decodePage(t *testing.T, p *profile.Profile) pageData {
	t.Helper()
	var d pageData
	if err := json.Unmarshal(encodeData(p, nil, "t"), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSampleData unrolls the interned stacks of data.json and checks
// that every sample comes back as the profile holds it: its frames with
// their lines, weight, thread, and state.
func TestSampleData(t *testing.T) {
	b := profile.NewBuilder(4)
	m := b.Func(profile.Func{File: "/m.py", Line: 1, Name: "main"})
	x := b.Func(profile.Func{File: "/m.py", Line: 5, Name: "load"})
	y := b.Func(profile.Func{File: "/n.py", Line: 9, Name: "parse"})
	p := b.Profile()
	p.Samples = &profile.SampleSet{Unit: "samples", Mode: "cpu",
		Threads:   []profile.Thread{{ID: 10, Name: "main", Process: 0}, {ID: 11, Name: "w<1>", Process: 1}},
		Processes: []profile.Process{{PID: 100, Command: "python3 m.py"}, {PID: 101, Parent: 100, Command: "python3 -c x"}},
		Samples: []profile.Sample{
			{Stack: []profile.Frame{{Func: y, Line: 10}, {Func: x, Line: 6}, {Func: m, Line: 2}}, Weight: 5, Thread: 0, GIL: true},
			{Stack: []profile.Frame{{Func: y, Line: 11}, {Func: x, Line: 6}, {Func: m, Line: 2}}, Weight: 2, Thread: 1, GILWait: true, Idle: true},
			{Stack: []profile.Frame{{Func: x, Line: 7}, {Func: m, Line: 2}}, Weight: 3, Thread: 1},
			{Stack: []profile.Frame{{Func: m, Line: 3}}, Weight: 1, Thread: 0, Idle: true},
			{Stack: []profile.Frame{{Func: x, Line: 7}, {Func: m, Line: 2}}, Weight: 4, Thread: -1, GIL: true},
			{Stack: nil, Weight: 6, Thread: 7}, // no frames, a thread index out of range
		}}
	d := decodePage(t, p)
	s := d.Samples
	if s == nil {
		t.Fatal("no samples in the page's data")
	}
	if s.Unit != "samples" || s.Mode != "cpu" || len(s.States) != int(timemode.NStates) {
		t.Errorf("unit %q, mode %q, states %q", s.Unit, s.Mode, s.States)
	}
	if len(s.Stack) != len(p.Samples.Samples) {
		t.Fatalf("%d samples in the page, %d in the profile", len(s.Stack), len(p.Samples.Samples))
	}
	for j, up := range s.SParent {
		if up >= j {
			t.Errorf("stack node %d comes before its parent %d", j, up)
		}
	}
	for i, smp := range p.Samples.Samples {
		var got []profile.Frame
		for j := s.Stack[i]; j >= 0; j = s.SParent[j] {
			k := s.SFrame[j]
			got = append(got, profile.Frame{Func: profile.FuncID(s.SFunc[k]), Line: int32(s.SLine[k])})
		}
		if !slices.Equal(got, smp.Stack) {
			t.Errorf("sample %d: stack %v, want %v", i, got, smp.Stack)
		}
		wantThread := int(smp.Thread)
		if wantThread >= len(p.Samples.Threads) {
			wantThread = -1
		}
		if s.Weight[i] != smp.Weight || s.Thread[i] != wantThread || s.State[i] != int(timemode.StateOf(&smp)) {
			t.Errorf("sample %d: weight %d thread %d state %d, want %d %d %d", i, s.Weight[i], s.Thread[i], s.State[i],
				smp.Weight, wantThread, timemode.StateOf(&smp))
		}
	}
	// Frames are interned: the page has each (function, line) once.
	if len(s.SFunc) != 6 {
		t.Errorf("%d frames, want 6 distinct (function, line) pairs", len(s.SFunc))
	}
	if !slices.Equal(s.Threads.ID, []int64{10, 11}) || !slices.Equal(s.Threads.Name, []string{"main", "w<1>"}) ||
		!slices.Equal(s.Threads.Process, []int{0, 1}) {
		t.Errorf("threads %+v", s.Threads)
	}
	if !slices.Equal(s.Processes.PID, []int64{100, 101}) || !slices.Equal(s.Processes.Parent, []int64{0, 100}) ||
		s.Processes.Command[1] != "python3 -c x" {
		t.Errorf("processes %+v", s.Processes)
	}
	// Without Processes, a thread's process is unknown.
	p.Samples.Processes = nil
	if d := decodePage(t, p); !slices.Equal(d.Samples.Threads.Process, []int{-1, -1}) {
		t.Errorf("threads of an unnamed process: %v", d.Samples.Threads.Process)
	}
}

// TestSourceTexts checks which files' texts the page carries: those
// embedded in the profile, and files the functions name that are
// regular files on disk, within the caps; never a built-in, a <string>,
// a FIFO, a file over the size cap, or a file no function names.
func TestSourceTexts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	onDisk := write("a.py", "def f():\n    pass\n")
	embedded := write("b.py", "on disk, not sent\n")
	big := write("big.py", strings.Repeat("x = 1\n", maxSourceFile/6+1))
	unnamed := write("c.py", "no function names me\n")
	fifo := filepath.Join(dir, "fifo.py")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	b := profile.NewBuilder(8)
	for i, file := range []string{onDisk, embedded, big, fifo, "~", "<string>", filepath.Join(dir, "gone.py")} {
		id := b.Func(profile.Func{File: file, Line: 1, Name: fmt.Sprint("f", i)})
		b.Entry(id, profile.Stats{PCalls: 1, NCalls: 1, TotTime: 1, CumTime: float64(10 - i)}, nil)
	}
	p := b.Profile()
	p.Files = []profile.SourceFile{{Path: embedded, Text: []byte("def g():\n    return 1\n")}, {Path: unnamed, Text: []byte("x")}}
	d := decodeTexts(t, p)
	got := map[string]string{}
	for i, path := range d.Path {
		got[path] = d.Text[i]
	}
	want := map[string]string{onDisk: "def f():\n    pass\n", embedded: "def g():\n    return 1\n"}
	if len(got) != len(want) || got[onDisk] != want[onDisk] || got[embedded] != want[embedded] {
		t.Errorf("texts %q, want %q", got, want)
	}
	if len(d.Disk) != 1 || d.Path[d.Disk[0]] != onDisk {
		t.Errorf("read from disk: %v of %q, want only %s", d.Disk, d.Path, onDisk)
	}
	// The server sends the same texts, at one exact path.
	w := get(t, Handler(p, Options{}), "/source.json")
	if w.Code != 200 || w.Body.String() != string(encodeSources(sourceTexts(p))) {
		t.Errorf("/source.json: %d %.200s", w.Code, w.Body.String())
	}
	for _, target := range []string{"/source.json?path=" + unnamed, "/source.json/" + unnamed, unnamed} {
		if w := get(t, Handler(p, Options{}), target); strings.Contains(w.Body.String(), "no function names me") {
			t.Errorf("%s served a file no function names", target)
		}
	}

	// The count cap: the files with the most time come first.
	b = profile.NewBuilder(maxSourceFiles + 10)
	for i := 0; i < maxSourceFiles+10; i++ {
		id := b.Func(profile.Func{File: write(fmt.Sprintf("m%03d.py", i), "pass\n"), Line: 1, Name: "f"})
		b.Entry(id, profile.Stats{PCalls: 1, NCalls: 1, CumTime: float64(i)}, nil)
	}
	d = decodeTexts(t, b.Profile())
	if len(d.Path) != maxSourceFiles {
		t.Fatalf("%d files read, want the cap %d", len(d.Path), maxSourceFiles)
	}
	if first := filepath.Base(d.Path[0]); first != fmt.Sprintf("m%03d.py", maxSourceFiles+9) {
		t.Errorf("first file %s, want the one with the most time", first)
	}
}

// TestReadSource checks the reader at the edges: an empty file, one of
// exactly the limit, one a byte over.
func TestReadSource(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		size, limit int
		ok          bool
	}{{0, 10, true}, {10, 10, true}, {11, 10, false}, {3, 10, true}} {
		path := filepath.Join(dir, fmt.Sprint(tc.size, "-", tc.limit))
		want := strings.Repeat("x", tc.size)
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		got, ok := readSource(path, tc.limit)
		if ok != tc.ok || (ok && string(got) != want) {
			t.Errorf("size %d, limit %d: %q %v, want ok=%v", tc.size, tc.limit, got, ok, tc.ok)
		}
	}
	if _, ok := readSource(dir, 1<<20); ok {
		t.Error("a directory was read")
	}
}
