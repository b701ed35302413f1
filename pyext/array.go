package pyext

import (
	"fmt"
	"math/bits"
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"
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

	mem *cMemory // set by NewArray when Data lies outside Go's heap
}

// cAlloc and cFree allocate zeroed memory outside Go's heap (C's calloc
// and free), which Python may keep after a call; set by the cgo half,
// nil in plain Go.
var (
	cAlloc func(n uintptr) unsafe.Pointer
	cFree  func(p unsafe.Pointer)
)

// cMemory is a block from cAlloc that Go owns until a function returns
// it to Python: freed by the garbage collector if it never is.
type cMemory struct {
	p     unsafe.Pointer
	n     int // elements
	bytes int64
	taken bool
}

// Go's collector sees only the small cMemory, not the C block, so it
// would not run for blocks that are dropped instead of returned: owned
// counts the bytes of blocks neither taken nor freed, and NewArray
// collects once the blocks made since the last collection pass the rest
// (and minGCAt), as GOGC=100 paces Go's own heap.
var owned, sinceGC atomic.Int64

const minGCAt = 64 << 20

func (m *cMemory) free() {
	cFree(m.p)
	owned.Add(-m.bytes)
}

// NewArray returns a new zeroed C-contiguous array of the given shape,
// to fill and return to Python, which receives it without a copy: as a
// numpy array when numpy can be imported, else as a memoryview of that
// shape. In an extension module its memory is allocated outside Go's
// heap (C's calloc), since Python keeps it after the call and the cgo
// rules forbid C to keep Go memory; Python frees it with the array, and
// Go's garbage collector frees one that is never returned. Go must not
// keep Data once the array is returned. A negative dimension panics.
//
// Any other Array returned to Python (a view of an argument, one made
// with make) is copied into new memory, in C order.
func NewArray[T Elem](shape ...int) Array[T] {
	n := 1
	for _, d := range shape {
		hi, lo := bits.Mul(uint(n), uint(d))
		if d < 0 || hi != 0 || lo > 1<<62 {
			panic(fmt.Sprintf("pyext: NewArray: bad shape %v", shape))
		}
		n = int(lo)
	}
	a := Array[T]{Shape: append([]int{}, shape...), Strides: make([]int, len(shape))}
	step := 1
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 1 {
			a.Strides[k] = step
		}
		step *= shape[k]
	}
	if n == 0 {
		return a
	}
	if cAlloc == nil {
		a.Data = make([]T, n)
		return a
	}
	var zero T
	bytes := int64(n) * int64(unsafe.Sizeof(zero))
	o, since := owned.Add(bytes), sinceGC.Add(bytes)
	if since > max(o-since, minGCAt) {
		sinceGC.Store(0)
		runtime.GC() // queues the finalizers of dropped blocks
	}
	p := cAlloc(uintptr(bytes))
	if p == nil {
		owned.Add(-bytes)
		panic(fmt.Sprintf("pyext: NewArray: out of memory for %d elements", n))
	}
	a.mem = &cMemory{p: p, n: n, bytes: bytes}
	runtime.SetFinalizer(a.mem, (*cMemory).free)
	a.Data = unsafe.Slice((*T)(p), n)
	return a
}

// TakeMemory is for the code that hpp build generates. If a is laid out
// in C order over the whole of memory from NewArray that no earlier
// call took, it hands that memory over, to be freed with C's free, and
// returns it; otherwise nil, and the caller copies.
func TakeMemory[T Elem](a Array[T]) unsafe.Pointer {
	m := a.mem
	if m == nil || m.taken || len(a.Data) == 0 || unsafe.Pointer(&a.Data[0]) != m.p ||
		len(a.Data) != m.n || len(a.Strides) != len(a.Shape) || a.Len() != m.n || !a.Contiguous() {
		return nil
	}
	m.taken = true
	runtime.SetFinalizer(m, nil)
	owned.Add(-m.bytes)
	return m.p
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
