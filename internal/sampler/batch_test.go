package sampler

import (
	"slices"
	"testing"
)

// TestKeepPages: the pages of frame objects a memo reads ahead are this
// round's, in the walk's order, then those used within the last
// pageRounds rounds, never one twice, at most maxFramePages.
func TestKeepPages(t *testing.T) {
	var m threadMemo
	m.keepPages([]uint64{0x1000, 0x2000}, 1)
	m.keepPages([]uint64{0x3000}, 2) // a walk that tore early
	if want := []uint64{0x3000, 0x1000, 0x2000}; !slices.Equal(m.outside, want) {
		t.Fatalf("round 2: %#x, want %#x", m.outside, want)
	}
	m.keepPages([]uint64{0x2000, 0x3000}, 3)
	if want := []uint64{0x2000, 0x3000, 0x1000}; !slices.Equal(m.outside, want) {
		t.Fatalf("round 3: %#x, want %#x", m.outside, want)
	}
	// 0x1000 was last used in round 1: kept through round 1+pageRounds-1.
	m.keepPages([]uint64{0x2000}, 1+pageRounds-1)
	if !slices.Contains(m.outside, 0x1000) {
		t.Fatalf("round %d: %#x lost 0x1000 too soon", pageRounds, m.outside)
	}
	m.keepPages([]uint64{0x2000}, 1+pageRounds)
	if slices.Contains(m.outside, 0x1000) || !slices.Contains(m.outside, 0x3000) {
		t.Fatalf("round %d: %#x", 1+pageRounds, m.outside)
	}
	// A bound on the pages kept, this round's first.
	var many []uint64
	for i := range 2 * maxFramePages {
		many = append(many, uint64(i+16)<<12)
	}
	m.keepPages(many[:maxFramePages], 100)
	m.keepPages(many[maxFramePages:maxFramePages+3], 101)
	if len(m.outside) != maxFramePages || !slices.Equal(m.outside[:3], many[maxFramePages:maxFramePages+3]) {
		t.Fatalf("%d pages kept, first %#x", len(m.outside), m.outside[:3])
	}
}
