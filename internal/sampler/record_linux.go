package sampler

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"hpp/internal/procmem"
	"hpp/internal/profile"
)

// catchUp is how far behind its schedule a recording may fall and still
// make up the rounds it missed.
const catchUp = int64(2 * time.Millisecond)

// tornRetries is how many times a round walks again, before 3.11, while
// a thread's stack tore.
const tornRetries = 4

// Record samples every thread at opts.Rate until the duration ends, the
// process exits or ctx is done, and returns the stacks as a sampled
// profile. A target that exits is not an error: what was sampled is
// returned, with Exited set.
func (t *Target) Record(ctx context.Context, opts RecordOptions) (*profile.Profile, RecordStats, error) {
	var st RecordStats
	if opts.Rate <= 0 {
		return nil, st, fmt.Errorf("sampling rate %g: must be above 0", opts.Rate)
	}
	period := time.Duration(float64(time.Second) / opts.Rate)
	t.noLines = opts.NoLineNo
	type fkey struct {
		file, name string
		first      int
	}
	var (
		b           *profile.Builder
		funcs       map[fkey]profile.FuncID
		codeFuncs   map[*code]profile.FuncID
		set         *profile.SampleSet
		threadIndex map[uint64]int32
		// index into set.Samples by sample key: the stack's functions
		// and lines, then the thread and its state (appendSampleKey)
		samples map[string]int
	)
	names := newNamer(t) // threading's thread names, before 3.14
	reset := func() {
		names.reset()
		b = profile.NewBuilder(256)
		funcs = map[fkey]profile.FuncID{}
		codeFuncs = map[*code]profile.FuncID{}
		set = &profile.SampleSet{Unit: "samples", PeriodNS: int64(period)}
		threadIndex = map[uint64]int32{}
		samples = map[string]int{}
	}
	reset()
	var stackKey []byte
	stats := newTaskStats(t.PID)
	defer stats.close()
	bl, err := startBlocking(t.PID, opts.Blocking)
	if err != nil {
		return nil, st, err
	}
	defer bl.close()
	natives := map[uint64]int{} // thread ident → native id, before 3.11
	host := taskIDs(t.PID)      // native id → id in /proc here

	start := time.Now()
	next := monotonic()
	lastProgress := start
	lastFlush, flushed := start, st
	for {
		if ctx.Err() != nil || (opts.Duration > 0 && time.Since(start) >= opts.Duration) {
			break
		}
		mono := monotonic()
		stats.round(mono)
		t.now = mono
		threads, err := bl.threads(t)
		if err == nil && t.Minor <= 10 {
			// Before 3.11 a thread that calls and returns every few
			// microseconds tears some of its stacks (each frame is a
			// heap object a free list hands back and out: 12-17% of
			// first reads of scripts/bench-record's target, half of a
			// recursive fib's); a walk microseconds later usually finds
			// its chain standing (3 in 4 retries do).
			threads = retryTorn(threads, tornRetries, func() ([]Thread, error) { return bl.threads(t) })
		}
		st.Ticks++
		if err != nil {
			var gone *procmem.GoneError
			if errors.As(err, &gone) || !alive(t.PID) || errors.Is(err, errUninitialised) {
				st.Exited = true
				break
			}
			if errors.Is(err, errTorn) || isFault(err) {
				st.Torn++
			} else {
				return nil, st, err
			}
		}
		if t.layout.TstateNativeThreadID < 0 {
			for _, th := range threads {
				if _, ok := natives[th.ID]; !ok {
					host = taskIDs(t.PID)
					t.nativeIDsFromPthread(threads, host)
					for _, th := range threads {
						natives[th.ID] = th.NativeID
					}
					break
				}
			}
		}
		for _, th := range threads {
			if th.Err != "" {
				st.Torn++
				continue
			}
			if len(th.Frames) == 0 {
				continue // a thread running no Python code
			}
			if th.NativeID == 0 {
				th.NativeID = natives[th.ID]
			}
			ti, ok := threadIndex[th.ID]
			if !ok {
				ti = int32(len(set.Threads))
				threadIndex[th.ID] = ti
				name := ""
				if _, ok := host[th.NativeID]; !ok && th.NativeID != 0 {
					host = taskIDs(t.PID) // a thread started since
				}
				if tid, ok := host[th.NativeID]; ok && th.NativeID != 0 {
					name, _ = taskInfo(t.PID, tid)
				}
				if n := names.name(th.ID, int(st.Ticks)); n != "" {
					name = n
				} else {
					names.unnamed(th.ID, ti, int(st.Ticks))
				}
				set.Threads = append(set.Threads, profile.Thread{ID: int64(th.NativeID), Name: name})
			}
			tid, ok := host[th.NativeID]
			if !ok && th.NativeID != 0 {
				host = taskIDs(t.PID) // a thread started since
				tid, ok = host[th.NativeID]
			}
			idle := ok && !bl.isRunning(stats, tid)
			wait := stats.waiting(th, tid, idle)
			// The stack's key is its functions and lines, as bytes; a
			// stack seen before costs no allocation.
			stackKey = stackKey[:0]
			var lastCode *code
			var lastID profile.FuncID
			for _, f := range th.Frames {
				if f.code != nil && f.code == lastCode {
					// Recursion: the function of the frame just before.
					stackKey = binary.LittleEndian.AppendUint32(stackKey, uint32(lastID))
					stackKey = binary.LittleEndian.AppendUint32(stackKey, uint32(f.Line))
					continue
				}
				id, ok := codeFuncs[f.code]
				if !ok || f.code == nil {
					k := fkey{f.File, f.Name, f.FirstLine}
					if id, ok = funcs[k]; !ok {
						id = b.New(profile.Func{File: f.File, Line: f.FirstLine, Name: f.Name})
						funcs[k] = id
					}
					if f.code != nil {
						codeFuncs[f.code] = id
					}
				}
				lastCode, lastID = f.code, id
				stackKey = binary.LittleEndian.AppendUint32(stackKey, uint32(id))
				stackKey = binary.LittleEndian.AppendUint32(stackKey, uint32(f.Line))
			}
			n := len(stackKey)
			stackKey = binary.LittleEndian.AppendUint32(stackKey, uint32(ti))
			stackKey = append(stackKey, bit(th.GIL)|bit(idle)<<1|bit(wait)<<2)
			if i, ok := samples[string(stackKey)]; ok { // no copy for a lookup
				set.Samples[i].Weight++
			} else {
				stack := make([]profile.Frame, len(th.Frames))
				for i, f := range th.Frames {
					stack[i] = profile.Frame{Func: profile.FuncID(binary.LittleEndian.Uint32(stackKey[8*i : n])), Line: int32(f.Line)}
				}
				samples[string(stackKey)] = len(set.Samples)
				set.Samples = append(set.Samples, profile.Sample{Stack: stack, Weight: 1, Thread: ti, GIL: th.GIL, Idle: idle, GILWait: wait})
			}
			st.Samples++
		}
		names.rename(int(st.Ticks), func(i int32, name string) { set.Threads[i].Name = name })
		st.Threads = len(set.Threads)
		if opts.Flush != nil && time.Since(lastFlush) >= opts.FlushEvery {
			// Hand over what this part sampled; the thread states
			// (stats) carry on into the next.
			now := time.Now()
			part := RecordStats{Ticks: st.Ticks - flushed.Ticks, Samples: st.Samples - flushed.Samples,
				Torn: st.Torn - flushed.Torn, Threads: len(set.Threads), Elapsed: now.Sub(lastFlush)}
			part.Achieved = float64(part.Ticks) / part.Elapsed.Seconds()
			p := b.Profile()
			p.Samples = set
			opts.Flush(p, part)
			reset()
			lastFlush, flushed = now, st
		}
		now := time.Now()
		if opts.Progress != nil && now.Sub(lastProgress) >= 500*time.Millisecond {
			lastProgress = now
			st.Elapsed = now.Sub(start)
			st.Achieved = float64(st.Ticks) / st.Elapsed.Seconds()
			opts.Progress(st)
		}
		// Keep to the schedule. Rounds missed while the recorder was
		// held up briefly (this VM's kernel takes its CPU for 350-600 µs
		// ten times a second: 1.2-1.4% of the rounds at 10 kHz) are made
		// up at once; after a longer hold-up (the machine
		// suspended, the recorder stopped) the schedule starts again
		// from now instead of bursting.
		next += int64(period)
		if now := monotonic(); next < now-max(int64(period), catchUp) {
			next = now
		}
		waitUntil(ctx, next)
	}
	st.Elapsed = time.Since(start)
	if st.Elapsed > 0 {
		st.Achieved = float64(st.Ticks) / st.Elapsed.Seconds()
	}
	p := b.Profile()
	p.Samples = set
	return p, st, nil
}

