//go:build !amd64

package machine

// Elsewhere the sequential bandwidth loops are the Go ones.
const vectorKernels = false

const vectorKernelName = ""

func readSeqVec(w []uint64) uint64     { return readSeqGo(w) }
func writeSeqVec(w []uint64, v uint64) { writeSeqGo(w, v) }
func copySeqVec(dst, src []uint64)     { copySeqGo(dst, src) }
