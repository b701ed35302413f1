package sampler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"hpp/internal/procmem"
	"hpp/internal/profile"
)

type sampleKey struct {
	stack  string
	thread int32
	gil    bool
	idle   bool
}

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
	b := profile.NewBuilder(256)
	type fkey struct {
		file, name string
		first      int
	}
	funcs := map[fkey]profile.FuncID{}
	set := &profile.SampleSet{Unit: "samples", PeriodNS: int64(period)}
	threadIndex := map[uint64]int32{}
	samples := map[sampleKey]int{} // index into set.Samples
	var stackKey strings.Builder
	stats := newTaskStats(t.PID)
	defer stats.close()
	natives := map[uint64]int{} // thread ident → native id, before 3.11
	host := taskIDs(t.PID)      // native id → id in /proc here

	start := time.Now()
	next := monotonic()
	lastProgress := start
	for {
		if ctx.Err() != nil || (opts.Duration > 0 && time.Since(start) >= opts.Duration) {
			break
		}
		threads, err := t.Threads()
		st.Ticks++
		if err != nil {
			var gone *procmem.GoneError
			if errors.As(err, &gone) || !alive(t.PID) {
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
				set.Threads = append(set.Threads, profile.Thread{ID: int64(th.NativeID), Name: name})
			}
			tid, ok := host[th.NativeID]
			if !ok && th.NativeID != 0 {
				host = taskIDs(t.PID) // a thread started since
				tid, ok = host[th.NativeID]
			}
			idle := ok && !stats.running(tid)
			stackKey.Reset()
			stack := make([]profile.Frame, len(th.Frames))
			for i, f := range th.Frames {
				k := fkey{f.File, f.Name, f.FirstLine}
				id, ok := funcs[k]
				if !ok {
					id = b.New(profile.Func{File: f.File, Line: f.FirstLine, Name: f.Name})
					funcs[k] = id
				}
				stack[i] = profile.Frame{Func: id, Line: int32(f.Line)}
				fmt.Fprintf(&stackKey, "%d:%d;", id, f.Line)
			}
			key := sampleKey{stackKey.String(), ti, th.GIL, idle}
			if i, ok := samples[key]; ok {
				set.Samples[i].Weight++
			} else {
				samples[key] = len(set.Samples)
				set.Samples = append(set.Samples, profile.Sample{Stack: stack, Weight: 1, Thread: ti, GIL: th.GIL, Idle: idle})
			}
			st.Samples++
		}
		st.Threads = len(set.Threads)
		now := time.Now()
		if opts.Progress != nil && now.Sub(lastProgress) >= 500*time.Millisecond {
			lastProgress = now
			st.Elapsed = now.Sub(start)
			st.Achieved = float64(st.Ticks) / st.Elapsed.Seconds()
			opts.Progress(st)
		}
		// Keep to the schedule; a round that ran late is not made up for
		// with a burst, the next one starts a period from now.
		next += int64(period)
		if now := monotonic(); next < now-int64(period) {
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

// monotonic reads CLOCK_MONOTONIC in nanoseconds.
func monotonic() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return unix.TimespecToNsec(ts)
}

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
		if err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil); err != nil && err != unix.EINTR {
			return
		}
	}
}

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
	pid   int
	files map[int]*os.File
	buf   []byte
}

func newTaskStats(pid int) *taskStats {
	return &taskStats{pid: pid, files: map[int]*os.File{}, buf: make([]byte, 512)}
}

func (s *taskStats) running(tid int) bool {
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
}
