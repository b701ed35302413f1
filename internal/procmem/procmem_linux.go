package procmem

import (
	"errors"
	"sync"

	"golang.org/x/sys/unix"
)

// Process reads one process's memory with process_vm_readv, which needs
// the same permission as ptrace attach but never stops the target.
type Process struct {
	PID int

	// The iovecs of ReadBatch, kept between calls: a sampler makes
	// thousands a second.
	mu     sync.Mutex
	local  []unix.Iovec
	remote []unix.RemoteIovec
}

// Open checks that the process exists and that its memory can be read.
func Open(pid int) (*Process, error) {
	p := &Process{PID: pid}
	if err := unix.Kill(pid, 0); err == unix.ESRCH {
		return nil, &GoneError{PID: pid}
	}
	// One byte of the first readable mapping tells whether we may read.
	var b [1]byte
	maps, err := ReadMaps(pid)
	if err != nil {
		return nil, err
	}
	for _, m := range maps {
		if len(m.Perms) > 0 && m.Perms[0] == 'r' && m.Path != "[vvar]" && m.Path != "[vsyscall]" {
			if _, err := p.ReadAt(b[:], int64(m.Start)); err != nil {
				var fe *FaultError
				if errors.As(err, &fe) {
					continue
				}
				return nil, err
			}
			break
		}
	}
	return p, nil
}

// ReadAt reads len(b) bytes at address off. A short read is an error.
func (p *Process) ReadAt(b []byte, off int64) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	local := []unix.Iovec{{Base: &b[0]}}
	local[0].SetLen(len(b))
	remote := []unix.RemoteIovec{{Base: uintptr(off), Len: len(b)}}
	n, err := unix.ProcessVMReadv(p.PID, local, remote, 0)
	if err != nil {
		return 0, p.wrap(err, uint64(off), len(b))
	}
	if n < len(b) {
		return n, &FaultError{Addr: uint64(off) + uint64(n), Len: len(b) - n}
	}
	return n, nil
}

// maxIov is the kernel's IOV_MAX: at most this many iovecs per call.
const maxIov = 1024

// ReadBatch reads many separate ranges with as few system calls as the
// kernel allows. The kernel stops at the first range that faults; the
// ranges after it are retried, so every range gets its own outcome in N.
// It returns an error only when the process is gone or unreadable.
func (p *Process) ReadBatch(reads []Read) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	local, remote := p.local[:0], p.remote[:0]
	defer func() {
		// Keep the arrays, not what they point at.
		clear(local[:cap(local)])
		p.local, p.remote = local[:0], remote[:0]
	}()
	for i := range reads {
		reads[i].N = 0
	}
	for start := 0; start < len(reads); {
		local, remote = local[:0], remote[:0]
		end := start
		for ; end < len(reads) && len(local) < maxIov; end++ {
			r := &reads[end]
			if len(r.Buf) == 0 {
				continue
			}
			var iov unix.Iovec
			iov.Base = &r.Buf[0]
			iov.SetLen(len(r.Buf))
			local = append(local, iov)
			remote = append(remote, unix.RemoteIovec{Base: uintptr(r.Addr), Len: len(r.Buf)})
		}
		if len(local) == 0 {
			break
		}
		n, err := unix.ProcessVMReadv(p.PID, local, remote, 0)
		if err != nil && err != unix.EFAULT && err != unix.EIO {
			return p.wrap(err, uint64(remote[0].Base), remote[0].Len)
		}
		if n < 0 {
			n = 0
		}
		// Hand the bytes read to the ranges in order; the first range not
		// read whole faulted and is skipped, the rest are tried again.
		i := start
		for ; i < end; i++ {
			r := &reads[i]
			if len(r.Buf) == 0 {
				continue
			}
			if n >= len(r.Buf) {
				r.N = len(r.Buf)
				n -= len(r.Buf)
				continue
			}
			r.N = n
			i++
			break
		}
		start = i
	}
	return nil
}

func (p *Process) wrap(err error, addr uint64, n int) error {
	switch err {
	case unix.ESRCH:
		return &GoneError{PID: p.PID}
	case unix.EPERM, unix.EACCES:
		return &PermissionError{PID: p.PID, Err: err}
	case unix.EFAULT, unix.EIO, unix.EINVAL:
		return &FaultError{Addr: addr, Len: n}
	}
	return err
}
