package pstats

import (
	"os"
	"syscall"

	"hpp/internal/profile"
)

// readFile maps the file rather than reading it into the heap, and drops
// the pages already decoded as it goes: a 17 MB profile then never holds
// more than a megabyte or two of itself in memory.
func readFile(path string, fi os.FileInfo) (*profile.Profile, error) {
	size := fi.Size()
	if !fi.Mode().IsRegular() || size == 0 || int64(int(size)) != size {
		return readAll(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return readAll(path)
	}
	defer syscall.Munmap(data)
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
