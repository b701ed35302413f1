// Package procmem reads another process's memory and its memory map, the
// raw material of hpp's sampler.
package procmem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Mapping is one line of /proc/PID/maps.
type Mapping struct {
	Start, End uint64
	Perms      string // "r-xp"
	Offset     uint64 // file offset of Start
	Inode      uint64
	Path       string // "" for anonymous memory; "[heap]" and the like for the kernel's
}

// ReadMaps parses /proc/PID/maps.
func ReadMaps(pid int) ([]Mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &GoneError{PID: pid}
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, &PermissionError{PID: pid, Err: err}
		}
		return nil, err
	}
	defer f.Close()
	return ParseMaps(f)
}

// ParseMaps parses the text of a /proc/PID/maps file.
func ParseMaps(r io.Reader) ([]Mapping, error) {
	var out []Mapping
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		m, err := parseMapsLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("maps line %d: %v", n, err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// parseMapsLine reads "start-end perms offset dev inode   path".
func parseMapsLine(line string) (Mapping, error) {
	var m Mapping
	rest := line
	field := func() string {
		rest = strings.TrimLeft(rest, " ")
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			f := rest
			rest = ""
			return f
		}
		f := rest[:i]
		rest = rest[i+1:]
		return f
	}
	rng, perms, off, dev, inode := field(), field(), field(), field(), field()
	lo, hi, ok := strings.Cut(rng, "-")
	if !ok || len(perms) != 4 || dev == "" || inode == "" {
		return m, fmt.Errorf("malformed: %q", line)
	}
	var err error
	if m.Start, err = strconv.ParseUint(lo, 16, 64); err != nil {
		return m, fmt.Errorf("malformed start: %q", line)
	}
	if m.End, err = strconv.ParseUint(hi, 16, 64); err != nil || m.End < m.Start {
		return m, fmt.Errorf("malformed end: %q", line)
	}
	if m.Offset, err = strconv.ParseUint(off, 16, 64); err != nil {
		return m, fmt.Errorf("malformed offset: %q", line)
	}
	if m.Inode, err = strconv.ParseUint(inode, 10, 64); err != nil {
		return m, fmt.Errorf("malformed inode: %q", line)
	}
	m.Perms = perms
	// The path is the rest after the padding; it may contain spaces.
	m.Path = strings.TrimLeft(rest, " ")
	return m, nil
}

// Deleted reports whether the mapped file was deleted (or replaced) since
// it was mapped, in which case the path no longer names its contents.
func (m Mapping) Deleted() bool { return strings.HasSuffix(m.Path, " (deleted)") }

// Read is one element of a batched read.
type Read struct {
	Addr uint64
	Buf  []byte
	N    int // bytes read
}

// GoneError says the process no longer exists.
type GoneError struct{ PID int }

func (e *GoneError) Error() string {
	return fmt.Sprintf("process %d does not exist (it has exited, or the pid is wrong)", e.PID)
}

// PermissionError says the kernel refused to let us read the process.
type PermissionError struct {
	PID int
	Err error
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("not permitted to read the memory of process %d (%v): run hpp as the target's user or as root; "+
		"if /proc/sys/kernel/yama/ptrace_scope is 1 or more, run as root or give hpp CAP_SYS_PTRACE "+
		"(setcap cap_sys_ptrace+ep $(which hpp)), or lower it with sysctl kernel.yama.ptrace_scope=0; "+
		"in a container, start it with --cap-add SYS_PTRACE", e.PID, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// FaultError says an address was not readable: not mapped, or the mapping
// went away. Readers of a running target expect these and treat them as
// a torn read.
type FaultError struct {
	Addr uint64
	Len  int
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("address %#x (+%d) is not readable in the target", e.Addr, e.Len)
}

// Root returns the path under which the target's files are seen from
// here: /proc/PID/root, which also reaches into containers and chroots.
func Root(pid int) string { return fmt.Sprintf("/proc/%d/root", pid) }

// OpenFile opens a path as the target sees it.
func OpenFile(pid int, path string) (*os.File, error) {
	return os.Open(Root(pid) + path)
}