func bit(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// monotonic reads CLOCK_MONOTONIC in nanoseconds. Go's own clock reads
// it through the vDSO, without a system call (x/sys's ClockGettime makes
// one, which at 100k rounds a second costs more than the round's reads):
// so the kernel is asked once, and Go's clock counts from there.
func monotonic() int64 { return monoBase + int64(time.Since(monoEpoch)) }

var monoEpoch, monoBase = func() (time.Time, int64) {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Now(), unix.TimespecToNsec(ts)
}()

// waitUntil sleeps until the monotonic time deadline. Go's timers wake
// about a millisecond late here, which caps sampling near 1 kHz; an
// absolute clock_nanosleep wakes within the kernel's timer slack (50 µs
// by default) and does not drift. Long waits go through a timer so that
// ctx can end them.
func waitUntil(ctx context.Context, deadline int64) {
	for {
		left := deadline - monotonic()
		if left <= 0 || ctx.Err() != nil {
			return
		}
		if left > int64(20*time.Millisecond) {
			select {
			case <-time.After(time.Duration(left) - 10*time.Millisecond):
			case <-ctx.Done():
				return
			}
			continue
		}
		ts := unix.NsecToTimespec(deadline)
		if left <= rawSleep {
			// Without telling Go's scheduler: a sleep it knows of lets
			// sysmon hand the P to another thread after 20 µs, and the
			// wake-up then waits for two threads to get a CPU, not one
			// (strace at -r 10000: a futex call a round). A wait this
			// short holds up a stop-the-world of the GC by as much at most.
			_, _, e := unix.RawSyscall6(unix.SYS_CLOCK_NANOSLEEP, unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME,
				uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
			if e != 0 && e != unix.EINTR {
				return
			}
			continue
		}
		if err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil); err != nil && err != unix.EINTR {
			return
		}
	}
}

// rawSleep is the longest wait made without Go's scheduler knowing.
const rawSleep = int64(2 * time.Millisecond)

func isFault(err error) bool {
	var fe *procmem.FaultError
	return errors.As(err, &fe)
}

// alive says whether the process still runs: it exists and is not a
// zombie waiting for its parent.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || (b[i+2] != 'Z' && b[i+2] != 'X')
}

