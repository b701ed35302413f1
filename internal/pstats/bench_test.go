package pstats_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
	"hpp/internal/report"
)

// benchFiles are the large profiles scripts/genprof.py makes (see
// docs/benchmarks.md); benchmarks on them are skipped when absent.
var benchFiles = []string{"p30k.prof", "p100k.prof"}

func BenchmarkParse(b *testing.B) {
	paths := []string{filepath.Join(pstatstest.CorpusDir(b), "debian-python3", "cprofile.prof")}
	for _, name := range benchFiles {
		paths = append(paths, filepath.Join(pstatstest.CorpusDir(b), "..", "..", "bench", "out", name))
	}
	for _, path := range paths {
		b.Run(filepath.Base(path), func(b *testing.B) {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Skipf("%v (make it with scripts/genprof.py, see docs/benchmarks.md)", err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := pstats.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				if p.NumListed < 100 {
					b.Fatalf("only %d functions", p.NumListed)
				}
			}
		})
	}
}

// BenchmarkStatsReport is hpp stats --sort cumulative --limit 30 without
// the process: parse, sort, print.
func BenchmarkStatsReport(b *testing.B) {
	for _, name := range benchFiles {
		path := filepath.Join(pstatstest.CorpusDir(b), "..", "..", "bench", "out", name)
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Skipf("%v (make it with scripts/genprof.py, see docs/benchmarks.md)", err)
			}
			ord, _ := report.ParseOrder([]string{"cumulative"})
			lim, _ := report.ParseLimit("30")
			b.ReportAllocs()
			for b.Loop() {
				p, err := pstats.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				if err := report.Stats(io.Discard, p, report.Select(p, report.Options{Order: ord, Restrictions: []report.Restriction{lim}})); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
