package machine

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// iocb and ioEvent are the kernel's struct iocb and struct io_event
// (linux/aio_abi.h) on a little-endian 64-bit machine.
type iocb struct {
	data   uint64
	_      uint32 // key
	_      int32  // rw_flags
	opcode uint16
	_      int16 // reqprio
	fd     uint32
	buf    uint64
	nbytes uint64
	offset int64
	_      uint64 // reserved2
	_      uint32 // flags
	_      uint32 // resfd
}

type ioEvent struct {
	data, obj uint64
	res, res2 int64
}

const iocbCmdPread = 0

// aioRandRead reads random 4 KiB blocks of fd with depth reads in flight
// through Linux native AIO (io_submit), as fio's libaio engine does: one
// thread keeps the device's queue full, where depth threads blocked in
// pread would spend the CPUs on switching. It works only with O_DIRECT
// (on buffered files the kernel completes each read before io_submit
// returns). bufs holds depth page-aligned blocks off the Go heap. It
// returns reads per second, or ok false when the kernel refuses AIO.
func aioRandRead(ctx context.Context, fd int, bufs []byte, depth int, nblocks int64, d time.Duration) (iops float64, ok bool) {
	// The context id that io_setup returns is the ring's address, so it
	// is received as a pointer (memory the kernel mapped, not Go's).
	var ring *aioRing
	if _, _, e := unix.Syscall(unix.SYS_IO_SETUP, uintptr(depth), uintptr(unsafe.Pointer(&ring)), 0); e != 0 {
		return 0, false
	}
	aio := uintptr(unsafe.Pointer(ring))
	defer unix.Syscall(unix.SYS_IO_DESTROY, aio, 0, 0)
	cbs := make([]iocb, depth)
	ptrs := make([]*iocb, depth)
	events := make([]ioEvent, depth)
	rng := rand.New(rand.NewPCG(uint64(fd), uint64(time.Now().UnixNano())))
	for i := range cbs {
		cbs[i] = iocb{data: uint64(i), opcode: iocbCmdPread, fd: uint32(fd),
			buf: uint64(uintptr(unsafe.Pointer(&bufs[i*randBlock]))), nbytes: randBlock}
	}
	submit := func(list []*iocb) bool {
		for _, cb := range list {
			cb.offset = rng.Int64N(nblocks) * randBlock
		}
		for len(list) > 0 {
			n, _, e := unix.RawSyscall(unix.SYS_IO_SUBMIT, aio, uintptr(len(list)), uintptr(unsafe.Pointer(&list[0])))
			if e == unix.EINTR {
				continue
			}
			if e != 0 || n == 0 {
				return false
			}
			list = list[n:]
		}
		return true
	}
	for i := range cbs {
		ptrs[i] = &cbs[i]
	}
	var done, inflight int64
	start := time.Now()
	deadline := start.Add(d)
	if !submit(ptrs) {
		return 0, false
	}
	inflight = int64(depth)
	again := make([]*iocb, 0, depth)
	for inflight > 0 {
		n := reapRing(ring, events)
		if n == 0 {
			r, _, e := unix.RawSyscall6(unix.SYS_IO_GETEVENTS, aio, 1, uintptr(depth), uintptr(unsafe.Pointer(&events[0])), 0, 0)
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				return 0, false
			}
			n = int(r)
		}
		again = again[:0]
		for _, ev := range events[:n] {
			if ev.res != randBlock {
				return 0, false
			}
			done++
			inflight--
			if ctx.Err() == nil && time.Now().Before(deadline) {
				again = append(again, &cbs[ev.data])
			}
		}
		if len(again) > 0 {
			if !submit(again) {
				return 0, false
			}
			inflight += int64(len(again))
		}
	}
	runtime.KeepAlive(cbs)
	return float64(done) / time.Since(start).Seconds(), true
}

// aioRing is the head of the completion ring that io_setup maps into the
// process; the context's id is its address (linux/fs/aio.c).
type aioRing struct {
	id, nr, head, tail, magic, compat, incompat, headerLen uint32
}

const aioRingMagic = 0xa10a10a1

// reapRing copies completed events out of the ring without a system
// call, as fio's user_reap option does, and returns how many; 0 when none
// are ready or the ring's layout is not the one known here.
func reapRing(r *aioRing, events []ioEvent) int {
	if atomic.LoadUint32(&r.magic) != aioRingMagic || r.incompat != 0 {
		return 0
	}
	head, tail := atomic.LoadUint32(&r.head), atomic.LoadUint32(&r.tail)
	ring := unsafe.Slice((*ioEvent)(unsafe.Add(unsafe.Pointer(r), r.headerLen)), r.nr)
	n := 0
	for head != tail && n < len(events) {
		events[n] = ring[head]
		n++
		head = (head + 1) % r.nr
	}
	atomic.StoreUint32(&r.head, head)
	return n
}
