package machine

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Bandwidth is read and write throughput per level of the hierarchy,
// sequential and in random cache-line order, on one thread and on all.
type Bandwidth struct {
	Rows []BandwidthRow `json:"rows"`
	// Kernel says what the loops do, since bandwidth depends on it (a
	// vectorised copy can move twice what scalar loads do from L1).
	Kernel string `json:"kernel"`
	// WorkingSets says where the cache levels' working sets came from:
	// the latency probe's effective sizes, or sysfs when it did not run.
	WorkingSets string `json:"working_sets"`
}

// BandwidthRow is one measurement.
type BandwidthRow struct {
	Level   string `json:"level"`   // L1, L2, L3, RAM
	Bytes   int64  `json:"bytes"`   // working set per thread
	Op      string `json:"op"`      // read, write
	Pattern string `json:"pattern"` // sequential, random
	Threads int    `json:"threads"`
	GBps    Stat   `json:"gbps"` // decimal GB/s over all threads
}

const sysfsSource = "half of each sysfs cache size (the latency probe did not run)"

// bwLevels picks a working set inside each cache level (half its size, a
// power of two, divided among the threads that share it) and one for RAM
// of at least four times the last-level cache, STREAM's rule. A level's
// size is the effective size the latency probe measured when it ran:
// sysfs can name a 260 MiB L3 on a VM whose guest sees ~8 MiB of it, and a
// working set from that size measures RAM; the sysfs size is only an
// upper bound. It returns where the sizes came from.
func bwLevels(cpu *CPU, lat *Latency, threads int) ([]BandwidthRow, string) {
	var out []BandwidthRow
	pow2 := func(b int64) int64 { return 1 << (63 - bits.LeadingZeros64(uint64(max(b, 4096)))) }
	shared := func(level int) int {
		for _, c := range cpu.dataCaches() {
			if c.Level == level {
				return len(c.SharedBy)
			}
		}
		return 1
	}
	perThread := func(bytes int64, sharedBy int) int64 {
		per := bytes / 2
		if threads > 1 && sharedBy > 1 {
			per /= int64(min(threads, sharedBy))
		}
		return pow2(per)
	}
	source := sysfsSource
	if lat != nil && len(lat.Levels) > 0 {
		source = "half of each level's effective size measured by the latency probe"
		var found []string
		for _, lv := range lat.Levels {
			if lv.Name == "RAM" || lv.EffectiveBytes <= 0 {
				continue
			}
			var level int
			if _, err := fmt.Sscanf(lv.Name, "L%d", &level); err != nil {
				continue // a plateau no sysfs cache matches: no row for it
			}
			found = append(found, lv.Name)
			// A knee found past the cache's own size (noise on a busy
			// machine, a plateau merged with RAM's) cannot be the cache.
			size := lv.EffectiveBytes
			if lv.SysfsBytes > 0 {
				size = min(size, lv.SysfsBytes)
			}
			out = append(out, BandwidthRow{Level: lv.Name, Bytes: perThread(size, shared(level))})
		}
		var missing []string
		for _, c := range cpu.dataCaches() {
			if name := fmt.Sprintf("L%d", c.Level); !slices.Contains(found, name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			source += "; no row for " + strings.Join(missing, ", ") + ": the latency probe found no plateau for it"
		}
	} else {
		for _, c := range cpu.dataCaches() {
			out = append(out, BandwidthRow{Level: fmt.Sprintf("L%d", c.Level), Bytes: perThread(c.Bytes, len(c.SharedBy))})
		}
	}
	// RAM: 1 GiB per thread (4 GiB at most in all), and never less than
	// STREAM's four times the last-level cache. Large buffers matter on
	// virtual machines: on the 2-vCPU VM this was written on, two threads
	// copied 35-49 GB/s through 128-512 MiB each but 68-70 GB/s, STREAM's
	// figure with its 3 x 640 MB arrays, through 1 GiB each; one thread
	// moved the same at every size. A quarter of the available memory is
	// the most it takes.
	// The last-level cache is the measured one too: with sysfs's 260 MiB
	// the rule asked for a 2 GiB buffer on one thread, seconds of mapping
	// and passes that --quick cannot afford.
	llc := cpu.lastLevel()
	if len(out) > 0 && source != sysfsSource {
		llc = min(llc, out[len(out)-1].Bytes*2*int64(threads))
	}
	limit := (4 << 30) / int64(threads)
	if avail := memAvailable(); avail > 0 {
		limit = min(limit, avail/4/int64(threads))
	}
	ram := min(max(pow2(4*llc)*2/int64(threads), 1<<30, 16<<20), max(limit, 16<<20))
	out = append(out, BandwidthRow{Level: "RAM", Bytes: ram})
	return out, source
}

func measureBandwidth(ctx context.Context, m *meter, cpu *CPU, lat *Latency) (*Bandwidth, error) {
	bw := &Bandwidth{Kernel: "sequential: Go loops of 64-bit loads (8 independent sums) and stores; random = every cache line once in a scrambled order, Go loops; copy = first half of the buffer to the second, bytes read + written (STREAM's count)"}
	if vectorKernels {
		bw.Kernel = "sequential: " + vectorKernelName + "; random = every cache line once in a scrambled order, Go loops of 64-bit words; copy = first half of the buffer to the second, bytes read + written (STREAM's count)"
	}
	all := cpu.cpuIDs()
	if len(all) == 0 {
		all = []int{0}
	}
	threadSets := [][]int{{pickCPU(cpu)}}
	if len(all) > 1 {
		threadSets = append(threadSets, all)
	}
	// Each CPU maps one buffer, as large as its largest working set, and
	// every level uses the start of it: mapping 1 GiB of huge pages can
	// cost seconds of compaction on a machine whose memory is fragmented
	// (6 s for the first GiB here, 0.5 s once it was free), so it is done
	// once per CPU rather than once per level and thread set.
	levels := make([][]BandwidthRow, len(threadSets))
	need := map[int]int64{}
	for k, cpus := range threadSets {
		levels[k], bw.WorkingSets = bwLevels(cpu, lat, len(cpus))
		for _, lv := range levels[k] {
			for _, c := range cpus {
				need[c] = max(need[c], lv.Bytes)
			}
		}
	}
	pool := map[int]*region{}
	defer func() {
		for _, r := range pool {
			r.free()
		}
	}()
	for k, cpus := range threadSets {
		// Map on the pinned thread, so that first touch puts each buffer
		// on its own CPU's NUMA node.
		fresh := make([]*region, len(cpus))
		errs := make([]error, len(cpus))
		parallel(cpus, func(i int) {
			if pool[cpus[i]] == nil {
				fresh[i], errs[i] = mapRegion(need[cpus[i]], true)
			}
		})
		for i, c := range cpus {
			if errs[i] != nil {
				return bw, errs[i]
			}
			if fresh[i] != nil {
				pool[c] = fresh[i]
			}
		}
		for _, lv := range levels[k] {
			bufs := make([][]byte, len(cpus))
			for i, c := range cpus {
				bufs[i] = pool[c].b[:lv.Bytes]
			}
			for _, op := range []string{"read", "write", "copy"} {
				for _, pat := range []string{"sequential", "random"} {
					if op == "copy" && pat == "random" {
						continue // a scrambled copy says nothing the random read and write do not
					}
					if err := ctx.Err(); err != nil {
						return bw, err
					}
					m.progress(fmt.Sprintf("bandwidth: %s %s %s, %d thread(s)", lv.Level, pat, op, len(cpus)))
					row := lv
					row.Op, row.Pattern, row.Threads = op, pat, len(cpus)
					curs := make([]cursor, len(cpus))
					row.GBps = m.sample(func() float64 { return bwOnce(m, cpus, bufs, curs, op, pat) })
					bw.Rows = append(bw.Rows, row)
				}
			}
		}
	}
	return bw, nil
}

// passes is how many passes over a buffer make one time slice, found once
// per buffer size and kept so every repeat moves the same bytes.
var passCache sync.Map

// randChunk is how many cache lines one random "pass" visits at most. A
// full pass over a 1 GiB buffer in scrambled order takes 0.4-0.8 s, and
// the calibration, the warm-up and each repeat took at least one: 12 s of
// a quick run went there. Each line of a large buffer is a miss to RAM
// whether the pass visits all of them or 4 MiB's worth, so a pass visits
// randChunk lines of the scrambled order and the next pass continues
// where it stopped, keeping the buffer's whole span (and its TLB misses).
const randChunk = 1 << 16

// cursor is where each buffer's next random pass starts.
type cursor struct{ next uint64 }

// bwOnce runs the kernel on every CPU at once for about one time slice
// and returns GB/s over all of them: the sum of each thread's bytes over
// its own CPU time, so that time a thread spent descheduled by other work
// on a shared machine does not count.
func bwOnce(m *meter, cpus []int, bufs [][]byte, curs []cursor, op, pat string) float64 {
	key := fmt.Sprint(len(bufs[0]), op, pat, m.slice())
	n, ok := passCache.Load(key)
	if !ok {
		words := asWords(bufs[0])
		p := 1
		for {
			t := time.Now()
			for i := 0; i < p; i++ {
				kernel(words, &curs[0], op, pat)
			}
			if d := time.Since(t); d > m.slice()/4 || p > 1<<20 {
				n = max(1, int(float64(p)*float64(m.slice())/float64(d)))
				break
			}
			p *= 2
		}
		passCache.Store(key, n)
	}
	passes := n.(int)
	el := make([]time.Duration, len(cpus))
	var start sync.WaitGroup
	start.Add(1)
	parallel(cpus, func(i int) {
		words := asWords(bufs[i])
		start.Wait()
		t := threadTime()
		for k := 0; k < passes; k++ {
			kernel(words, &curs[i], op, pat)
		}
		el[i] = threadTime() - t
	}, start.Done)
	per := float64(passBytes(len(bufs[0]), pat)) * float64(passes)
	total := 0.0
	for _, d := range el {
		total += GBps(per, float64(max(d, 1)))
	}
	return total
}

// passBytes is how many bytes one kernel call moves over a buffer.
func passBytes(size int, pat string) int {
	if pat == "random" {
		return min(size/64, randChunk) * 64
	}
	return size
}

// parallel runs f(i) on a thread pinned to cpus[i] for each i, calls
// ready (if any) once all threads are pinned, and waits for them all.
func parallel(cpus []int, f func(i int), ready ...func()) {
	var pinned, done sync.WaitGroup
	pinned.Add(len(cpus))
	done.Add(len(cpus))
	for i, c := range cpus {
		go func() {
			defer done.Done()
			lockThread()
			_ = pin(c)
			pinned.Done()
			f(i)
		}()
	}
	pinned.Wait()
	for _, r := range ready {
		r()
	}
	done.Wait()
}

func asWords(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
}

var sink uint64

// kernel makes one pass over w: the whole buffer for sequential
// patterns, randChunk lines from c onwards for random ones. Every op
// counts passBytes per pass: copy reads one half and writes the other, as
// STREAM counts its copy.
func kernel(w []uint64, c *cursor, op, pat string) {
	switch {
	case op == "copy":
		copySeqVec(w[len(w)/2:], w[:len(w)/2])
	case op == "read" && pat == "sequential":
		sink += readSeqVec(w)
	case pat == "sequential":
		writeSeqVec(w, sink)
	default:
		lines := uint64(len(w) / 8)
		n := min(lines, randChunk)
		if op == "read" {
			sink += readRand(w, c.next, n)
		} else {
			writeRand(w, c.next, n, sink)
		}
		c.next = (c.next + n) & (lines - 1)
	}
}

// copySeqGo copies src to dst eight words at a time.
func copySeqGo(dst, src []uint64) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for len(src) >= 8 {
		d, s := dst[:8], src[:8]
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
		dst, src = dst[8:], src[8:]
	}
	copy(dst, src)
}

