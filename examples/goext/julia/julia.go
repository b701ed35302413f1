// Package julia computes the Julia set of High Performance Python's first
// chapters on every core: build it with 'hpp build ./examples/goext/julia'.
package julia

import (
	"sync/atomic"

	"hpp/pyext"
)

// Julia iterates z = z*z + c for each z in zs until |z| >= 2 or maxiter
// steps, writing the step counts to out (len(zs) int32s) and returning
// their total.
//
//hpp:export readonly=zs
func Julia(zs []complex128, cReal, cImag float64, maxiter int, out []int32) (int, error) {
	if len(out) != len(zs) {
		return 0, pyext.Errorf(pyext.ValueError, "out has %d elements, zs has %d: they must match", len(out), len(zs))
	}
	var total atomic.Int64
	err := pyext.ParallelFor(len(zs), func(lo, hi int) {
		t := 0
		for i := lo; i < hi; i++ {
			n := iterate(real(zs[i]), imag(zs[i]), cReal, cImag, maxiter)
			out[i] = int32(n)
			t += n
		}
		total.Add(int64(t))
	})
	return int(total.Load()), err
}

// iterate is the book's inner loop on real numbers: the complex product
// written out as CPython computes it, and |z| < 2 as |z|² < 4.
func iterate(zr, zi, cr, ci float64, maxiter int) int {
	n := 0
	for n < maxiter && zr*zr+zi*zi < 4 {
		zr, zi = zr*zr-zi*zi+cr, zr*zi+zi*zr+ci
		n++
	}
	return n
}

// Grid returns the book's total for a width×width grid over
// [-1.8, 1.8]², building the coordinates by the same repeated additions
// as the Python original (calc_pure_python), with c = -0.62772-0.42193j.
// For 1000 and 300 iterations the total is 33,219,980.
//
//hpp:export
func Grid(width, maxiter int) (int, error) {
	const x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
	xStep := (x2 - x1) / float64(width)
	yStep := (y1 - y2) / float64(width)
	var xs, ys []float64
	for y := y2; y > y1; y += yStep {
		ys = append(ys, y)
	}
	for x := x1; x < x2; x += xStep {
		xs = append(xs, x)
	}
	var total atomic.Int64
	err := pyext.ParallelFor(len(ys), func(lo, hi int) {
		t := 0
		for _, y := range ys[lo:hi] {
			for _, x := range xs {
				t += iterate(x, y, -0.62772, -0.42193, maxiter)
			}
		}
		total.Add(int64(t))
	})
	return int(total.Load()), err
}
