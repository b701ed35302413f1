package machine

// Instructions per iteration of the assembly chains, and the latency in
// cycles of each instruction.
const (
	addsPerIter  = 64
	addLatency   = 1
	mulsPerIter  = 32
	mulLatency   = 3
	chainsExact  = true
	chainsSource = "assembly dependent ADD chain (1 cycle each) and IMUL chain (3 cycles each)"
)

//go:noescape
func addChain(n int) int

//go:noescape
func mulChain(n int) int
