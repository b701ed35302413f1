package sampler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hpp/internal/procmem"
)

// errUninitialised says the interpreter list is empty: the runtime is
// starting up or shutting down. A recording ends there, as when the
// process exits: the interpreter does not come back.
var errUninitialised = errors.New("the interpreter is not initialised (starting up or shutting down)")

// ErrExitedEarly says that a program ended before its interpreter could
// be read.
var ErrExitedEarly = errors.New("the program exited before its interpreter could be read")

// AttachStarting attaches to a process that was just started, its child.
// At exec the interpreter may not be there yet (a launcher such as pyenv's
// shim still runs, or libpython is not mapped yet), and once it is, its
// runtime is not initialised at once; so Attach is tried, then the thread
// list read, every millisecond until both work, for at most within. The
// process is stopped (SIGSTOP) while Attach reads its binaries and
// continued (SIGCONT) after. exited is closed when the process has ended;
// then AttachStarting returns ErrExitedEarly.
func AttachStarting(ctx context.Context, pid int, within time.Duration, exited <-chan struct{}) (*Target, error) {
	deadline := time.Now().Add(within)
	var t *Target
	var last error
	for {
		select {
		case <-exited:
			return nil, ErrExitedEarly
		default:
		}
		if t == nil {
			var err error
			// Reading the interpreter's binary takes 0.1-0.2 s of CPU
			// for some builds (pyenv's 3.6-3.10), and seconds on a
			// loaded machine: the program is held still meanwhile, so
			// that none of it runs unsampled for that.
			resume := hold(pid)
			t, err = Attach(pid)
			resume()
			var np *NotPythonError
			var gone *procmem.GoneError
			switch {
			case errors.As(err, &gone):
				select {
				case <-exited:
					return nil, ErrExitedEarly
				case <-time.After(time.Second):
					return nil, err
				}
			case errors.As(err, &np):
				last = err // not the interpreter yet: a launcher, or before libpython is mapped
			case err != nil:
				return nil, err
			}
		}
		if t != nil {
			threads, err := t.Threads()
			if err == nil && len(threads) > 0 {
				return t, nil
			}
			last = err
			if err == nil {
				last = errors.New("no thread yet")
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the interpreter of process %d was not ready to be read %v after it started (%v)", pid, within, last)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-exited:
			return nil, ErrExitedEarly
		case <-time.After(time.Millisecond):
		}
	}
}
