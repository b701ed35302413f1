// Package pyext is the runtime that Go extension modules built by
// 'hpp build' link against: errors that map to Python exception types,
// Ctrl-C checks, and a persistent worker pool for parallel loops.
//
// User code imports it only for those features; plain exported functions
// need nothing from it. The cgo half (files tagged hpp_ext, built only by
// hpp build) holds the CPython glue: argument conversion, buffers seen as
// Go slices without copying, the SIGINT and fork hooks. Without that tag
// the package is plain Go, so user packages still build and test with
// CGO_ENABLED=0.
package pyext

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrInterrupted is returned by ParallelFor and Check when Ctrl-C (SIGINT)
// arrived during the call; return it, and Python raises KeyboardInterrupt.
var ErrInterrupted = errors.New("hpp: interrupted by SIGINT")

// sigintPending points at the C flag that the SIGINT handler sets and
// Python's main thread clears; nil when the package is not part of an
// extension module.
var sigintPending *int32

// onMainThread reports whether the calling goroutine runs on Python's
// main thread: a Go call from Python runs on the calling thread.
var onMainThread func() bool

// Interrupted reports whether Ctrl-C arrived while Go code called from
// Python's main thread was running. Long loops that do not use
// ParallelFor should check it every few milliseconds and return
// ErrInterrupted.
//
// As in Python, only the main thread sees the signal: calls from other
// threads run to the end (ParallelFor's workers stop when the main
// thread's call, which takes chunks too, notices). The thread is looked
// up only once the flag is set, so the usual check is one atomic load.
func Interrupted() bool {
	return sigintPending != nil && atomic.LoadInt32(sigintPending) != 0 && onMainThread()
}

// Check returns ErrInterrupted if Ctrl-C arrived, else nil.
func Check() error {
	if Interrupted() {
		return ErrInterrupted
	}
	return nil
}

// gilHeld asks CPython whether the calling thread holds the GIL: 1, 0,
// or -1 if it cannot tell; nil outside an extension module.
var gilHeld func() int

// GILHeld reports whether the calling thread holds Python's GIL, and ok
// false when that cannot be known (outside an extension module, or an
// interpreter that does not export PyGILState_Check). Functions run with
// the GIL released unless they are marked holdgil or their caller is the
// process's only Python thread, when releasing it would buy nothing; code
// on ParallelFor workers never holds it.
func GILHeld() (held, ok bool) {
	if gilHeld == nil {
		return false, false
	}
	switch gilHeld() {
	case 1:
		return true, true
	case 0:
		return false, true
	}
	return false, false
}

// Kind is the Python exception type that an *Error becomes.
type Kind int

// Exception kinds; the order matches hpp_kind_type in runtime.c.
const (
	GoError Kind = iota // the module's GoError, a RuntimeError
	ValueError
	TypeError
	IndexError
	KeyError
	OverflowError
	ZeroDivisionError
	NotImplementedError
	OSError
	MemoryError
)

// Error is an error raised in Python as a specific exception type. Any
// other error becomes the module's GoError (a RuntimeError subclass).
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Errorf returns an error that Python raises as kind.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// KindOf reports the exception kind for err: an *Error's Kind anywhere
// in err's chain, else GoError.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return GoError
}
