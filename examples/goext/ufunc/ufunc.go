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

// PolySinFast is PolySin with a sine that gives math.Sin's bits without
// its data-dependent branches (sinBranchFree): on random input those
// branches mispredict, and math.Sin takes twice as long.
//
//hpp:export ufunc
func PolySinFast(x float64) float64 {
	return ((0.5*x-2)*x+3)*x - 1 + sinBranchFree(x)
}

// The constants of math.Sin (Cephes' sin.c): π/4 in three parts for the
// argument reduction, and the sine and cosine polynomials on [0, π/4].
const (
	pi4A = 7.85398125648498535156e-1
	pi4B = 3.77489470793079817668e-8
	pi4C = 2.69515142907905952645e-15
)

var (
	sinP = [...]float64{1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
		-1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1}
	cosP = [...]float64{-1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7,
		2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2}
)

// sinBranchFree is math.Sin computed as math.Sin does for |x| < 2²⁹, but
// with both polynomials evaluated and the octant's choice of polynomial
// and sign made with bit masks instead of branches. Larger, infinite and
// NaN arguments go to math.Sin (a branch that random input in a normal
// range always predicts).
func sinBranchFree(x float64) float64 {
	ax := math.Abs(x)
	if !(ax < 1<<29) {
		return math.Sin(x)
	}
	j := uint64(ax * (4 / math.Pi))
	j += j & 1 // map zeros to the origin
	y := float64(j)
	z := ((ax - y*pi4A) - y*pi4B) - y*pi4C
	zz := z * z
	s := z + z*zz*((((((sinP[0]*zz)+sinP[1])*zz+sinP[2])*zz+sinP[3])*zz+sinP[4])*zz+sinP[5])
	c := 1.0 - 0.5*zz + zz*zz*((((((cosP[0]*zz)+cosP[1])*zz+cosP[2])*zz+cosP[3])*zz+cosP[4])*zz+cosP[5])
	useCos := -((j >> 1) & 1) // all ones in octants 2 and 6 (mod 8)
	bits := math.Float64bits(s)&^useCos | math.Float64bits(c)&useCos
	bits ^= ((j>>2)&1 ^ math.Float64bits(x)>>63) << 63 // octants 4-7, and odd symmetry
	return math.Float64frombits(bits)
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
