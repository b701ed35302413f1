// Package exttest exercises every conversion and hazard of a Go
// extension module; pyext's and extbuild's tests build it with hpp build
// and call it from each installed Python (see check.py).
package exttest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"hpp/pyext"
)

// AddInts adds a 64-bit and a 32-bit integer.
//
//hpp:export
func AddInts(a int64, b int32) int64 { return a + int64(b) }

// Unsigned returns u+v.
//
//hpp:export
func Unsigned(u uint64, v uint8) uint64 { return u + uint64(v) }

// Scale returns x*f.
//
//hpp:export
func Scale(x float64, f float32) float64 { return x * float64(f) }

// Half returns f/2 in float32.
//
//hpp:export
func Half(f float32) float32 { return f / 2 }

// Not negates b.
//
//hpp:export
func Not(b bool) bool { return !b }

// Greet says hello in UTF-8.
//
//hpp:export
func Greet(name string) string { return "héllo, " + name + "!" }

// Upper returns b in upper case, as bytes.
//
//hpp:export readonly=b
func Upper(b []byte) []byte { return []byte(strings.ToUpper(string(b))) }

// Nothing returns nothing, which Python sees as None.
//
//hpp:export
func Nothing() {}

// Pair returns two values, which Python sees as a tuple.
//
//hpp:export
func Pair(n int) (int, string, bool) { return n * 2, strings.Repeat("x", n), n > 0 }

// SumF64 sums a float64 buffer.
//
//hpp:export readonly=xs
func SumF64(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// SumF32 sums a float32 buffer.
//
//hpp:export readonly=xs
func SumF32(xs []float32) float64 {
	s := 0.0
	for _, x := range xs {
		s += float64(x)
	}
	return s
}

// SumI64 sums an int64 buffer.
//
//hpp:export readonly=xs
func SumI64(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

// SumI32 sums an int32 buffer.
//
//hpp:export readonly=xs
func SumI32(xs []int32) int64 {
	var s int64
	for _, x := range xs {
		s += int64(x)
	}
	return s
}

// SumC128 sums a complex128 buffer, returning (real, imag).
//
//hpp:export readonly=xs
func SumC128(xs []complex128) (float64, float64) {
	var s complex128
	for _, x := range xs {
		s += x
	}
	return real(s), imag(s)
}

// Fill sets every element of out to v, in place: the caller sees it.
//
//hpp:export
func Fill(out []float64, v float64) {
	for i := range out {
		out[i] = v
	}
}

// Incr adds one to every byte of b, in place.
//
//hpp:export
func Incr(b []uint8) {
	for i := range b {
		b[i]++
	}
}

// Fail returns an error with message msg.
//
//hpp:export
func Fail(msg string) error { return errors.New(msg) }

// FailBytes returns an error whose text is msg's bytes, which need not
// be UTF-8 and may hold NULs.
//
//hpp:export readonly=msg
func FailBytes(msg []byte) error { return errors.New(string(msg)) }

// PanicBytes panics with msg's bytes as the value.
//
//hpp:export readonly=msg
func PanicBytes(msg []byte) { panic(string(msg)) }

// FailValueBytes returns a ValueError whose text is msg's bytes.
//
//hpp:export readonly=msg
func FailValueBytes(msg []byte) error { return pyext.Errorf(pyext.ValueError, "%s", msg) }

// FailValue returns a ValueError.
//
//hpp:export
func FailValue(n int) (int, error) {
	if n < 0 {
		return 0, pyext.Errorf(pyext.ValueError, "n must be >= 0, got %d", n)
	}
	return n, nil
}

// Boom panics in the way kind names.
//
//hpp:export
func Boom(kind string) int {
	switch kind {
	case "nil":
		var p *int
		return *p
	case "index":
		xs := []int{1, 2, 3}
		i := len(kind)
		return xs[i]
	}
	panic("boom: " + kind)
}

// GoexitDeep calls runtime.Goexit one call down, where hpp build cannot
// see it: the process aborts, saying which function did it.
//
//hpp:export
func GoexitDeep() { goexit() }

func goexit() { runtime.Goexit() }

// BoomParallel panics inside a ParallelFor worker.
//
//hpp:export
func BoomParallel(n int) error {
	return pyext.ParallelFor(n, func(lo, hi int) {
		if lo <= n/2 && n/2 < hi {
			panic("worker boom")
		}
	})
}

// Spin keeps every core busy for about seconds in ParallelFor chunks of a
// millisecond, and returns how many chunks ran; Ctrl-C stops it.
//
//hpp:export
func Spin(seconds float64) (int, error) {
	var ran atomic.Int64
	chunks := int(seconds * 1000 * 2)
	err := pyext.ParallelFor(chunks, func(lo, hi int) {
		for range hi - lo {
			end := time.Now().Add(time.Millisecond)
			for time.Now().Before(end) {
			}
			ran.Add(1)
		}
	})
	return int(ran.Load()), err
}

// SpinSerial busy-waits for about seconds on one core, polling for Ctrl-C.
//
//hpp:export
func SpinSerial(seconds float64) error {
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		if err := pyext.Check(); err != nil {
			return err
		}
	}
	return nil
}

var flag = make(chan struct{}, 1)

// Wait waits up to timeout seconds for Signal, reporting whether it came.
// With the GIL held, another Python thread could not call Signal.
//
//hpp:export
func Wait(timeout float64) bool {
	select {
	case <-flag:
		return true
	case <-time.After(time.Duration(timeout * float64(time.Second))):
		return false
	}
}

// WaitHoldGIL is Wait with the GIL held.
//
//hpp:export holdgil
func WaitHoldGIL(timeout float64) bool { return Wait(timeout) }

// Signal wakes Wait.
//
//hpp:export
func Signal() {
	select {
	case flag <- struct{}{}:
	default:
	}
}

// ParallelNoop fans out n empty chunks: its cost is the pool's overhead.
//
//hpp:export holdgil
func ParallelNoop(n int) error { return pyext.ParallelFor(n, func(lo, hi int) {}) }

// Noop does nothing, for timing the bare call.
//
//hpp:export holdgil
func Noop(n int) error { return nil }

// GILState reports whether the GIL was held while Go ran: 1 or 0, or -1
// if the interpreter cannot tell.
//
//hpp:export
func GILState() int { return gilState() }

// GILStateHoldGIL is GILState for a holdgil function.
//
//hpp:export holdgil
func GILStateHoldGIL() int { return gilState() }

// GILStateReleaseGIL is GILState for a releasegil function.
//
//hpp:export releasegil
func GILStateReleaseGIL() int { return gilState() }

func gilState() int {
	held, ok := pyext.GILHeld()
	switch {
	case !ok:
		return -1
	case held:
		return 1
	}
	return 0
}

// Describe returns what Go sees of an array: shape, strides (in
// elements), the length of Data and whether it is C-contiguous.
//
//hpp:export readonly=a
func Describe(a pyext.Array[float64]) string {
	return fmt.Sprintf("%v %v %d %v", a.Shape, a.Strides, len(a.Data), a.Contiguous())
}

// Bump adds v to every element of a, of any dimension, visiting each
// index through the strides, and returns the number of elements.
//
//hpp:export
func Bump(a pyext.Array[int32], v int32) int {
	n := a.Len()
	idx := make([]int, len(a.Shape))
	for e := 0; e < n; e++ {
		a.Data[a.Index(idx...)] += v
		for k := len(idx) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < a.Shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return n
}

// SumU8 sums a read-only uint8 array of any dimension.
//
//hpp:export readonly=a
func SumU8(a pyext.Array[byte]) int {
	s := 0
	for i := range a.Data { // contiguous in the tests
		s += int(a.Data[i])
	}
	return s
}

// Ramp returns a new array of the given shape (1 to 3 dimensions, -1
// leaves one out) counting 0, 1, 2... in C order.
//
//hpp:export
func Ramp(a, b, c int) pyext.Array[int64] {
	var shape []int
	for _, d := range []int{a, b, c} {
		if d >= 0 {
			shape = append(shape, d)
		}
	}
	r := pyext.NewArray[int64](shape...)
	for i := range r.Data {
		r.Data[i] = int64(i)
	}
	return r
}

// Every returns every step-th element of xs: a view of the argument,
// which Python receives as a copy.
//
//hpp:export readonly=xs
func Every(xs pyext.Array[float64], step int) pyext.Array[float64] {
	return pyext.Array[float64]{Data: xs.Data, Shape: []int{(len(xs.Data) + step - 1) / step}, Strides: []int{step}}
}

// Transposed returns a's transpose, made with make in Go (so copied).
//
//hpp:export readonly=a
func Transposed(a pyext.Array[float32]) (pyext.Array[float32], error) {
	if err := a.CheckShape("a", -1, -1); err != nil {
		return pyext.Array[float32]{}, err
	}
	h, w := a.Shape[0], a.Shape[1]
	t := pyext.Array[float32]{Data: make([]float32, h*w), Shape: []int{w, h}, Strides: []int{h, 1}}
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			t.Data[j*h+i] = a.Data[a.Index(i, j)]
		}
	}
	return t, nil
}

