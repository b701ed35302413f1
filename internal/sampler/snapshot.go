package sampler

import (
	"fmt"
	"sort"

	"hpp/internal/cpython"
	"hpp/internal/procmem"
)

// A Snapshot is what the walker read from a live target: the memory
// ranges and the symbol addresses it started from. Walking a snapshot
// again reads the same ranges, so tests can run the walker without a
// process (as otel's coredump tests do), and fuzz it on corrupted copies.
type Snapshot struct {
	Version string            `json:"version"`
	Binary  string            `json:"binary"`
	Symbols map[string]uint64 `json:"symbols"` // run-time addresses
	Regions []Region          `json:"regions"`
}

// Region is one captured range of memory.
type Region struct {
	Addr uint64 `json:"addr"`
	Data []byte `json:"data"`
}

// recorder is a Memory that keeps a copy of every successful read.
type recorder struct {
	mem   Memory
	reads []Region
}

func (r *recorder) ReadAt(b []byte, off int64) (int, error) {
	n, err := r.mem.ReadAt(b, off)
	if err == nil {
		r.reads = append(r.reads, Region{Addr: uint64(off), Data: append([]byte(nil), b[:n]...)})
	}
	return n, err
}

// Capture walks the target's threads once and returns them with a
// snapshot of everything the walk read.
func (t *Target) Capture() ([]Thread, *Snapshot, error) {
	rec := &recorder{mem: t.mem}
	saved := t.mem
	t.mem, t.codes, t.shape, t.memo = rec, map[uint64]*code{}, nil, nil
	threads, err := t.Threads()
	t.mem = saved
	if err != nil {
		return nil, nil, err
	}
	s := &Snapshot{Version: t.Version, Binary: t.Binary, Symbols: t.symbols}
	// _PyRuntime's debug offsets (3.13+) were read before the walk.
	if t.Minor >= 13 {
		if b, err := t.read(t.runtime, cpython.DebugOffsetsSize); err == nil {
			rec.reads = append(rec.reads, Region{Addr: t.runtime, Data: b})
		}
	}
	s.Regions = mergeRegions(rec.reads)
	return threads, s, nil
}

// mergeRegions sorts ranges and joins those that overlap or touch.
func mergeRegions(rs []Region) []Region {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Addr < rs[j].Addr })
	var out []Region
	for _, r := range rs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			end := last.Addr + uint64(len(last.Data))
			if r.Addr <= end {
				if rEnd := r.Addr + uint64(len(r.Data)); rEnd > end {
					last.Data = append(last.Data, r.Data[end-r.Addr:]...)
				}
				continue
			}
		}
		out = append(out, Region{Addr: r.Addr, Data: append([]byte(nil), r.Data...)})
	}
	return out
}

// snapMemory serves reads from a snapshot's regions.
type snapMemory []Region

func (m snapMemory) ReadAt(b []byte, off int64) (int, error) {
	addr := uint64(off)
	i := sort.Search(len(m), func(i int) bool { return m[i].Addr+uint64(len(m[i].Data)) > addr })
	if i < len(m) && m[i].Addr <= addr && addr+uint64(len(b)) <= m[i].Addr+uint64(len(m[i].Data)) {
		return copy(b, m[i].Data[addr-m[i].Addr:]), nil
	}
	return 0, &procmem.FaultError{Addr: addr, Len: len(b)}
}

// FromSnapshot makes a Target that walks a snapshot instead of a process.
func FromSnapshot(s *Snapshot) (*Target, error) {
	if len(s.Regions) == 0 {
		return nil, fmt.Errorf("snapshot has no memory")
	}
	regions := mergeRegions(append([]Region(nil), s.Regions...))
	b := &elfInfo{syms: s.Symbols, version: s.Version}
	return newTarget(0, snapMemory(regions), s.Binary, b, 0)
}
