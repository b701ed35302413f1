// Package ufunctest holds ufuncs that let check_ufunc.py see how loops
// run: on which thread, with or without the GIL, and what a panic does.
package ufunctest

import (
	"syscall"

	"hpp/pyext"
)

// ThreadID is the id of the OS thread that computed each element.
//
//hpp:export ufunc
func ThreadID(x float64) int64 { return int64(syscall.Gettid()) }

// GILHeld is 1 where the element was computed with the GIL held, else 0.
//
//hpp:export ufunc
func GILHeld(x float64) int32 {
	if held, _ := pyext.GILHeld(); held {
		return 1
	}
	return 0
}

// PanicAt panics at the element equal to at, and returns x elsewhere.
//
//hpp:export ufunc
func PanicAt(x, at float64) float64 {
	if x == at {
		panic("ufunctest: the element at which to panic")
	}
	return x
}

// Spin returns x after about n iterations of work, to make loops slow.
//
//hpp:export ufunc
func Spin(x float64, n int64) float64 {
	for i := int64(0); i < n; i++ {
		x = x*0.999999 + 1e-9
	}
	return x
}

// Larger is max(x, y) for reduce with the identity -inf.
//
//hpp:export ufunc identity=-inf
func Larger(x, y float64) float64 { return max(x, y) }

// First is x, for a float identity that is no integer.
//
//hpp:export ufunc identity=2.5
func First(x, y float64) float64 { return x }
