package machine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

const (
	seqBlock  = 1 << 20
	randBlock = 4096
	queue     = 32
)

// measureDisk writes a test file in dir and reads it back. The file is
// unlinked as soon as it is created, so nothing is left behind whatever
// happens to the process (Ctrl-C, a crash, SIGKILL): the space returns
// when the descriptor closes.
func measureDisk(ctx context.Context, m *meter, dir string) (*Disk, error) {
	if dir == "" {
		dir = "."
	}
	abs, _ := filepath.Abs(dir)
	size := int64(1 << 30)
	randTime := 1500 * time.Millisecond
	if m.quick {
		size, randTime = 256<<20, 400*time.Millisecond
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil && int64(st.Bavail)*st.Bsize < 2*size {
		return nil, fmt.Errorf("%s has %s free; the disk probe needs %s (use --dir elsewhere)", abs, FormatBytes(int64(st.Bavail)*st.Bsize), FormatBytes(2*size))
	}
	return diskProbe(ctx, m, dir, size, randTime)
}

// diskProbe measures with a test file of size bytes. Any I/O error or
// short transfer fails the probe: numbers from a file that could not be
// written (ENOSPC, a quota) would be reads of holes or past its end, and
// far faster than the device.
func diskProbe(ctx context.Context, m *meter, dir string, size int64, randTime time.Duration) (*Disk, error) {
	abs, _ := filepath.Abs(dir)
	d := &Disk{Dir: abs, FileBytes: size, Filesystem: fsType(dir)}
	name := filepath.Join(dir, fmt.Sprintf(".hpp-machine-%d.tmp", os.Getpid()))
	fd, err := unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_DIRECT|unix.O_CLOEXEC, 0o600)
	d.Direct = err == nil
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("creating a test file in %s: %v (is it writable?)", abs, err)
	}
	d.Removed = unix.Unlink(name) == nil
	defer unix.Close(fd)
	d.Label = diskLabel(d.Filesystem, d.Direct)
	// O_DIRECT needs aligned buffers: mmap gives page-aligned ones.
	buf, err := unix.Mmap(-1, 0, seqBlock*queue, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, err
	}
	defer unix.Munmap(buf)
	rand.NewChaCha8([32]byte{3}).Read(buf) // incompressible, in case the device compresses

	blocks := size / seqBlock
	m.progress("disk: sequential write " + FormatBytes(size))
	// One pass allocates the file; the timed passes overwrite it. Each
	// pass ends with fsync so the time covers the device, not the cache.
	// The first I/O error ends the probe; the closures record it here.
	var ioErr error
	write := func() float64 {
		t := time.Now()
		for i := int64(0); i < blocks && ctx.Err() == nil && ioErr == nil; i++ {
			ioErr = pwriteFull(fd, buf[:seqBlock], i*seqBlock)
		}
		if ioErr == nil {
			ioErr = unix.Fsync(fd)
		}
		if ioErr != nil {
			ioErr = writeError(abs, size, ioErr)
			return math.NaN()
		}
		return GBps(float64(size), float64(time.Since(t).Nanoseconds()))
	}
	reps := 3
	if m.quick {
		reps = 1
	}
	d.SeqWrite = repeat(write, reps)
	if ioErr != nil {
		return nil, ioErr
	}
	if err := ctx.Err(); err != nil {
		return d, err
	}
	m.progress("disk: sequential read " + FormatBytes(size))
	if !d.Direct {
		// Without O_DIRECT the best we can do is ask the kernel to drop
		// the file's cached pages; tmpfs has nowhere to drop them to.
		unix.Fadvise(fd, 0, size, unix.FADV_DONTNEED)
	}
	read := func() float64 {
		t := time.Now()
		for i := int64(0); i < blocks && ctx.Err() == nil && ioErr == nil; i++ {
			ioErr = preadFull(fd, buf[:seqBlock], i*seqBlock)
		}
		if ioErr != nil {
			ioErr = fmt.Errorf("reading the test file back: %v", ioErr)
			return math.NaN()
		}
		return GBps(float64(size), float64(time.Since(t).Nanoseconds()))
	}
	d.SeqRead = repeat(read, reps)
	if ioErr != nil {
		return nil, ioErr
	}
	if err := ctx.Err(); err != nil {
		return d, err
	}
	nblocks := size / randBlock
	randRead := func(threads int) float64 {
		var n int64
		var firstErr error
		var mu sync.Mutex
		var wg sync.WaitGroup
		deadline := time.Now().Add(randTime / time.Duration(reps))
		t := time.Now()
		for k := 0; k < threads; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(k), uint64(time.Now().UnixNano())))
				b := buf[k*seqBlock : k*seqBlock+randBlock]
				var c int64
				var err error
				for ctx.Err() == nil && (c&15 != 0 || time.Now().Before(deadline)) {
					if err = preadFull(fd, b, rng.Int64N(nblocks)*randBlock); err != nil {
						break
					}
					c++
				}
				mu.Lock()
				n += c
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if firstErr != nil {
			if ioErr == nil {
				ioErr = fmt.Errorf("random reads of the test file: %v", firstErr)
			}
			return math.NaN()
		}
		return float64(n) / time.Since(t).Seconds()
	}
	m.progress("disk: random 4 KiB reads, queue depth 1")
	d.RandQD1 = repeat(func() float64 { return randRead(1) }, reps)
	if ioErr != nil {
		return nil, ioErr
	}
	d.RandQD1Lat = d.RandQD1.Invert().Scale(1e9)
	m.progress("disk: random 4 KiB reads, queue depth 32")
	// With O_DIRECT, one thread keeps 32 reads in flight through Linux
	// AIO, as fio's libaio engine does; 32 threads in pread reach only
	// ~60-70% of that on 2 CPUs. Without O_DIRECT (or without AIO), threads.
	d.QD32Method, d.ReadThreads = "pread in 32 threads", queue
	if d.Direct {
		if _, ok := aioRandRead(ctx, fd, buf, queue, nblocks, 50*time.Millisecond); ok {
			// A run the kernel cut short is dropped (NaN), not counted as 0.
			d.RandQD32 = repeat(func() float64 {
				if v, ok := aioRandRead(ctx, fd, buf, queue, nblocks, randTime/time.Duration(reps)); ok {
					return v
				}
				return math.NaN()
			}, reps)
			if d.RandQD32.N > 0 {
				d.QD32Method, d.ReadThreads = "Linux AIO, 1 thread", 1
			}
		}
	}
	if d.ReadThreads == queue {
		d.RandQD32 = repeat(func() float64 { return randRead(queue) }, reps)
		if ioErr != nil {
			return nil, ioErr
		}
	}
	if _, err := os.Stat(name); err == nil {
		d.Removed = false
	}
	return d, ctx.Err()
}

