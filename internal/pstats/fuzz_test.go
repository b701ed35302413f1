package pstats_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
)

// FuzzParse feeds the parser mutations of real files from every
// interpreter. Whatever parses must survive Write and Parse unchanged.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(pstatstest.CorpusDir(f), "*", "*.prof"))
	if len(files) == 0 {
		f.Fatal("no corpus files under testdata/pstats (run testdata/pstats/make.sh)")
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := pstats.Parse(data)
		if err != nil {
			if _, ok := err.(*pstats.FormatError); !ok {
				t.Fatalf("error of type %T, want *FormatError: %v", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := pstats.Write(&buf, p); err != nil {
			t.Fatal(err)
		}
		q, err := pstats.Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("hpp cannot read what it wrote: %v", err)
		}
		sameProfile(t, p, q)
	})
}

// sameProfile checks that q holds p's listed functions, numbers and
// callers, in the same order.
func sameProfile(t *testing.T, p, q *profile.Profile) {
	t.Helper()
	if p.NumListed != q.NumListed {
		t.Fatalf("%d functions after the round trip, want %d", q.NumListed, p.NumListed)
	}
	for i := range p.Funcs[:p.NumListed] {
		a, b := &p.Funcs[i], &q.Funcs[i]
		if a.Func != b.Func || !sameStats(a.Stats, b.Stats) || len(a.Callers) != len(b.Callers) {
			t.Fatalf("function #%d: %+v, want %+v", i, b, a)
		}
		for j, e := range a.Callers {
			g := b.Callers[j]
			if p.Funcs[e.Caller].Func != q.Funcs[g.Caller].Func || e.CountOnly != g.CountOnly || !sameStats(e.Stats, g.Stats) {
				t.Fatalf("%s caller #%d: %+v, want %+v", a.Func, j, g, e)
			}
		}
	}
	if math.Float64bits(p.TotalTT) != math.Float64bits(q.TotalTT) && !(math.IsNaN(p.TotalTT) && math.IsNaN(q.TotalTT)) {
		t.Fatalf("total_tt %v, want %v", q.TotalTT, p.TotalTT)
	}
}

func sameStats(a, b profile.Stats) bool {
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y)
	}
	return a.PCalls == b.PCalls && a.NCalls == b.NCalls && same(a.TotTime, b.TotTime) && same(a.CumTime, b.CumTime)
}

// FuzzStream reads mutations of real files as a stream (a pipe, in short
// reads, tried first at a size the fuzzer picks) and holds the result
// against Parse on the same bytes: the stream's early refusals and its
// parsing of what has come so far must change no answer but the message.
func FuzzStream(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(pstatstest.CorpusDir(f), "*", "*.prof"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint16(len(data)/3))
	}
	f.Fuzz(func(t *testing.T, data []byte, first uint16) {
		want, werr := pstats.Parse(data)
		got, gerr := pstats.ReadStream(iotest.HalfReader(bytes.NewReader(data)), 8+int(first))
		if gerr != nil {
			if _, ok := gerr.(*pstats.FormatError); !ok {
				t.Fatalf("error of type %T, want *FormatError: %v", gerr, gerr)
			}
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("Parse: %v; as a stream: %v", werr, gerr)
		}
		if werr == nil {
			sameProfile(t, want, got)
		}
	})
}
