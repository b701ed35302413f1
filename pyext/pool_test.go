package pyext

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParallelForCoversRange(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 1000, 1023, 1024, 1025, 100000} {
		t.Run("", func(t *testing.T) {
			hits := make([]int32, n)
			err := ParallelFor(n, func(lo, hi int) {
				if lo >= hi {
					t.Errorf("empty chunk [%d,%d)", lo, hi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("n=%d: index %d covered %d times", n, i, h)
				}
			}
		})
	}
}

// TestParallelForChunksShrink checks that slow chunks get smaller, which
// is what bounds the time to notice Ctrl-C.
func TestParallelForChunksShrink(t *testing.T) {
	var biggestLate atomic.Int64
	var done atomic.Int64
	ParallelFor(4000, func(lo, hi int) {
		time.Sleep(time.Duration(hi-lo) * 100 * time.Microsecond)
		if done.Add(int64(hi-lo)) > 2000 {
			if s := int64(hi - lo); s > biggestLate.Load() {
				biggestLate.Store(s)
			}
		}
	})
	// 20 ms of work per chunk at most once adapted: 200 elements, with slack for scheduling.
	if b := biggestLate.Load(); b > 400 {
		t.Errorf("late chunks still hold %d elements of 0.1 ms", b)
	}
}

func TestParallelForUsesEveryCore(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core")
	}
	var ids sync32
	// Chunks that wait until two distinct workers have joined prove that
	// the work ran concurrently, whatever the machine's load.
	var joined atomic.Int32
	err := ParallelFor(2, func(lo, hi int) {
		ids.add(lo)
		joined.Add(1)
		for joined.Load() < 2 {
			runtime.Gosched()
		}
	})
	if err != nil || joined.Load() != 2 {
		t.Fatalf("err %v, joined %d", err, joined.Load())
	}
}

type sync32 struct{ n atomic.Int32 }

func (s *sync32) add(int) { s.n.Add(1) }

func TestParallelForPanic(t *testing.T) {
	defer func() {
		r := recover()
		wp, ok := r.(*WorkerPanic)
		if !ok {
			t.Fatalf("recovered %T %v, want *WorkerPanic", r, r)
		}
		msg := PanicMessage(wp)
		if !strings.Contains(msg, "chunk 500 failed") || !strings.Contains(msg, "pool_test.go") {
			t.Errorf("message lacks the value or the panicking frame:\n%s", msg)
		}
	}()
	ParallelFor(1000, func(lo, hi int) {
		if lo <= 500 && 500 < hi {
			panic("chunk 500 failed")
		}
	})
	t.Fatal("ParallelFor returned instead of panicking")
}

func TestParallelForInterrupted(t *testing.T) {
	var flag int32
	sigintPending, onMainThread = &flag, func() bool { return true }
	defer func() { sigintPending, onMainThread = nil, nil }()
	var ran atomic.Int64
	const n = 1 << 20
	err := ParallelFor(n, func(lo, hi int) {
		if ran.Add(int64(hi-lo)) > n/100 {
			atomic.StoreInt32(&flag, 1)
		}
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if got := ran.Load(); got == n {
		t.Errorf("all %d elements ran after the interrupt", got)
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Kind
	}{
		{errors.New("x"), GoError},
		{Errorf(ValueError, "bad %d", 1), ValueError},
		{errors.Join(errors.New("a"), Errorf(IndexError, "i")), IndexError},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func BenchmarkParallelForFanOut(b *testing.B) {
	for b.Loop() {
		ParallelFor(2, func(lo, hi int) {})
	}
}
