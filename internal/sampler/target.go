// Package sampler reads the Python stacks of another process from its
// memory: it finds the interpreter, walks its threads and their frames,
// and names each frame's function, file and line.
package sampler

import (
	"fmt"
	"io"

	"hpp/internal/cpython"
	"hpp/internal/procmem"
)

// Memory is the target's address space. procmem.Process is one; a
// snapshot of captured regions is another.
type Memory interface {
	io.ReaderAt
}

// Target is one Python interpreter in a process, ready to be walked.
type Target struct {
	PID     int
	Version string // "3.11.2"
	Minor   int    // 11
	Binary  string // the file that holds the interpreter, as /proc/PID/maps names it

	mem    Memory
	layout *cpython.Layout

	// Run-time addresses (link-time address + load bias).
	runtime       uint64 // _PyRuntime (3.7+)
	runtimeSize   uint64 // its size from the symbol table, 0 if unknown
	interpHead    uint64 // interp_head (3.6)
	tstateCurrent uint64 // _PyThreadState_Current (3.6)
	codeType      uint64
	frameType     uint64
	unicodeType   uint64
	bytesType     uint64
	dictType      uint64
	longType      uint64
	moduleType    uint64

	activeDict uint64 // threading._active, once found (threadnames.go)

	// now is the monotonic time of the walk in nanoseconds, set by a
	// recording before each round; 0 (as in a dump) checks every cached
	// code object on every walk.
	now int64

	symbols map[string]uint64 // run-time addresses, kept for snapshots
	codes   map[uint64]*code

	frameAddrs []uint64 // frameObjects' scratch

	noLines bool // frames keep no line (RecordOptions.NoLineNo): line tables are not decoded

	// What the last walk found, and buffers it keeps (walk.go).
	shape     *shape
	reads     []procmem.Read
	chunkBufs map[uint64][]byte      // by thread state
	memo      map[uint64]*threadMemo // by thread state
	arena     []byte                 // see alloc
	rawPool   []rawFrame             // see keepRaw

	chunkReads []procmem.Read
	chunkIdx   []int
	round      int             // walks through known thread lists
	codeAt     []int           // code checks among t.reads
	checked    map[uint64]bool // code objects checked this walk: still there?
}

// UnsupportedError says the target is a Python hpp cannot read.
type UnsupportedError struct {
	Version string
	Why     string
}

func (e *UnsupportedError) Error() string {
	m, d := cpython.Minors(), cpython.DebugMinors()
	return fmt.Sprintf("Python %s is not supported (%s); hpp reads CPython %s to %s (from %s on through the interpreter's own _Py_DebugOffsets)",
		e.Version, e.Why, m[0], d[len(d)-1], d[0])
}

// NotPythonError says no CPython interpreter was found in the process.
type NotPythonError struct {
	PID int
	Exe string
	Why string
}

func (e *NotPythonError) Error() string {
	return fmt.Sprintf("process %d (%s) is not a CPython process: %s", e.PID, e.Exe, e.Why)
}

// newTarget sets up the layout for a binary found in the target, with the
// load bias that maps its link-time addresses to run-time ones.
func newTarget(pid int, mem Memory, path string, b *elfInfo, bias uint64) (*Target, error) {
	t := &Target{PID: pid, mem: mem, Binary: path, Version: b.version, codes: map[uint64]*code{}}
	minor, n := minorOf(b.version)
	if minor == "" {
		return nil, &NotPythonError{PID: pid, Exe: path, Why: "no Python version string in " + path}
	}
	t.Minor = n
	if n < 6 {
		return nil, &UnsupportedError{Version: b.version, Why: "too old"}
	}
	t.symbols = map[string]uint64{}
	for name, v := range b.syms {
		t.symbols[name] = v + bias
	}
	sym := func(name string) uint64 { return t.symbols[name] }
	t.runtime = sym("_PyRuntime")
	t.runtimeSize = b.sizes["_PyRuntime"]
	t.interpHead = sym("interp_head")
	t.tstateCurrent = sym("_PyThreadState_Current")
	t.codeType = sym("PyCode_Type")
	t.frameType = sym("PyFrame_Type")
	t.unicodeType = sym("PyUnicode_Type")
	t.bytesType = sym("PyBytes_Type")
	t.dictType = sym("PyDict_Type")
	t.longType = sym("PyLong_Type")
	t.moduleType = sym("PyModule_Type")
	if t.codeType == 0 || t.unicodeType == 0 || t.bytesType == 0 {
		return nil, &NotPythonError{PID: pid, Exe: path, Why: "PyCode_Type, PyUnicode_Type or PyBytes_Type missing from " + path}
	}
	switch {
	case n > 13 && t.runtime == 0:
		return nil, &UnsupportedError{Version: b.version, Why: "no _PyRuntime symbol"}
	case n == 6:
		if t.interpHead == 0 {
			return nil, &UnsupportedError{Version: b.version, Why: "a stripped 3.6 hides interp_head"}
		}
	case t.runtime == 0:
		return nil, &NotPythonError{PID: pid, Exe: path, Why: "no _PyRuntime symbol in " + path}
	}
	if n >= 13 {
		buf := make([]byte, cpython.DebugOffsetsSize)
		if _, err := mem.ReadAt(buf, int64(t.runtime)); err != nil {
			return nil, fmt.Errorf("reading _PyRuntime: %w", err)
		}
		l, d, err := cpython.ParseDebugOffsets(buf)
		if err != nil {
			return nil, &UnsupportedError{Version: b.version, Why: err.Error()}
		}
		if d.FreeThreaded {
			return nil, &UnsupportedError{Version: b.version + " (free-threaded)", Why: "free-threaded builds are not supported yet"}
		}
		if dw, ok := cpython.ForMinor(d.Minor()); ok && n == 13 {
			// Thread names need offsets the table lacks; pyenv's DWARF
			// of 3.13 gives them if the build agrees with it.
			cpython.AdoptNames(l, dw)
		}
		t.layout = l
		t.Version = d.Patch()
		return t, nil
	}
	l, ok := cpython.ForMinor(minor)
	if !ok {
		return nil, &UnsupportedError{Version: b.version, Why: "no layout for " + minor}
	}
	t.layout = l
	return t, nil
}
