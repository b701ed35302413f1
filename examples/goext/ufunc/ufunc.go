// Package ufunc makes numpy ufuncs from scalar Go functions: build it with
// 'hpp build ./examples/goext/ufunc' (numpy needed, to build and to
// import) and call them on arrays of any shape, with numpy's
// broadcasting, out=, where=, casting and reduce.
package ufunc

import "math"

// PolySin is 0.5x³ − 2x² + 3x − 1 + sin x, element by element.
//
//hpp:export ufunc
func PolySin(x float64) float64 {
	return ((0.5*x-2)*x+3)*x - 1 + math.Sin(x)
}

// Add is x + y; add.reduce(a) sums, and an empty sum is 0.
//
//hpp:export ufunc identity=0
func Add(x, y float64) float64 { return x + y }

// AddFloat32 is the float32 loop of add: two float32 arrays give float32,
// as numpy.add does.
//
//hpp:export ufunc name=add
func AddFloat32(x, y float32) float32 { return x + y }

// AddInt64 is the int64 loop of add: integers stay integers (and wrap
// around on overflow, as numpy's do).
//
//hpp:export ufunc name=add
func AddInt64(x, y int64) int64 { return x + y }

// Hypot is √(x² + y²) without overflow or underflow on the way.
//
//hpp:export ufunc
func Hypot(x, y float64) float64 { return math.Hypot(x, y) }

// Maximum is the larger of x and y, NaN if either is; reduce may combine
// the elements in any order, but an empty array has no maximum.
//
//hpp:export ufunc identity=reorderable
func Maximum(x, y float64) float64 {
	if x != x || y != y {
		return math.NaN()
	}
	return max(x, y)
}

// Clip is x held within [lo, hi], for int32 arrays.
//
//hpp:export ufunc
func Clip(x, lo, hi int32) int32 { return min(max(x, lo), hi) }

// Xor is true where exactly one of a and b is.
//
//hpp:export ufunc
func Xor(a, b bool) bool { return a != b }

// DivMod is Python's floor division and remainder, two results: the
// quotient rounded towards minus infinity, and a remainder with the
// divisor's sign. A zero divisor is a Go panic, raised as GoPanic.
//
//hpp:export ufunc name=divmod
func DivMod(x, y int64) (q, r int64) {
	q, r = x/y, x%y
	if r != 0 && (r < 0) != (y < 0) {
		q--
		r += y
	}
	return q, r
}

// InUnitDisk reports whether (x, y) lies within the unit circle.
//
//hpp:export ufunc
func InUnitDisk(x, y float32) bool { return x*x+y*y <= 1 }

// PolySinLoop writes PolySin of each x to out, in a plain loop: what the
// ufunc poly_sin does on a contiguous array, without numpy's machinery
// (scripts/bench-ext compares the two).
//
//hpp:export readonly=x
func PolySinLoop(x, out []float64) {
	out = out[:len(x)]
	for i := range x {
		out[i] = PolySin(x[i])
	}
}
