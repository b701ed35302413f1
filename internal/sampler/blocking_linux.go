package sampler

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"hpp/internal/procmem"
)

// blocker stops every thread of the target with ptrace around each
// sample (--blocking), so that no stack changes while it is read.
//
// The kernel ties a tracee to the thread that attached it: every ptrace
// and wait call must come from that one OS thread. So all of them run on
// one goroutine locked to its thread, which takes work as closures; the
// thread is never unlocked, so it ends with the goroutine, and if hpp
// dies (even by SIGKILL) the kernel detaches its tracees, which run on.
type blocker struct {
	pid   int
	calls chan func()
	// traced are the threads seized, by /proc's id.
	traced map[int]bool
	// running says which threads were on a CPU just before the stop,
	// from their /proc stat: once stopped every thread reads as stopped.
	running map[int]bool
	// groupStop says which threads were, at their last stop, in a group
	// stop: the target was stopped (SIGSTOP, Ctrl-Z) and stays so.
	groupStop map[int]bool
	stats     *taskStats
}

// startBlocking seizes every thread of process pid, or returns nil
// when on is false.
func startBlocking(pid int, on bool) (*blocker, error) {
	if !on {
		return nil, nil
	}
	b := &blocker{pid: pid, calls: make(chan func()), traced: map[int]bool{}, running: map[int]bool{}, groupStop: map[int]bool{}, stats: newTaskStats(pid)}
	go func() {
		runtime.LockOSThread() // for good: see blocker
		for f := range b.calls {
			f()
		}
	}()
	if err := b.do(b.seizeNew); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// do runs f on the tracing thread and returns its error.
func (b *blocker) do(f func() error) error {
	ch := make(chan error, 1)
	b.calls <- func() { ch <- f() }
	return <-ch
}

// threads reads every thread's stack with the target stopped: all its
// threads are interrupted and waited for, read, then let go. Without a
// blocker it is t.Threads.
func (b *blocker) threads(t *Target) ([]Thread, error) {
	if b == nil {
		return t.Threads()
	}
	err := b.do(b.stop)
	defer b.do(b.resume)
	if err != nil {
		return nil, err
	}
	return t.Threads()
}

// isRunning is taskStats.running, but with a blocker it is what the thread
// was doing just before the stop.
func (b *blocker) isRunning(s *taskStats, tid int) bool {
	if b != nil {
		if r, ok := b.running[tid]; ok {
			return r
		}
	}
	return s.running(tid)
}

// seizeNew seizes the threads that are not traced yet: all of them at the
// start, then the ones started since.
func (b *blocker) seizeNew() error {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", b.pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &procmem.GoneError{PID: b.pid}
		}
		return err
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil || b.traced[tid] {
			continue
		}
		switch err := unix.PtraceSeize(tid); {
		case err == nil:
			b.traced[tid] = true
		case err == unix.ESRCH:
			// ended since the listing
		case err == unix.EPERM:
			return fmt.Errorf("--blocking: ptrace of thread %d refused (%v): a debugger or another hpp --blocking may be tracing it (see TracerPid in /proc/%d/status); otherwise run as the target's user with kernel.yama.ptrace_scope at 0 or 1 (sysctl kernel.yama.ptrace_scope), as root, or with CAP_SYS_PTRACE (--cap-add SYS_PTRACE in a container)", tid, err, b.pid)
		default:
			return fmt.Errorf("--blocking: ptrace of thread %d: %v", tid, err)
		}
	}
	if len(b.traced) == 0 {
		return &procmem.GoneError{PID: b.pid}
	}
	return nil
}

// stop notes which threads run, interrupts every thread and waits until
// each has stopped.
func (b *blocker) stop() error {
	if err := b.seizeNew(); err != nil {
		var gone *procmem.GoneError
		if !errors.As(err, &gone) {
			return err
		}
	}
	for tid := range b.traced {
		b.running[tid] = b.stats.running(tid)
	}
	for tid := range b.traced {
		if b.stopped(tid) {
			// Stopped already, and reported it: a SIGCONT to the
			// target makes a thread that was let go in a group stop
			// stop once more to say so. An interrupt now would be
			// one stop too many, taken when resume lets it go, and
			// every round after would be one stop behind.
			continue
		}
		if err := unix.PtraceInterrupt(tid); err != nil {
			delete(b.traced, tid) // ESRCH: it ended
		}
	}
	for tid := range b.traced {
		b.waitStop(tid)
	}
	if len(b.traced) == 0 {
		return &procmem.GoneError{PID: b.pid}
	}
	return nil
}

