package machine

import (
	"bufio"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name          string
		in            []float64
		med, lo, hi   float64
		n             int
		spreadAtLeast float64
	}{
		{"odd", []float64{3, 1, 2}, 2, 1, 3, 3, 0.49},
		{"even", []float64{4, 1, 2, 3}, 2.5, 1, 4, 4, 0.59},
		{"one", []float64{7}, 7, 7, 7, 1, 0},
		{"nan ignored", []float64{math.NaN(), 5, math.Inf(1), 1}, 3, 1, 5, 2, 0.66},
		{"outlier does not move median", []float64{10, 10.1, 9.9, 1000, 10}, 10, 9.9, 1000, 5, 49},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.in)
			if s.Median != tt.med || s.Min != tt.lo || s.Max != tt.hi || s.N != tt.n {
				t.Errorf("Summarize(%v) = %+v, want median %v min %v max %v n %d", tt.in, s, tt.med, tt.lo, tt.hi, tt.n)
			}
			if s.Spread() < tt.spreadAtLeast {
				t.Errorf("Spread = %v, want ≥ %v", s.Spread(), tt.spreadAtLeast)
			}
		})
	}
	if s := Summarize([]float64{math.NaN(), math.Inf(1)}); s != (Stat{}) {
		t.Errorf("Summarize(NaN, Inf) = %+v, want the zero Stat (JSON cannot carry NaN)", s)
	}
	if s := (Stat{Median: 0, N: 1}).Invert(); s != (Stat{}) {
		t.Errorf("Invert of zero = %+v, want the zero Stat", s)
	}
	inv := Stat{Median: 2, Min: 1, Max: 4, N: 3}.Invert()
	if inv.Median != 0.5 || inv.Min != 0.25 || inv.Max != 1 {
		t.Errorf("Invert = %+v, want median 0.5 between 0.25 and 1", inv)
	}
}

func TestUnits(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"L1d", FormatBytes(48 << 10), "48 KiB"},
		{"L3", FormatBytes(32 << 20), "32 MiB"},
		{"root2 step", FormatBytes(5792), "5.66 KiB"},
		{"GiB", FormatBytes(3 << 29), "1.5 GiB"},
		{"bytes", FormatBytes(64), "64 B"},
		{"ns", FormatNs(1.09), "1.09 ns"},
		{"µs", FormatNs(13700), "13.7 µs"},
		{"ms", FormatNs(2.5e6), "2.5 ms"},
		{"nan", FormatNs(math.NaN()), "n/a"},
		{"GB/s", FormatRate(24.7e9), "24.7 GB/s"},
		{"MB/s", FormatRate(1.1e8), "110 MB/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	// Conversions checked against the anchors' own arithmetic: lmbench's
	// 1.09 ns L1 at 3.69 GHz is four cycles; iperf3's 17.6 Gbit/s is 2.2 GB/s;
	// STREAM counts 24 GB/s for 24e9 bytes in one second.
	if c := Cycles(1.09, 3.69); math.Abs(c-4.02) > 0.01 {
		t.Errorf("Cycles(1.09 ns, 3.69 GHz) = %v, want 4.02", c)
	}
	if g := Gbitps(2.2e9); math.Abs(g-17.6) > 1e-9 {
		t.Errorf("Gbitps(2.2e9 B/s) = %v, want 17.6", g)
	}
	if g := GBps(24e9, 1e9); g != 24 {
		t.Errorf("GBps(24e9 bytes, 1 s) = %v, want 24", g)
	}
}

// recorded loads a report recorded on this project's CI machine (see
// testdata/README.md).
func recorded(t *testing.T, name string) *Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

// TestKneesRecorded finds the levels in real series and checks them
// against what sysfs said about the same machine: L1 and L2 are private
// and must show up within a factor 1.5 of their sysfs size; L3 is shared
// with other VMs here, so only its order is checked.
func TestKneesRecorded(t *testing.T) {
	for _, file := range []string{"quick-latency-epyc.json", "full-epyc.json"} {
		r := recorded(t, file)
		for _, s := range r.Latency.Series {
			t.Run(file+"/"+s.Pages, func(t *testing.T) {
				cpu := &CPU{Caches: r.CPU.Caches}
				levels := nameLevels(s.Points, cpu, r.Latency.GHz)
				if len(levels) != 4 {
					t.Fatalf("found %d levels, want L1, L2, L3, RAM: %+v", len(levels), levels)
				}
				for i, want := range []string{"L1", "L2", "L3", "RAM"} {
					if levels[i].Name != want {
						t.Errorf("level %d named %q, want %q", i, levels[i].Name, want)
					}
					if i > 0 && levels[i].NS < 1.5*levels[i-1].NS {
						t.Errorf("%s latency %v not clearly above %s's %v", want, levels[i].NS, levels[i-1].Name, levels[i-1].NS)
					}
				}
				for _, lv := range levels[:2] {
					if r := float64(lv.EffectiveBytes) / float64(lv.SysfsBytes); r < 1/1.5 || r > 1.5 {
						t.Errorf("%s effective %s, sysfs %s: more than 1.5× apart", lv.Name, FormatBytes(lv.EffectiveBytes), FormatBytes(lv.SysfsBytes))
					}
				}
				if l1 := levels[0].Cycles; l1 < 3 || l1 > 6 {
					t.Errorf("L1 latency %.1f cycles; every x86 core since 2011 takes 4 or 5", l1)
				}
				if levels[3].NS < 10*levels[0].NS {
					t.Errorf("RAM %v ns not 10× L1 %v ns", levels[3].NS, levels[0].NS)
				}
			})
		}
	}
}