// taskStats reads threads' scheduler states, keeping each stat file open
// between samples.
type taskStats struct {
	pid      int
	files    map[int]*os.File
	syscalls map[int]*os.File
	buf      []byte
	// woken holds what threads last did with the GIL (see waiting).
	woken map[int]int
	cpu   map[int]cpuMark // where woken threads were first seen runnable

	schedstats map[int]*os.File

	now   int64 // the round's monotonic time
	marks map[int]*stateMark
}

// waiting says whether a thread that does not hold the GIL waits to take
// it. Blocked on the GIL's condition variable or mutex, it does. Runnable
// (the kernel shows no system call for a thread that was woken but waits
// for a CPU), it does when it last blocked for the GIL or last held it and
// has not had a CPU for most of the time since it was first seen runnable
// without it: a pure-Python thread gives the GIL up only when asked to,
// and then wants it back at once; on a loaded machine that wait is mostly
// spent runnable. A thread that has had a CPU for most of that time runs
// native code that released the GIL (hashlib or numpy take it back for
// microseconds between long stretches without it). The CPU clock is read
// only for such runnable threads, not on every sample.
func (s *taskStats) waiting(th Thread, tid int, idle bool) bool {
	if tid == 0 {
		return false
	}
	if th.GIL {
		s.woken[tid] = wantsGIL
		return false
	}
	if !idle {
		switch s.woken[tid] {
		case wantsGIL:
			s.cpu[tid] = s.mark(tid)
			s.woken[tid] = woken
			return true
		case woken:
			if s.busy(tid) {
				delete(s.woken, tid)
				return false
			}
			return true
		}
		return false
	}
	// A blocked thread waits for the GIL only while another holds it (or
	// hands it over, which takes microseconds): a process whose threads
	// all sleep costs no more reads.
	if th.gilTaken && gilWait(s.syscall(tid), th.gilLo, th.gilHi) {
		s.woken[tid] = wantsGIL
		return true
	}
	delete(s.woken, tid)
	return false
}

// What a thread last did with the GIL, as far as the samples saw.
const (
	wantsGIL = 1 + iota // blocked waiting for it, or held it
	woken               // then runnable without it, since cpu[tid]
)

