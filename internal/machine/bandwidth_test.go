package machine

import (
	"math/rand/v2"
	"slices"
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
