package machine

import "golang.org/x/sys/cpu"

// vecKernels is one set of sequential bandwidth kernels in assembly.
// Each takes whole 128-byte blocks.
type vecKernels struct {
	name  string
	read  func(p *uint64, blocks int) uint64
	write func(p *uint64, blocks int, v uint64)
	copy  func(dst, src *uint64, blocks int)
}

// kernelSets are the sets this CPU runs, widest first; vk is the one in
// use. The widest stores are the fair comparison with STREAM, which gcc
// compiles for the machine it runs on (-march=native).
var kernelSets = func() []vecKernels {
	var s []vecKernels
	if cpu.X86.HasAVX512F {
		s = append(s, vecKernels{"AVX-512 assembly (64-byte loads and stores)", readAVX512, writeAVX512, copyAVX512})
	}
	if cpu.X86.HasAVX2 {
		s = append(s, vecKernels{"AVX2 assembly (32-byte loads and stores)", readAVX2, writeAVX2, copyAVX2})
	}
	return s
}()

var vk = func() vecKernels {
	if len(kernelSets) == 0 {
		return vecKernels{}
	}
	return kernelSets[0]
}()

// vectorKernels says whether the sequential bandwidth loops use assembly.
var vectorKernels = len(kernelSets) > 0

var vectorKernelName = vk.name

//go:noescape
func readAVX2(p *uint64, blocks int) uint64

//go:noescape
func writeAVX2(p *uint64, blocks int, v uint64)

//go:noescape
func copyAVX2(dst, src *uint64, blocks int)

//go:noescape
func readAVX512(p *uint64, blocks int) uint64

//go:noescape
func writeAVX512(p *uint64, blocks int, v uint64)

//go:noescape
func copyAVX512(dst, src *uint64, blocks int)

// The wrappers below hand whole 128-byte blocks to the assembly and the
// few words left over to the Go loops.

func readSeqVec(w []uint64) uint64 {
	n := len(w) / 16
	if n == 0 || !vectorKernels {
		return readSeqGo(w)
	}
	return vk.read(&w[0], n) + readSeqGo(w[n*16:])
}

func writeSeqVec(w []uint64, v uint64) {
	n := len(w) / 16
	if !vectorKernels {
		n = 0
	}
	if n > 0 {
		vk.write(&w[0], n, v)
	}
	writeSeqGo(w[n*16:], v)
}

func copySeqVec(dst, src []uint64) {
	n := min(len(dst), len(src)) / 16
	if !vectorKernels {
		n = 0
	}
	if n > 0 {
		vk.copy(&dst[0], &src[0], n)
	}
	copySeqGo(dst[n*16:], src[n*16:])
}
