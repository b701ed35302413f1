package machine

import "golang.org/x/sys/cpu"

// vectorKernels says whether the sequential bandwidth loops use AVX2.
var vectorKernels = cpu.X86.HasAVX2

const vectorKernelName = "AVX2 assembly (32-byte loads and stores)"

//go:noescape
func readAVX2(p *uint64, blocks int) uint64

//go:noescape
func writeAVX2(p *uint64, blocks int, v uint64)

//go:noescape
func copyAVX2(dst, src *uint64, blocks int)

// The wrappers below hand whole 128-byte blocks to the assembly and the
// few words left over to the Go loops.

func readSeqVec(w []uint64) uint64 {
	n := len(w) / 16
	if n == 0 {
		return readSeqGo(w)
	}
	return readAVX2(&w[0], n) + readSeqGo(w[n*16:])
}

func writeSeqVec(w []uint64, v uint64) {
	n := len(w) / 16
	if n > 0 {
		writeAVX2(&w[0], n, v)
	}
	writeSeqGo(w[n*16:], v)
}

func copySeqVec(dst, src []uint64) {
	n := min(len(dst), len(src)) / 16
	if n > 0 {
		copyAVX2(&dst[0], &src[0], n)
	}
	copySeqGo(dst[n*16:], src[n*16:])
}
