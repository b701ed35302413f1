package machine

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSequentialKernels checks each set of vector kernels the CPU runs
// (AVX-512, AVX2) against the plain Go loops on random data, at lengths
// that are and are not whole 128-byte blocks.
func TestSequentialKernels(t *testing.T) {
	if !vectorKernels {
		t.Log("no vector kernels on this CPU: the Go loops are checked against themselves")
	}
	saved := vk
	defer func() { vk = saved }()
	sets := kernelSets
	if len(sets) == 0 {
		sets = []vecKernels{{name: "Go loops"}}
	}
	for _, set := range sets {
		vk = set
		for _, n := range []int{0, 1, 7, 15, 16, 17, 31, 32, 100, 4096, 4096 + 9} {
			t.Run(set.name, func(t *testing.T) {
				w := make([]uint64, n)
				for i := range w {
					w[i] = rand.Uint64()
				}
				var want uint64
				for _, x := range w {
					want += x
				}
				if got := readSeqVec(w); got != want {
					t.Errorf("read %d words: sum %#x, want %#x", n, got, want)
				}
				writeSeqVec(w, 0x5a5a)
				if i := slices.IndexFunc(w, func(x uint64) bool { return x != 0x5a5a }); i >= 0 {
					t.Errorf("write %d words: word %d is %#x", n, i, w[i])
				}
				src := make([]uint64, n)
				for i := range src {
					src[i] = rand.Uint64()
				}
				dst := make([]uint64, n+3) // longer than src: only len(src) words move
				copySeqVec(dst, src)
				if !slices.Equal(dst[:n], src) || slices.ContainsFunc(dst[n:], func(x uint64) bool { return x != 0 }) {
					t.Errorf("copy %d words: dst differs from src or was written past it", n)
				}
			})
		}
	}
}

// TestWorkingSetsFromMeasuredLevels: on the recorded EPYC VM, sysfs says
// L3 is 32 MiB while the latency probe saw it end near 10 MiB; a working
// set of half the sysfs size (16 MiB) measured RAM. The L3 row must fit in
// the measured L3, whatever sysfs claims (it can claim 260 MiB).
func TestWorkingSetsFromMeasuredLevels(t *testing.T) {
	r := recorded(t, "full-epyc.json")
	eff := map[string]int64{}
	for _, lv := range r.Latency.Levels {
		eff[lv.Name] = lv.EffectiveBytes
	}
	for _, sysfsL3 := range []int64{32 << 20, 260 << 20} {
		cpu := &CPU{Caches: slices.Clone(r.CPU.Caches)}
		for i := range cpu.Caches {
			if cpu.Caches[i].Level == 3 {
				cpu.Caches[i].Bytes = sysfsL3
			}
		}
		for _, threads := range []int{1, 2} {
			rows, source := bwLevels(cpu, r.Latency, threads)
			if !strings.Contains(source, "effective size") {
				t.Errorf("working sets from %q", source)
			}
			var names []string
			for _, x := range rows {
				names = append(names, x.Level)
				all := x.Bytes // L1 and L2 are per core, L3 is shared by the threads
				if x.Level == "L3" {
					all *= int64(threads)
				}
				if e := eff[x.Level]; x.Level != "RAM" && (all > e || all < e/4) {
					t.Errorf("sysfs L3 %s, %d thread(s): %s working set %s per thread, measured level %s",
						FormatBytes(sysfsL3), threads, x.Level, FormatBytes(x.Bytes), FormatBytes(e))
				}
			}
			if !slices.Equal(names, []string{"L1", "L2", "L3", "RAM"}) {
				t.Errorf("rows %v", names)
			}
			// RAM: 1 GiB per thread (when memory allows), STREAM's 4 x the
			// measured L3, not 4 x a sysfs size: 2 GiB for one thread
			// made --quick too slow.
			if ram := rows[len(rows)-1].Bytes; ram > 1<<30 || ram < 4*eff["L3"]/int64(threads) {
				t.Errorf("sysfs L3 %s, %d thread(s): RAM working set %s per thread", FormatBytes(sysfsL3), threads, FormatBytes(ram))
			}
		}
		// Without a latency run, sysfs is all there is, and it says so.
		if _, source := bwLevels(cpu, nil, 1); !strings.Contains(source, "sysfs") {
			t.Errorf("working sets without latency from %q", source)
		}
	}
}

// TestRandomKernelsCoverEveryLine: the random read and write visit every
// line of the buffer exactly once per lap, however the lap is cut into
// chunks (the cursor wraps), against a plain sum of the words.
func TestRandomKernelsCoverEveryLine(t *testing.T) {
	for _, lines := range []int{1, 2, 64, 1024, 4 * randChunk} {
		w := make([]uint64, lines*8)
		var want uint64
		for i := range w {
			w[i] = rand.Uint64()
			want += w[i]
		}
		for _, chunk := range []int{1, 3, lines, randChunk} {
			var got uint64
			from := uint64(0)
			for done := 0; done < lines; done += chunk {
				n := uint64(min(chunk, lines-done))
				got += readRand(w, from, n)
				from = (from + n) % uint64(lines)
			}
			if got != want {
				t.Errorf("%d lines in chunks of %d: sum %#x, want %#x", lines, chunk, got, want)
			}
		}
		clear(w)
		for from := 0; from < lines; from += 3 {
			writeRand(w, uint64(from), uint64(min(3, lines-from)), 0x5a)
		}
		if i := slices.IndexFunc(w, func(x uint64) bool { return x != 0x5a }); i >= 0 {
			t.Errorf("%d lines: word %d not written", lines, i)
		}
	}
}

// TestSizingLatency: without the latency probe (--only bandwidth) the
// working sets still come from a measured sweep. L1 and L2 are private
// caches, so their measured ends must be within 4x of sysfs's sizes
// (a live sweep on a shared machine is noisier than the recorded ones:
// a CI run under load found L2's knee at 2.83 MiB where sysfs says 1 MiB,
// which is still a knee, not a missing one).
func TestSizingLatency(t *testing.T) {
	cpu := topology()
	lat, err := sizingLatency(context.Background(), &meter{quick: true, progress: func(string) {}}, cpu)
	if err != nil {
		t.Fatal(err)
	}
	rows, source := bwLevels(cpu, lat, 1)
	if !strings.Contains(source, "effective size") {
		t.Errorf("working sets from %q", source)
	}
	t.Logf("levels %+v", lat.Levels)
	for _, lv := range lat.Levels[:min(2, len(lat.Levels))] {
		if lv.SysfsBytes == 0 {
			continue
		}
		if r := float64(lv.EffectiveBytes) / float64(lv.SysfsBytes); r < 1/4.0 || r > 4 {
			t.Errorf("%s ends at %s, sysfs says %s", lv.Name, FormatBytes(lv.EffectiveBytes), FormatBytes(lv.SysfsBytes))
		}
	}
	if len(rows) < 2 || rows[len(rows)-1].Level != "RAM" {
		t.Errorf("rows %+v", rows)
	}
}