// Halves returns n zeros in two arrays of types uint8 and complex128,
// and n.
//
//hpp:export
func Halves(n int) (pyext.Array[uint8], pyext.Array[complex128], int) {
	u, c := pyext.NewArray[uint8](n), pyext.NewArray[complex128](n)
	for i := range u.Data {
		u.Data[i] = uint8(i)
		c.Data[i] = complex(float64(i), -float64(i))
	}
	return u, c, n
}

// BadArray returns an array whose shape needs more elements than Data
// has (kind 0), negative strides (1), or too many dimensions (2).
//
//hpp:export
func BadArray(kind int) pyext.Array[float64] {
	switch kind {
	case 0:
		return pyext.Array[float64]{Data: make([]float64, 3), Shape: []int{2, 2}, Strides: []int{2, 1}}
	case 1:
		return pyext.Array[float64]{Data: make([]float64, 3), Shape: []int{3}, Strides: []int{-1}}
	}
	return pyext.NewArray[float64](make([]int, 33)...)
}

// Drop allocates an n-element array and returns an error instead of it,
// or (keep) drops it without returning it: Go frees it either way.
//
//hpp:export
func Drop(n int, fail bool) (pyext.Array[float64], error) {
	a := pyext.NewArray[float64](n)
	for i := range a.Data {
		a.Data[i] = 1 // resident, so that a leak would show in RSS
	}
	if fail {
		return a, errors.New("dropped")
	}
	return pyext.NewArray[float64](1), nil
}

// RampAddr returns Ramp(n) and the address of its first element, to
// check that Python sees that very memory.
//
//hpp:export
func RampAddr(n int) (pyext.Array[int64], uint64) {
	r := Ramp(n, -1, -1)
	return r, uint64(uintptr(unsafe.Pointer(&r.Data[0])))
}