// TestKneesShapes checks Knees on series with known structure.
func TestKneesShapes(t *testing.T) {
	sizes := latencySizes(1<<30, 4)
	// A textbook hierarchy: 32 KiB at 1 ns, 512 KiB at 4 ns, 8 MiB at 12 ns,
	// then RAM at 100 ns, with two-step transitions.
	step := func(b int64) float64 {
		switch {
		case b <= 32<<10:
			return 1
		case b <= 48<<10:
			return 2
		case b <= 512<<10:
			return 4
		case b <= 1<<20:
			return 7
		case b <= 8<<20:
			return 12
		case b <= 16<<20:
			return 40
		}
		return 100
	}
	lat := make([]float64, len(sizes))
	for i, s := range sizes {
		lat[i] = step(s)
	}
	tests := []struct {
		name   string
		mutate func([]float64)
		want   int
		levels int
	}{
		{"clean", func([]float64) {}, 4, 4},
		{"one noisy point inside L2", func(l []float64) { l[20] *= 1.6 }, 4, 4},
		{"capped at three", func([]float64) {}, 3, 3},
		// Without a cap, each two-point transition step is a level of its own.
		{"uncapped", func([]float64) {}, 0, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := append([]float64(nil), lat...)
			tt.mutate(l)
			ps := Knees(sizes, l, 0.25, tt.want)
			if len(ps) != tt.levels {
				t.Fatalf("got %d plateaus %+v, want %d", len(ps), ps, tt.levels)
			}
			if tt.levels == 4 {
				for i, want := range []float64{1, 4, 12, 100} {
					if ps[i].Latency != want {
						t.Errorf("plateau %d at %v ns, want %v", i, ps[i].Latency, want)
					}
				}
				for i, edge := range []int64{32 << 10, 512 << 10, 8 << 20} {
					if r := float64(ps[i].EdgeBytes) / float64(edge); r < 1 || r > 2.1 {
						t.Errorf("edge %d at %s, want between %s and twice that", i, FormatBytes(ps[i].EdgeBytes), FormatBytes(edge))
					}
				}
			}
			if ps[len(ps)-1].EdgeBytes != 0 {
				t.Errorf("last plateau has an edge: %+v", ps[len(ps)-1])
			}
		})
	}
	if ps := Knees(sizes[:3], []float64{1, math.NaN(), 2}, 0.25, 0); ps != nil {
		t.Errorf("NaN in series: got %+v, want nil", ps)
	}
	if ps := Knees(sizes[:1], []float64{1}, 0.25, 0); ps != nil {
		t.Errorf("one point: got %+v, want nil", ps)
	}
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"0", []int{0}, false},
		{"0-1", []int{0, 1}, false},
		{"0-2,8,10-11\n", []int{0, 1, 2, 8, 10, 11}, false},
		{"", nil, false},
		{"3-1", nil, true},
		{"a", nil, true},
		{"-1", nil, true},
		{"0-99999999", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCPUList(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseCacheSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"48K", 48 << 10, false},
		{"1024K\n", 1 << 20, false},
		{"32M", 32 << 20, false},
		{"512", 512, false},
		{"K", 0, true},
		{"-4K", 0, true},
		{"99999999999G", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCacheSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseCacheSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0-3,8", "0", "1-0", ",", "0-65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseCPUList(s)
		if err == nil && len(got) > 1<<16 {
			t.Fatalf("%q gave %d CPUs", s, len(got))
		}
		if _, err := ParseCacheSize(s); err != nil {
			return
		}
	})
}

// TestSmapsHuge reads a /proc/self/smaps excerpt recorded on this machine
// after mapRegion(64 MiB, huge): madvise split the 66 MiB mapping into a
// 64 MiB VMA of huge pages and an untouched 2 MiB tail.
func TestSmapsHuge(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi uint64
		want   int64
	}{
		{"whole mapping", 0x7f6e25e00000, 0x7f6e2a000000, 64 << 20},
		{"tail only", 0x7f6e29e00000, 0x7f6e2a000000, 0},
		{"elsewhere", 0x1000, 0x2000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open("testdata/smaps-thp.txt")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := smapsHuge(bufio.NewScanner(f), tt.lo, tt.hi); got != tt.want {
				t.Errorf("smapsHuge = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParsePSI(t *testing.T) {
	b, err := os.ReadFile("testdata/pressure-cpu.txt")
	if err != nil {
		t.Fatal(err)
	}
	v, ok := parsePSI(string(b))
	if !ok || v != 64.64 {
		t.Errorf("parsePSI = %v, %v; want 64.64, true", v, ok)
	}
	if _, ok := parsePSI("garbage"); ok {
		t.Errorf("parsePSI(garbage) reported a value")
	}
}

// TestBuildCycle: following the links from the start visits every line
// once and comes back, for sizes from one line to 16 MiB.
func TestBuildCycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	perm := make([]uint32, 1<<18)
	for _, lines := range []int{1, 2, 3, 64, 1000, 1 << 18} {
		b := make([]byte, lines*64+64)
		b = b[:lines*64]
		start := buildCycle(b, perm, rng)
		seen := make([]bool, lines)
		p := start
		for i := 0; i < lines; i++ {
			k := (uintptr(p) - uintptr(start)) / 64
			if k >= uintptr(lines) || seen[k] {
				t.Fatalf("%d lines: step %d reaches line %d again or outside", lines, i, k)
			}
			seen[k] = true
			p = *(*unsafe.Pointer)(p)
		}
		if p != start {
			t.Errorf("%d lines: the walk does not return to the start", lines)
		}
	}
}
