// Package blur smooths an image, gray (2-D) or color (3-D), with a 3×3
// box filter, reading and writing numpy arrays of any layout in place:
// build it with 'hpp build ./examples/goext/blur'.
package blur

import "hpp/pyext"

// Blur writes to out the mean of each pixel's 3×3 neighbourhood in img,
// the edge pixels repeated beyond the border (numpy.pad's mode='edge').
// img has shape (height, width) or (height, width, channels); out has
// the same shape and must not overlap img. Both may be strided views
// (a channel of an image, every other row); the rows are shared out over
// every core.
//
//hpp:export readonly=img
func Blur(img, out pyext.Array[float64]) error {
	nd := len(img.Shape)
	if nd != 2 && nd != 3 {
		return pyext.Errorf(pyext.ValueError, "img must have 2 dimensions (gray) or 3 (color), has shape %s",
			pyext.ShapeString(img.Shape))
	}
	want := append([]int(nil), img.Shape...)
	if err := out.CheckShape("out", want...); err != nil {
		return err
	}
	h, w := img.Shape[0], img.Shape[1]
	c, ic, oc := 1, 0, 0
	if nd == 3 {
		c, ic, oc = img.Shape[2], img.Strides[2], out.Strides[2]
	}
	i0, i1, o0, o1 := img.Strides[0], img.Strides[1], out.Strides[0], out.Strides[1]
	src, dst := img.Data, out.Data
	return pyext.ParallelFor(h, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := 0; j < w; j++ {
				for k := 0; k < c; k++ {
					s := 0.0
					for di := -1; di <= 1; di++ {
						ii := min(max(i+di, 0), h-1)
						for dj := -1; dj <= 1; dj++ {
							jj := min(max(j+dj, 0), w-1)
							s += src[ii*i0+jj*i1+k*ic]
						}
					}
					dst[i*o0+j*o1+k*oc] = s / 9
				}
			}
		}
	})
}

// Blurred returns a new blurred copy of img (see Blur), allocated by Go
// and handed to Python without a copy: a numpy array when numpy is
// installed.
//
//hpp:export
func Blurred(img pyext.Array[float64]) (pyext.Array[float64], error) {
	out := pyext.NewArray[float64](img.Shape...)
	return out, Blur(img, out)
}