// mark reads the thread's CPU clocks from /proc/PID/task/TID/schedstat:
// nanoseconds on a CPU and nanoseconds runnable but waiting for one.
func (s *taskStats) mark(tid int) cpuMark {
	f, ok := s.schedstats[tid]
	if !ok {
		f, _ = os.Open(fmt.Sprintf("/proc/%d/task/%d/schedstat", s.pid, tid))
		s.schedstats[tid] = f // nil when it cannot be opened: not tried again
	}
	m := cpuMark{at: time.Now(), cpu: -1}
	if f == nil {
		return m
	}
	var buf [96]byte
	n, _ := f.ReadAt(buf[:], 0)
	fs := strings.Fields(string(buf[:n]))
	if len(fs) < 2 {
		return m
	}
	cpu, err1 := strconv.ParseInt(fs[0], 10, 64)
	queued, err2 := strconv.ParseInt(fs[1], 10, 64)
	if err1 == nil && err2 == nil {
		m.cpu, m.queued = cpu, queued
	}
	return m
}

// busy says whether the thread, since its mark, ran on a CPU for more than
// half the time it did not spend waiting for one. The time a thread
// waited for a CPU says nothing of the GIL; what is left is either
// running or sleeping.
func (s *taskStats) busy(tid int) bool {
	last, now := s.cpu[tid], s.mark(tid)
	if last.cpu < 0 || now.cpu < 0 {
		return false
	}
	return 2*(now.cpu-last.cpu) > int64(now.at.Sub(last.at))-(now.queued-last.queued)
}

type cpuMark struct {
	at          time.Time
	cpu, queued int64
}

func newTaskStats(pid int) *taskStats {
	return &taskStats{pid: pid, files: map[int]*os.File{}, syscalls: map[int]*os.File{}, woken: map[int]int{}, cpu: map[int]cpuMark{}, schedstats: map[int]*os.File{}, buf: make([]byte, 512), marks: map[int]*stateMark{}}
}

// syscall reads the thread's /proc syscall file (see readSyscall), at
// most once per stateEvery.
func (s *taskStats) syscall(tid int) string {
	m := s.marks[tid]
	if m == nil {
		m = &stateMark{at: -stateEvery, syscallAt: -stateEvery}
		s.marks[tid] = m
	}
	if s.now-m.syscallAt >= stateEvery {
		m.syscallAt, m.syscall = s.now, s.readSyscall(tid)
	}
	return m.syscall
}

func (s *taskStats) readSyscall(tid int) string {
	f, ok := s.syscalls[tid]
	if !ok {
		f, _ = os.Open(fmt.Sprintf("/proc/%d/task/%d/syscall", s.pid, tid))
		s.syscalls[tid] = f // nil when it cannot be opened: not tried again
	}
	if f == nil {
		return ""
	}
	return readSyscall(s.pid, tid, f)
}

// stateEvery is how long a thread's scheduler state (and the system
// call it blocks in) read from /proc stands for it: reading them costs
// more than the rest of a sample, so at rates above 1 kHz a thread's
// state is read once a millisecond, not once a sample.
const stateEvery = int64(time.Millisecond)

// stateMark is what was last read of a thread's state, and when.
type stateMark struct {
	at, syscallAt int64
	running       bool
	syscall       string
}

// round starts a sampling round at the monotonic time now.
func (s *taskStats) round(now int64) { s.now = now }

func (s *taskStats) running(tid int) bool {
	m := s.marks[tid]
	if m != nil && s.now-m.at < stateEvery {
		return m.running
	}
	if m == nil {
		m = &stateMark{syscallAt: -stateEvery}
		s.marks[tid] = m
	}
	m.at, m.running = s.now, s.readRunning(tid)
	return m.running
}

func (s *taskStats) readRunning(tid int) bool {
	f, ok := s.files[tid]
	if !ok {
		var err error
		f, err = os.Open(fmt.Sprintf("/proc/%d/task/%d/stat", s.pid, tid))
		if err != nil {
			return false
		}
		s.files[tid] = f
	}
	n, err := f.ReadAt(s.buf, 0)
	if n == 0 && err != nil {
		return false
	}
	b := s.buf[:n]
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && b[i+2] == 'R'
		}
	}
	return false
}

func (s *taskStats) close() {
	for _, f := range s.files {
		f.Close()
	}
	for _, f := range s.syscalls {
		if f != nil {
			f.Close()
		}
	}
	for _, f := range s.schedstats {
		if f != nil {
			f.Close()
		}
	}
}
