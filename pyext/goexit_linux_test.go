package pyext

import (
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestParallelForWorkerGoexit: runtime.Goexit in a pool worker becomes a
// WorkerPanic in the caller, instead of a caller that waits forever for
// the chunk the worker never finished; the pool keeps its workers.
func TestParallelForWorkerGoexit(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: no pool workers")
	}
	got := make(chan any, 1)
	go func() {
		// The caller is locked to its thread, so a chunk that runs on
		// another thread runs on a pool worker.
		runtime.LockOSThread()
		caller := syscall.Gettid()
		defer func() { got <- recover() }()
		var exited atomic.Bool
		ParallelFor(1000, func(lo, hi int) {
			time.Sleep(100 * time.Microsecond)
			if syscall.Gettid() != caller && exited.CompareAndSwap(false, true) {
				runtime.Goexit()
			}
		})
	}()
	select {
	case r := <-got:
		wp, ok := r.(*WorkerPanic)
		if !ok || !strings.Contains(PanicMessage(wp), "runtime.Goexit called in a ParallelFor body") {
			t.Fatalf("ParallelFor panicked with %v, want a WorkerPanic naming runtime.Goexit", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ParallelFor hung after runtime.Goexit in a worker")
	}
	// The pool still has a worker besides the caller: bodies overlap.
	var inFlight, most atomic.Int32
	ParallelFor(64, func(lo, hi int) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
	})
	if most.Load() < 2 {
		t.Errorf("after the Goexit, ParallelFor ran one chunk at a time: no worker left")
	}
}
