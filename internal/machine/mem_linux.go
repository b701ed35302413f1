package machine

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// region is anonymous memory mapped outside the Go heap, so that the
// garbage collector neither scans nor moves it and its page size is ours
// to choose.
type region struct {
	raw  []byte // the whole mapping, for munmap
	b    []byte // the 2 MiB-aligned part of it the probes use
	huge bool   // asked for transparent huge pages
}

// mapRegion maps size bytes aligned to 2 MiB, asks for huge pages or
// forbids them, and touches every page so that no page fault lands inside
// a timed loop.
func mapRegion(size int64, huge bool) (*region, error) {
	raw, err := unix.Mmap(-1, 0, int(size+hugePage), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %v", FormatBytes(size), err)
	}
	off := (hugePage - int(uintptr(unsafe.Pointer(&raw[0]))%hugePage)) % hugePage
	r := &region{raw: raw, b: raw[off : off+int(size)], huge: huge}
	advice := unix.MADV_NOHUGEPAGE
	if huge {
		advice = unix.MADV_HUGEPAGE
	}
	// An error (THP compiled out) leaves the default: verified below.
	_ = unix.Madvise(r.b, advice)
	for i := 0; i < len(r.b); i += 4096 {
		r.b[i] = 1
	}
	return r, nil
}

func (r *region) free() { unix.Munmap(r.raw) }

// hugeBytes reads how much of the region the kernel backs with huge pages
// (AnonHugePages in /proc/self/smaps): the check that madvise worked.
func (r *region) hugeBytes() int64 {
	start := uint64(uintptr(unsafe.Pointer(&r.raw[0])))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return -1
	}
	defer f.Close()
	return smapsHuge(bufio.NewScanner(f), start, start+uint64(len(r.raw)))
}

// thpMode is the system's transparent huge page policy: always, madvise
// or never (the word in brackets).
func thpMode() string {
	s := readSys("/sys/kernel/mm/transparent_hugepage/enabled")
	if i := strings.Index(s, "["); i >= 0 {
		if j := strings.Index(s[i:], "]"); j > 0 {
			return s[i+1 : i+j]
		}
	}
	return "unknown"
}

// pin binds the calling goroutine's OS thread to one CPU. The caller must
// have called runtime.LockOSThread and should let the goroutine exit while
// still locked, so that the pinned thread dies with it instead of
// returning to Go's pool with its affinity narrowed.
func pin(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pinning to CPU %d: %v", cpu, err)
	}
	return nil
}

func lockThread() { runtime.LockOSThread() }

// threadTime is the CPU time of the calling thread. Probes that run on one
// pinned thread time themselves with it rather than the wall clock, so that
// time the thread spent descheduled for someone else's build on a shared
// machine does not count against it.
func threadTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// memAvailable is /proc/meminfo's MemAvailable in bytes, or 0 when it
// cannot be read.
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if n, _ := fmt.Sscanf(sc.Text(), "MemAvailable: %d kB", &kb); n == 1 {
			return kb << 10
		}
	}
	return 0
}
