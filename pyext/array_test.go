package pyext

import (
	"errors"
	"strings"
	"testing"
)

func TestArrayContiguous(t *testing.T) {
	for _, tc := range []struct {
		shape, strides []int
		want           bool
	}{
		{[]int{3, 4}, []int{4, 1}, true},
		{[]int{3, 4}, []int{1, 3}, false}, // Fortran order
		{[]int{3, 2}, []int{4, 2}, false}, // a[:, ::2]
		{[]int{1, 4}, []int{0, 1}, true},
		{[]int{0, 5}, []int{0, 1}, true},
		{[]int{}, []int{}, true},
		{[]int{4, 3}, []int{0, 1}, false}, // broadcast
	} {
		a := Array[float64]{Shape: tc.shape, Strides: tc.strides}
		if got := a.Contiguous(); got != tc.want {
			t.Errorf("shape %v strides %v: Contiguous() = %v, want %v", tc.shape, tc.strides, got, tc.want)
		}
	}
}

func TestArrayIndex(t *testing.T) {
	a := Array[int32]{Data: make([]int32, 11), Shape: []int{3, 2}, Strides: []int{4, 2}}
	if got := a.Index(2, 1); got != 10 {
		t.Errorf("Index(2, 1) = %d, want 10", got)
	}
	for _, idx := range [][]int{{3, 0}, {0, -1}, {1}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "pyext: Array.Index") {
					t.Errorf("Index(%v): recovered %v, want a panic", idx, r)
				}
			}()
			a.Index(idx...)
		}()
	}
}

func TestArrayCheckShape(t *testing.T) {
	a := Array[float64]{Shape: []int{5, 7}, Strides: []int{7, 1}}
	if err := a.CheckShape("x", 5, -1); err != nil {
		t.Errorf("CheckShape(5, any): %v", err)
	}
	err := a.CheckShape("out", 5, 6)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ValueError || err.Error() != "out has shape (5, 7), expected (5, 6)" {
		t.Errorf("CheckShape(5, 6) = %v", err)
	}
	if err := a.CheckShape("v", -1); err == nil || err.Error() != "v has shape (5, 7), expected (any)" {
		t.Errorf("CheckShape(any) = %v", err)
	}
	for shape, want := range map[string]string{"": "()", "3": "(3,)", "2 3": "(2, 3)"} {
		var s []int
		for _, f := range strings.Fields(shape) {
			s = append(s, int(f[0]-'0'))
		}
		if got := ShapeString(s); got != want {
			t.Errorf("ShapeString(%v) = %q, want %q (numpy's notation)", s, got, want)
		}
	}
}

func TestNewArray(t *testing.T) {
	a := NewArray[float32](2, 1, 3)
	if len(a.Data) != 6 || a.Len() != 6 || !a.Contiguous() || ShapeString(a.Shape) != "(2, 1, 3)" ||
		a.Strides[0] != 3 || a.Strides[1] != 0 || a.Strides[2] != 1 {
		t.Errorf("NewArray(2, 1, 3) = %+v", a)
	}
	if z := NewArray[int64](); len(z.Data) != 1 || len(z.Shape) != 0 {
		t.Errorf("NewArray() = %+v, want one element and no dimensions (numpy's 0-d array)", z)
	}
	if e := NewArray[uint8](4, 0); e.Data != nil || e.Len() != 0 {
		t.Errorf("NewArray(4, 0) = %+v, want no data", e)
	}
	// Without the cgo half the memory is Go's: nothing for Python to take.
	if p := TakeMemory(a); p != nil {
		t.Errorf("TakeMemory of a Go-allocated array = %v, want nil (copied)", p)
	}
	for _, shape := range [][]int{{-1}, {1 << 40, 1 << 40}} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("NewArray(%v) did not panic", shape)
				}
			}()
			NewArray[float64](shape...)
		}()
	}
}