// preadFull and pwriteFull fail on a short transfer as well as on an
// error: a read past the end of a file that could not be written returns
// 0 bytes and no error.
func preadFull(fd int, b []byte, off int64) error {
	n, err := unix.Pread(fd, b, off)
	return fullIO(n, len(b), err)
}

func pwriteFull(fd int, b []byte, off int64) error {
	n, err := unix.Pwrite(fd, b, off)
	return fullIO(n, len(b), err)
}

func fullIO(n, want int, err error) error {
	if err == nil && n != want {
		err = fmt.Errorf("short transfer: %d of %d bytes", n, want)
	}
	return err
}

// writeError says why the test file could not be written, with the fix
// for a full filesystem.
func writeError(dir string, size int64, err error) error {
	if errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT) {
		return fmt.Errorf("writing a %s test file in %s: %v (free space there, or use --dir on a filesystem with %s free)", FormatBytes(size), dir, err, FormatBytes(2*size))
	}
	return fmt.Errorf("writing a %s test file in %s: %v", FormatBytes(size), dir, err)
}

// diskLabel says what the disk numbers measure. tmpfs accepts O_DIRECT
// since Linux 6.6 but has no device behind it: its numbers are memory's.
func diskLabel(fs string, direct bool) string {
	switch {
	case fs == "tmpfs" || fs == "ramfs":
		return "page cache (" + fs + ": memory only)"
	case direct:
		return "device (O_DIRECT)"
	}
	return "page cache (the filesystem refused O_DIRECT)"
}

// repeat runs f n times without a separate warm-up (the disk's first pass
// is its warm-up) and summarizes.
func repeat(f func() float64, n int) Stat {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = f()
	}
	return Summarize(xs)
}

// fsType names the filesystem holding dir from its magic number.
func fsType(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	switch st.Type {
	case unix.EXT4_SUPER_MAGIC:
		return "ext4"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.RAMFS_MAGIC:
		return "ramfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlayfs"
	case unix.NFS_SUPER_MAGIC:
		return "nfs"
	}
	return fmt.Sprintf("0x%x", st.Type)
}
