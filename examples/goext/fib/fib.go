// Package fib is the iterative double-precision Fibonacci from the Cython
// chapter of High Performance Python, as a Go extension module: build it
// with 'hpp build ./examples/goext/fib' and call fib.fib(90) from Python.
package fib

// Fib returns the n-th Fibonacci number, computed in float64 as the
// Cython original does: a, b = 0.0, 1.0, then n times a, b = a + b, a.
//
//hpp:export
func Fib(n int) float64 {
	a, b := 0.0, 1.0
	for range n {
		a, b = a+b, a
	}
	return a
}

// FibHoldGIL is Fib without releasing the GIL, which saves the two GIL
// hand-overs on calls that last nanoseconds.
//
//hpp:export holdgil
func FibHoldGIL(n int) float64 { return Fib(n) }
