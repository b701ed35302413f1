package pyext

import (
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Chunk sizes adapt to the work: a loop starts in small chunks (a
// 4096th of each thread's share) so that even a minutes-long loop checks
// for Ctrl-C soon, and each chunk's duration then doubles or halves the
// size towards between minChunk and maxChunk of work: long enough to make
// the per-chunk cost (an atomic add and a clock read, ~50 ns) invisible,
// short enough for KeyboardInterrupt well within half a second.
const (
	minChunk = time.Millisecond
	maxChunk = 20 * time.Millisecond
)

// spinFor is how long an idle worker keeps polling for the next loop
// before it parks. Waking a parked goroutine costs an OS thread wake-up
// (5-20 µs); a spinning one starts in well under a microsecond, which is
// what keeps back-to-back parallel calls cheap, as OpenMP's spin-wait does.
const spinFor = 200 * time.Microsecond

// ParallelFor calls body(lo, hi) for chunks that together cover [0, n),
// on every core (GOMAXPROCS, default: all), using a pool of workers that
// persists between calls. body must be safe to run
// concurrently on disjoint ranges. It returns ErrInterrupted, having
// skipped the remaining chunks, when Ctrl-C arrives. A panic in body is
// re-raised in the caller once all workers have stopped.
func ParallelFor(n int, body func(lo, hi int)) error {
	if n <= 0 {
		return Check()
	}
	threads := runtime.GOMAXPROCS(0)
	j := &job{body: body, n: int64(n), threads: int64(threads), done: make(chan struct{})}
	j.grain.Store(max(1, int64(n)/int64(threads*4096)))
	j.maxGrain = max(1, int64(n)/int64(threads*4))
	if threads <= 1 || n == 1 || !thePool.mu.TryLock() {
		// One core, one element, or a nested or concurrent ParallelFor:
		// run here, still in chunks so that Ctrl-C is honoured.
		j.maxGrain = int64(n)
		j.run(false)
		return j.result()
	}
	defer thePool.mu.Unlock()
	thePool.start(threads - 1)
	thePool.cur.Store(j)
	thePool.gen.Add(1)
	if thePool.sleeping.Load() > 0 {
		thePool.cond.L.Lock()
		thePool.cond.Broadcast()
		thePool.cond.L.Unlock()
	}
	j.run(false)
	j.wait()
	return j.result()
}

func (j *job) result() error {
	if p := j.panicked.Load(); p != nil {
		panic(p)
	}
	if j.stopped.Load() {
		return ErrInterrupted
	}
	return nil
}

// WorkerPanic is a panic raised in a ParallelFor worker, re-raised in the
// calling goroutine.
type WorkerPanic struct {
	Value any
	Stack []byte
}

func (p *WorkerPanic) String() string { return PanicMessage(p) }

// job is one ParallelFor call. Each call gets a fresh job, so a worker
// that wakes late finds its job exhausted rather than a later one.
type job struct {
	body      func(lo, hi int)
	n         int64
	threads   int64
	maxGrain  int64
	grain     atomic.Int64 // elements per chunk, adapted as chunks finish
	next      atomic.Int64 // first element not yet handed out
	completed atomic.Int64 // elements finished or skipped
	stopped   atomic.Bool
	panicked  atomic.Pointer[WorkerPanic]
	waiting   atomic.Bool
	done      chan struct{} // closed by the last chunk if the caller sleeps
}

// run takes chunks until none are left; worker says whether the calling
// goroutine is one of the pool's.
func (j *job) run(worker bool) {
	for {
		g := j.grain.Load()
		// Guided scheduling at the end: no chunk takes more than half a
		// thread's share of what is left, so the threads finish together
		// instead of one waiting for another's last large chunk.
		if rest := j.n - j.next.Load(); rest > 0 {
			g = min(g, max(1, rest/(2*j.threads)))
		}
		lo := j.next.Add(g) - g
		if lo >= j.n {
			return
		}
		hi := min(lo+g, j.n)
		if !j.stopped.Load() && Interrupted() {
			j.stopped.Store(true)
		}
		counted := false
		if !j.stopped.Load() {
			t0 := time.Now()
			counted = j.call(lo, hi, worker)
			switch d := time.Since(t0); {
			case d > maxChunk && g > 1:
				j.grain.CompareAndSwap(g, g/2)
			case d < minChunk && g < j.maxGrain:
				j.grain.CompareAndSwap(g, min(2*g, j.maxGrain))
			}
		}
		if !counted {
			j.finish(lo, hi)
		}
	}
}

// finish counts the chunk [lo, hi) done, waking the caller after the last.
func (j *job) finish(lo, hi int64) {
	if j.completed.Add(hi-lo) == j.n && j.waiting.Load() {
		close(j.done)
	}
}

// errGoexit is the panic value reported for runtime.Goexit in the body.
var errGoexit = errors.New("runtime.Goexit called in a ParallelFor body; return an error instead")

// call runs the body on [lo, hi), turning a panic into the job's
// WorkerPanic. It reports whether it counted the chunk finished itself,
// which it does for runtime.Goexit.
func (j *job) call(lo, hi int64, worker bool) (counted bool) {
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		goexit := r == nil // panic(nil) recovers as *runtime.PanicNilError: this is runtime.Goexit
		if goexit {
			r = errGoexit
		}
		p, ok := r.(*WorkerPanic)
		if !ok {
			p = &WorkerPanic{Value: r, Stack: debug.Stack()}
		}
		j.panicked.CompareAndSwap(nil, p)
		j.stopped.Store(true)
		if goexit {
			// Goexit cannot be stopped: this goroutine ends when the
			// deferred calls are done, and run will not count the chunk.
			// Count it here so that the caller does not wait forever, and
			// give the pool a new worker. (On the goroutine that Python
			// called, Goexit aborts the process whatever is done here.)
			j.finish(lo, hi)
			counted = true // for panic(nil) under GODEBUG=panicnil=1, which returns
			if worker {
				go thePool.worker(thePool.gen.Load())
			}
		}
	}()
	j.body(int(lo), int(hi))
	returned = true
	return false
}

// wait returns when every chunk is finished: spinning briefly, since the
// other workers usually finish within microseconds of the caller.
func (j *job) wait() {
	deadline := time.Now().Add(spinFor)
	for i := 0; j.completed.Load() < j.n; i++ {
		if i%64 == 63 {
			if time.Now().After(deadline) {
				j.waiting.Store(true)
				if j.completed.Load() < j.n {
					<-j.done
				}
				return
			}
			runtime.Gosched()
		}
	}
}

// pool is the process's set of ParallelFor workers.
type pool struct {
	mu       sync.Mutex // held by the one ParallelFor using the pool
	once     sync.Once
	gen      atomic.Uint64 // bumped for each job
	cur      atomic.Pointer[job]
	sleeping atomic.Int32
	cond     *sync.Cond
}

var thePool = &pool{cond: sync.NewCond(new(sync.Mutex))}

// start launches the workers on first use. Their number is fixed then;
// GOMAXPROCS set later does not grow the pool. It runs before the first
// job's generation is published, and the workers start from the
// generation before it, so that they join that first job too.
func (p *pool) start(workers int) {
	p.once.Do(func() {
		seen := p.gen.Load()
		for range workers {
			go p.worker(seen)
		}
	})
}

// worker runs the jobs published after generation seen.
func (p *pool) worker(seen uint64) {
	for {
		deadline := time.Now().Add(spinFor)
		for i := 0; p.gen.Load() == seen; i++ {
			if i%64 == 63 {
				if time.Now().After(deadline) {
					p.park(seen)
					break
				}
				runtime.Gosched()
			}
		}
		seen = p.gen.Load()
		if j := p.cur.Load(); j != nil {
			j.run(true)
		}
	}
}

// park blocks until the generation moves past seen. The caller bumps gen
// before reading sleeping, and park counts itself sleeping before reading
// gen, so one of the two always sees the other.
func (p *pool) park(seen uint64) {
	p.cond.L.Lock()
	p.sleeping.Add(1)
	for p.gen.Load() == seen {
		p.cond.Wait()
	}
	p.sleeping.Add(-1)
	p.cond.L.Unlock()
}
