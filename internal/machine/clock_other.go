//go:build !amd64

package machine

// Without assembly for this architecture the chains are Go loops, whose
// per-iteration cost is only approximately one add (or one multiply) plus
// loop overhead that may not overlap; the clock is then labelled approximate.
const (
	addsPerIter  = 8
	addLatency   = 1
	mulsPerIter  = 8
	mulLatency   = 3
	chainsExact  = false
	chainsSource = "Go loops (approximate: no assembly chain for this architecture)"
)

//go:noinline
func addChain(n int) int {
	x, y := 0, n|1
	for i := 0; i < n; i++ {
		x += y
		x ^= i
		x += y
		x ^= i
		x += y
		x ^= i
		x += y
		x ^= i
	}
	return x
}

//go:noinline
func mulChain(n int) int {
	x, y := 1, n|3
	for i := 0; i < n; i++ {
		x *= y
		x *= y
		x *= y
		x *= y
		x *= y
		x *= y
		x *= y
		x *= y
	}
	return x
}
