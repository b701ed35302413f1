package hppfile

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"hpp/internal/profile"
)

// sampled returns a profile shaped like an hpp record of a program with
// nthreads threads: a few dozen functions, stacks that repeat, lines.
func sampled(r *rand.Rand, nsamples, nthreads int) *profile.Profile {
	p := &profile.Profile{}
	for i := 0; i < 40; i++ {
		p.Funcs = append(p.Funcs, profile.Function{Func: profile.Func{
			File: "/srv/app/mod" + string(rune('a'+i%7)) + ".py", Line: 10 * i, Name: "func_" + string(rune('a'+i%26)) + strings.Repeat("x", i%3)}})
	}
	s := &profile.SampleSet{Unit: "samples", PeriodNS: 10_000_000, Mode: "wall"}
	s.Processes = []profile.Process{{PID: 4242, Command: "python3 app.py --serve"}, {PID: 4250, Parent: 4242, Command: "python3 -c worker"}}
	for t := 0; t < nthreads; t++ {
		s.Threads = append(s.Threads, profile.Thread{ID: int64(4242 + t), Name: "Thread-" + string(rune('0'+t%10)), Process: int32(t % 2)})
	}
	for i := 0; i < nsamples; i++ {
		depth := 3 + r.IntN(12)
		st := make([]profile.Frame, depth)
		for j := range st {
			f := r.IntN(8) + 4*j
			st[j] = profile.Frame{Func: profile.FuncID(f % len(p.Funcs)), Line: int32(10*f + r.IntN(3))}
		}
		s.Samples = append(s.Samples, profile.Sample{Stack: st, Weight: 1, Thread: int32(r.IntN(nthreads)),
			GIL: r.IntN(2) == 0, Idle: r.IntN(3) == 0, GILWait: r.IntN(5) == 0})
	}
	s.Samples = append(s.Samples, profile.Sample{Stack: []profile.Frame{}, Weight: 7, Thread: -1})
	p.Samples = s
	p.Files = []profile.SourceFile{{Path: "/srv/app/moda.py", Text: []byte("def f():\n    pass\n")}, {Path: "/srv/app/empty.py", Text: []byte{}}}
	return p
}

func roundTrip(t *testing.T, p *profile.Profile, m *Meta) (*profile.Profile, *Meta, int) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, p, m); err != nil {
		t.Fatal(err)
	}
	n := buf.Len()
	q, qm, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return q, qm, n
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := sampled(r, 2000, 5)
	m := &Meta{HPPVersion: "1.2.3", Python: "3.11.2", Command: "python3 app.py", Start: time.Unix(1_790_000_000, 123).UTC(),
		Duration: 12 * time.Second, Rate: 100, Achieved: 99.5, Torn: 3}
	q, qm, _ := roundTrip(t, p, m)
	if !reflect.DeepEqual(p, q) {
		t.Errorf("profile changed in the round trip")
	}
	if !reflect.DeepEqual(m, qm) {
		t.Errorf("meta: got %+v, want %+v", qm, m)
	}

	// A call-graph profile (what cProfile records) keeps its numbers.
	g := &profile.Profile{
		Funcs: []profile.Function{
			{Func: profile.Func{File: "a.py", Line: 1, Name: "main"}, Listed: true, Stats: profile.Stats{PCalls: 1, NCalls: 1, TotTime: 0.25, CumTime: 1.5}},
			{Func: profile.Func{File: "a.py", Line: 9, Name: "fib"}, Listed: true, Stats: profile.Stats{PCalls: 1, NCalls: 177, TotTime: 1.25, CumTime: 1.25},
				Callers: []profile.Edge{{Caller: 0, Stats: profile.Stats{PCalls: 1, NCalls: 1, TotTime: 1.25, CumTime: 1.25}}, {Caller: 1, Stats: profile.Stats{NCalls: 176}, CountOnly: true}}},
			{Func: profile.Func{File: "~", Line: 0, Name: "<built-in method len>"}},
		},
		NumListed: 2, TotalTT: 1.5,
	}
	q, qm, _ = roundTrip(t, g, nil)
	if !reflect.DeepEqual(g, q) {
		t.Errorf("call graph changed in the round trip:\n got %+v\nwant %+v", q, g)
	}
	if qm != nil {
		t.Errorf("meta from nowhere: %+v", qm)
	}
}

