package pyext

import (
	"fmt"
	"strings"
)

// Elem is the element types an Array can view: those of numpy's float64,
// float32, int64, int32, uint8 and complex128 arrays.
type Elem interface {
	~float64 | ~float32 | ~int64 | ~int32 | ~uint8 | ~complex128
}

// Array is a parameter type that views a Python buffer of any number of
// dimensions in place — a numpy array, a memoryview cast to a shape — as
// numpy and PEP 3118 describe it: element (i, j, ...) is
// Data[i*Strides[0] + j*Strides[1] + ...].
//
// Strides count elements, not bytes, and are never negative (a reversed
// view such as a[::-1] is refused with a ValueError naming the fix), so
// Data starts at element (0, 0, ...) and ends at the last one: it spans
// every element, plus whatever a strided view steps over. A C-contiguous
// array (Contiguous) has its elements in row-major order in Data, with
// len(Data) == Len(). A 0-dimensional array has one element; an array
// with a dimension of 0 has none (Data is nil). A dimension of length 0
// or 1 is never stepped along and has stride 0.
//
// As with slices, Go may write to Data only when the buffer is writable,
// which hpp build checks unless the parameter is listed in readonly=;
// and neither Data, Shape nor Strides may be kept after the function
// returns: the buffer is released then.
type Array[T Elem] struct {
	Data    []T
	Shape   []int
	Strides []int
}

// Len returns the number of elements, the product of Shape.
func (a Array[T]) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Contiguous reports whether the elements lie in row-major (C) order
// without gaps, so that Data[k] is the k-th element of a.ravel().
func (a Array[T]) Contiguous() bool {
	if a.Len() == 0 {
		return true
	}
	want := 1
	for k := len(a.Shape) - 1; k >= 0; k-- {
		if a.Shape[k] != 1 && a.Strides[k] != want {
			return false
		}
		want *= a.Shape[k]
	}
	return true
}

// Index returns the position in Data of the element at idx, one index
// per dimension; it panics (GoPanic in Python) on a wrong count or an
// index out of range. Loops that care for speed index Data with the
// strides themselves.
func (a Array[T]) Index(idx ...int) int {
	if len(idx) != len(a.Shape) {
		panic(fmt.Sprintf("pyext: Array.Index: %d indices for %d dimensions", len(idx), len(a.Shape)))
	}
	off := 0
	for k, i := range idx {
		if i < 0 || i >= a.Shape[k] {
			panic(fmt.Sprintf("pyext: Array.Index: index %d out of range [0, %d) in dimension %d", i, a.Shape[k], k))
		}
		off += i * a.Strides[k]
	}
	return off
}

// CheckShape returns nil if a has the given shape, where -1 matches any
// length, and otherwise a ValueError naming the array (name) and both
// shapes in numpy's notation.
func (a Array[T]) CheckShape(name string, shape ...int) error {
	ok := len(shape) == len(a.Shape)
	for k := 0; ok && k < len(shape); k++ {
		ok = shape[k] < 0 || shape[k] == a.Shape[k]
	}
	if ok {
		return nil
	}
	want := make([]string, len(shape))
	for k, d := range shape {
		want[k] = fmt.Sprint(d)
		if d < 0 {
			want[k] = "any"
		}
	}
	return Errorf(ValueError, "%s has shape %s, expected (%s)", name, ShapeString(a.Shape), strings.Join(want, ", "))
}

// ShapeString writes a shape as numpy prints it: (3, 4), (5,), ().
func ShapeString(shape []int) string {
	s := make([]string, len(shape))
	for k, d := range shape {
		s[k] = fmt.Sprint(d)
	}
	if len(s) == 1 {
		return "(" + s[0] + ",)"
	}
	return "(" + strings.Join(s, ", ") + ")"
}