// siginfo is the part of siginfo_t that waitid fills for a child.
type siginfo struct {
	Signo, Errno, Code, _ int32
	Pid                   int32
	UID                   uint32
	Status                int32
	_                     [100]byte
}

// waitStop waits until thread tid is in the stop that PTRACE_INTERRUPT
// asked for. A signal that reaches it first stops it on the way
// (signal-delivery-stop): it is passed on and the wait goes on. A thread
// that ends is forgotten; the whole process's end is left for its parent
// to reap (waitid WNOWAIT looks without taking).
func (b *blocker) waitStop(tid int) {
	for {
		var si siginfo
		err := unix.Waitid(unix.P_PID, tid, (*unix.Siginfo)(unsafe.Pointer(&si)), unix.WEXITED|unix.WSTOPPED|unix.WNOWAIT|unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil { // ECHILD: not ours any more
			delete(b.traced, tid)
			return
		}
		switch si.Code {
		case cldTrapped, cldStopped:
			// Take the stop that was looked at.
			unix.Waitid(unix.P_PID, tid, (*unix.Siginfo)(unsafe.Pointer(&si)), unix.WSTOPPED|unix.WALL|unix.WNOHANG, nil)
			sig, event := int(si.Status&0xff), int(si.Status>>8)
			if event == unix.PTRACE_EVENT_STOP {
				// The interrupt's stop, or a group stop: the target
				// was stopped by a signal (its number says which),
				// and resume must leave it so.
				b.groupStop[tid] = isStopSignal(sig)
				return
			}
			// A signal on its way: let it go to the thread, then
			// the pending interrupt stops it.
			if unix.PtraceCont(tid, sig) != nil || unix.PtraceInterrupt(tid) != nil {
				delete(b.traced, tid)
				return
			}
		default: // it ended
			if tid != b.pid {
				unix.Waitid(unix.P_PID, tid, (*unix.Siginfo)(unsafe.Pointer(&si)), unix.WEXITED|unix.WALL|unix.WNOHANG, nil)
			}
			delete(b.traced, tid)
			return
		}
	}
}

// stopped says whether thread tid has a stop or end to report, without
// taking it.
func (b *blocker) stopped(tid int) bool {
	var si siginfo
	err := unix.Waitid(unix.P_PID, tid, (*unix.Siginfo)(unsafe.Pointer(&si)), unix.WEXITED|unix.WSTOPPED|unix.WNOWAIT|unix.WNOHANG|unix.WALL, nil)
	return err == nil && si.Pid != 0
}

// waitid's si_code for a stopped child (include/uapi/asm-generic/siginfo.h).
const (
	cldTrapped = 4
	cldStopped = 5
)

// isStopSignal says whether sig stops a process by default.
func isStopSignal(sig int) bool {
	switch unix.Signal(sig) {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return true
	}
	return false
}

// resume lets every stopped thread go on; a thread in a group stop is
// let go with PTRACE_LISTEN, which keeps it stopped as if not traced
// until SIGCONT (PTRACE_CONT would undo the stop).
func (b *blocker) resume() error {
	for tid := range b.traced {
		var err error
		if b.groupStop[tid] {
			_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_LISTEN, uintptr(tid), 0, 0, 0, 0)
			if e != 0 {
				err = e
			}
		} else {
			err = unix.PtraceCont(tid, 0)
		}
		if err != nil {
			delete(b.traced, tid)
		}
	}
	return nil
}

// close detaches from every thread (which needs each one stopped) and
// ends the tracing thread. It is safe on a nil blocker.
func (b *blocker) close() {
	if b == nil {
		return
	}
	b.do(func() error {
		for tid := range b.traced {
			if unix.PtraceInterrupt(tid) == nil {
				b.waitStop(tid)
			}
		}
		for tid := range b.traced {
			unix.PtraceDetach(tid)
		}
		b.traced = nil
		return nil
	})
	close(b.calls)
	b.stats.close()
}