// readSeqGo sums w with eight independent accumulators so that the loads,
// not an add chain, limit the loop.
func readSeqGo(w []uint64) uint64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for len(w) >= 8 {
		s0 += w[0]
		s1 += w[1]
		s2 += w[2]
		s3 += w[3]
		s4 += w[4]
		s5 += w[5]
		s6 += w[6]
		s7 += w[7]
		w = w[8:]
	}
	for _, x := range w {
		s0 += x
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}

func writeSeqGo(w []uint64, v uint64) {
	for len(w) >= 8 {
		w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7] = v, v, v, v, v, v, v, v
		w = w[8:]
	}
	for i := range w {
		w[i] = v
	}
}

// scramble is a bijection on k-bit numbers (xor-shift and odd multiply,
// each invertible mod 2^k): it visits every line once, in an order with no
// stride for a prefetcher to follow, and the addresses do not depend on
// loaded data, so loads still overlap as a real random-access loop's do.
func scramble(i, mask uint64, shift uint) uint64 {
	i ^= i >> shift
	i = (i * 0x9E3779B97F4A7C15) & mask
	i ^= i >> shift
	i = (i * 0xBF58476D1CE4E5B9) & mask
	return i
}

// readRand sums n lines of w in scrambled order, from the from-th line of
// that order on (wrapping around).
func readRand(w []uint64, from, n uint64) uint64 {
	lines := uint64(len(w) / 8)
	mask := lines - 1 // sizes are powers of two
	shift := uint(bits.Len64(mask)+1) / 2
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for i := from; i < from+n; i++ {
		l := w[scramble(i&mask, mask, shift)*8:]
		l = l[:8]
		s0 += l[0]
		s1 += l[1]
		s2 += l[2]
		s3 += l[3]
		s4 += l[4]
		s5 += l[5]
		s6 += l[6]
		s7 += l[7]
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}

// writeRand writes n lines of w in scrambled order, from the from-th line
// of that order on (wrapping around).
func writeRand(w []uint64, from, n uint64, v uint64) {
	lines := uint64(len(w) / 8)
	mask := lines - 1
	shift := uint(bits.Len64(mask)+1) / 2
	for i := from; i < from+n; i++ {
		l := w[scramble(i&mask, mask, shift)*8:]
		l = l[:8]
		l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7] = v, v, v, v, v, v, v, v
	}
}