// TestSize: an hour at 100 Hz of four threads stays small, since stacks
// are interned and samples refer to them.
func TestSize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p := sampled(r, 1, 4)
	// Real programs revisit a few hundred stacks: draw samples from them.
	base := sampled(r, 300, 4).Samples.Samples
	n := 100 * 3600 * 4 / 10 // a tenth of the hour, to keep the test quick
	p.Samples.Samples = make([]profile.Sample, n)
	for i := range p.Samples.Samples {
		s := base[r.IntN(len(base))]
		s.Thread = int32(i % 4)
		p.Samples.Samples[i] = s
	}
	_, _, size := roundTrip(t, p, nil)
	per := float64(size) / float64(n)
	t.Logf("%d samples: %d bytes, %.2f bytes per sample", n, size, per)
	if per > 2.5 {
		t.Errorf("%.2f bytes per sample, want at most 2.5", per)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestErrors(t *testing.T) {
	var good bytes.Buffer
	Write(&good, sampled(rand.New(rand.NewPCG(5, 6)), 50, 2), &Meta{Python: "3.12.1"})
	body, err := gzip.NewReader(bytes.NewReader(good.Bytes()[len(Magic)+2:]))
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	plain.ReadFrom(body)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not an hpp profile file"},
		{"pstats", []byte("{\xfa\x00\x00"), "not an hpp profile file"},
		{"header only", []byte(Magic), "truncated"},
		{"newer major", append([]byte(Magic), 2, 0), "format version 2.0 is newer than this hpp reads (1.x)"},
		{"not gzip", append([]byte(Magic), 1, 0, 'x', 'y'), "not gzip"},
		{"truncated gzip", good.Bytes()[:good.Len()-9], "cannot be unpacked"},
		{"truncated body", append([]byte(Magic+"\x01\x00"), gz(plain.Bytes()[:plain.Len()/2])...), "byte "},
		{"huge count", append([]byte(Magic+"\x01\x00"), gz([]byte{secStrings, 6, 0xff, 0xff, 0xff, 0xff, 0x0f, 0})...), "cannot fit"},
		{"funcs before strings", append([]byte(Magic+"\x01\x00"), gz([]byte{secFuncs, 1, 0})...), "before the string table"},
		{"no funcs", append([]byte(Magic+"\x01\x00"), gz([]byte{secStrings, 2, 1, 0})...), "ends before"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Read(bytes.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, c.want)
			}
		})
	}
	// A newer minor version's unknown section is skipped.
	extra := append([]byte{99, 3, 1, 2, 3}, plain.Bytes()...)
	if _, _, err := Read(bytes.NewReader(append([]byte(Magic+"\x01\x07"), gz(extra)...))); err != nil {
		t.Errorf("newer minor with an unknown section: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.hpp")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	p := sampled(rand.New(rand.NewPCG(7, 8)), 5, 2)
	m := &Meta{Python: "3.13.1", Torn: 1, Start: time.Unix(1, 0)}
	var buf bytes.Buffer
	Write(&buf, p, m)
	f.Add(buf.Bytes())
	f.Add(encode(p, m))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The whole file, then the same bytes as an unpacked body, where
		// the fuzzer reaches the decoder without getting past gzip (and
		// without running deflate, slow under the fuzzer's coverage).
		Read(bytes.NewReader(b))
		p, _, err := Decode(b)
		if err != nil {
			return
		}
		// What it read is consistent: it encodes and decodes again.
		if _, _, err := Decode(encode(p, nil)); err != nil {
			t.Fatalf("re-encoded profile unreadable: %v", err)
		}
	})
}

// TestReadCommitted reads a file hpp record wrote (testdata/README.md):
// files written today must stay readable.
func TestReadCommitted(t *testing.T) {
	p, m, err := ReadFile("testdata/record.hpp")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	leaf := map[string]int64{}
	for _, s := range p.Samples.Samples {
		n += s.Weight
		leaf[p.Funcs[s.Stack[0].Func].Name] += s.Weight
	}
	if n != 81 || leaf["spin"] != 81 || m.Python != "3.11.7" || m.Rate != 100 || len(p.Samples.Threads) != 1 {
		t.Errorf("%d samples, leaves %v, meta %+v", n, leaf, m)
	}
}

// benchProfile is a tenth of an hour at 100 Hz of four threads with every
// sample its own record (the sampler merges equal ones, so real files
// have fewer).
func benchProfile() *profile.Profile {
	r := rand.New(rand.NewPCG(9, 10))
	p := sampled(r, 1, 4)
	base := sampled(r, 300, 4).Samples.Samples
	p.Samples.Samples = make([]profile.Sample, 144000)
	for i := range p.Samples.Samples {
		s := base[r.IntN(len(base))]
		s.Thread = int32(i % 4)
		p.Samples.Samples[i] = s
	}
	return p
}

func BenchmarkWrite(b *testing.B) {
	p := benchProfile()
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, p, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	Write(&buf, benchProfile(), nil)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Read(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
