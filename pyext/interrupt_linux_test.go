package pyext

import (
	"errors"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestInterruptOnlyMainThread plays Python's main thread with a goroutine
// locked to its OS thread: a ParallelFor called there stops once the
// flag is set, and one called from another thread runs to the end, as
// Python raises KeyboardInterrupt only in its main thread.
func TestInterruptOnlyMainThread(t *testing.T) {
	onMain := make(chan func())
	tids := make(chan int)
	go func() {
		runtime.LockOSThread()
		tids <- syscall.Gettid()
		for f := range onMain {
			f()
		}
	}()
	mainTid := <-tids
	defer close(onMain)
	var flag int32
	sigintPending, onMainThread = &flag, func() bool { return syscall.Gettid() == mainTid }
	defer func() { sigintPending, onMainThread = nil, nil }()

	const n = 1 << 20
	loop := func(ran *atomic.Int64, errc chan<- error) func() {
		return func() {
			errc <- ParallelFor(n, func(lo, hi int) {
				if ran.Add(int64(hi-lo)) > n/100 {
					atomic.StoreInt32(&flag, 1)
				}
			})
		}
	}

	var other atomic.Int64
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		loop(&other, errc)()
	}()
	if err := <-errc; err != nil || other.Load() != n {
		t.Errorf("another thread's ParallelFor: err %v after %d of %d elements; want it to run to the end", err, other.Load(), n)
	}
	if Interrupted() {
		t.Errorf("Interrupted() is true off the main thread")
	}

	atomic.StoreInt32(&flag, 0)
	var main atomic.Int64
	onMain <- loop(&main, errc)
	if err := <-errc; !errors.Is(err, ErrInterrupted) || main.Load() == n {
		t.Errorf("the main thread's ParallelFor: err %v after %d of %d elements; want ErrInterrupted, early", err, main.Load(), n)
	}
}
