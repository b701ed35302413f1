// Package laplace runs an explicit heat-diffusion scheme, the 2-D
// five-point Laplacian stencil, on numpy arrays in place: build it with
// 'hpp build ./examples/goext/laplace'.
package laplace

import "hpp/pyext"

// Diffuse advances u by steps explicit steps of u += d·∇²u with the
// five-point stencil, the border held fixed: each interior point becomes
// u + d·(up + down + left + right − 4u). work is scratch space of u's
// shape; the result is left in u. Rows are shared out over every core.
//
//hpp:export
func Diffuse(u, work pyext.Array[float64], steps int, d float64) error {
	if len(u.Shape) != 2 {
		return pyext.Errorf(pyext.ValueError, "u must have 2 dimensions, has shape %s", pyext.ShapeString(u.Shape))
	}
	if err := work.CheckShape("work", u.Shape...); err != nil {
		return err
	}
	if steps < 0 {
		return pyext.Errorf(pyext.ValueError, "steps must not be negative, got %d", steps)
	}
	h, w := u.Shape[0], u.Shape[1]
	if h == 0 || w == 0 {
		return nil
	}
	a, b := u, work
	for s := 0; s < steps; s++ {
		if err := step(a, b, h, w, d); err != nil {
			return err
		}
		a, b = b, a
	}
	if steps%2 == 1 { // the result is in work
		copyGrid(u, work, h, w)
	}
	return nil
}

// step writes one step from src into dst.
func step(src, dst pyext.Array[float64], h, w int, d float64) error {
	s0, s1, t0, t1 := src.Strides[0], src.Strides[1], dst.Strides[0], dst.Strides[1]
	x, y := src.Data, dst.Data
	if s1 == 1 && t1 == 1 {
		return pyext.ParallelFor(h, func(lo, hi int) { stepRows(x, y, s0, t0, h, w, d, lo, hi) })
	}
	return pyext.ParallelFor(h, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if i == 0 || i == h-1 {
				for j := 0; j < w; j++ {
					y[i*t0+j*t1] = x[i*s0+j*s1]
				}
				continue
			}
			y[i*t0] = x[i*s0]
			y[i*t0+(w-1)*t1] = x[i*s0+(w-1)*s1]
			for j := 1; j < w-1; j++ {
				c := x[i*s0+j*s1]
				lap := x[(i-1)*s0+j*s1] + x[(i+1)*s0+j*s1] + x[i*s0+(j-1)*s1] + x[i*s0+(j+1)*s1] - 4*c
				y[i*t0+j*t1] = c + d*lap
			}
		}
	})
}

// stepRows is step's rows lo to hi when each row is contiguous (the usual
// C-order array): each row and its neighbours are slices resliced to one
// length, so that Go drops the bounds checks in the inner loop.
func stepRows(x, y []float64, s0, t0, h, w int, d float64, lo, hi int) {
	for i := lo; i < hi; i++ {
		out := y[i*t0 : i*t0+w]
		mid := x[i*s0 : i*s0+w]
		if i == 0 || i == h-1 || w < 3 {
			copy(out, mid)
			continue
		}
		out[0], out[w-1] = mid[0], mid[w-1]
		o := out[1 : w-1]
		c := mid[1 : w-1]
		l := mid[:len(o)]
		r := mid[2:][:len(o)]
		up := x[(i-1)*s0+1:][:len(o)]
		dn := x[(i+1)*s0+1:][:len(o)]
		c = c[:len(o)]
		for j := range o {
			cj := c[j]
			o[j] = cj + d*(up[j]+dn[j]+l[j]+r[j]-4*cj)
		}
	}
}

func copyGrid(dst, src pyext.Array[float64], h, w int) {
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			dst.Data[i*dst.Strides[0]+j*dst.Strides[1]] = src.Data[i*src.Strides[0]+j*src.Strides[1]]
		}
	}
}

// Laplacian returns the five-point Laplacian of u at its interior
// points, up + down + left + right − 4u: a new array of shape
// (h−2, w−2).
//
//hpp:export readonly=u
func Laplacian(u pyext.Array[float64]) (pyext.Array[float64], error) {
	if len(u.Shape) != 2 || u.Shape[0] < 3 || u.Shape[1] < 3 {
		return pyext.Array[float64]{}, pyext.Errorf(pyext.ValueError, "u must be 2-D and at least 3×3, has shape %s", pyext.ShapeString(u.Shape))
	}
	h, w := u.Shape[0], u.Shape[1]
	out := pyext.NewArray[float64](h-2, w-2)
	s0, s1, x := u.Strides[0], u.Strides[1], u.Data
	err := pyext.ParallelFor(h-2, func(lo, hi int) {
		for i := lo + 1; i < hi+1; i++ {
			for j := 1; j < w-1; j++ {
				c := x[i*s0+j*s1]
				out.Data[(i-1)*(w-2)+j-1] = x[(i-1)*s0+j*s1] + x[(i+1)*s0+j*s1] + x[i*s0+(j-1)*s1] + x[i*s0+(j+1)*s1] - 4*c
			}
		}
	})
	return out, err
}
