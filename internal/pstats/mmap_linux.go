package pstats

import (
	"os"
	"runtime/debug"
	"syscall"
	"unsafe"

	"hpp/internal/profile"
)

// readFile maps the file rather than reading it into the heap, and drops
// the pages already decoded as it goes: a 17 MB profile then never holds
// more than a megabyte or two of itself in memory.
//
// A file that another process truncates while it is mapped faults with
// SIGBUS on the first page past its new end. The fault is turned into a
// panic in this goroutine (debug.SetPanicOnFault) and the panic into an
// error, so that a profile rewritten in place under hpp is a bad input,
// not a crash.
func readFile(f *os.File, size int64) (p *profile.Profile, err error) {
	if int64(int(size)) != size {
		return readAll(f, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return readAll(f, size)
	}
	defer syscall.Munmap(data)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if e := recover(); e != nil {
			off, ok := faultOffset(e, data)
			if !ok {
				panic(e)
			}
			p, err = nil, &FormatError{Offset: off, Msg: "the file shrank while hpp read it (rewritten in place?); read it again once its writer is done"}
		}
	}()
	page := os.Getpagesize()
	done := 0
	return parse(data, func(n int) {
		n -= n % page
		if n > done {
			// Dropped pages of a read-only file mapping are read again
			// from the file if touched, so this is only ever a hint.
			syscall.Madvise(data[done:n], syscall.MADV_DONTNEED)
			done = n
		}
	})
}

// faultOffset returns where in data the memory fault e happened, and
// whether it happened there at all: any other panic is a bug, not the
// file's doing, and goes on.
func faultOffset(e any, data []byte) (int, bool) {
	f, ok := e.(interface{ Addr() uintptr })
	if !ok {
		return 0, false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	if a := f.Addr(); a >= base && a-base < uintptr(len(data)) {
		return int(a - base), true
	}
	return 0, false
}
