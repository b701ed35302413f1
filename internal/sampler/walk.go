package sampler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"hpp/internal/cpython"
	"hpp/internal/procmem"
)

// Frame is one Python frame.
type Frame struct {
	Name      string `json:"name"` // qualified name (3.11+), the plain name before
	File      string `json:"file"`
	Line      int    `json:"line"`       // 0 when the instruction has no line
	FirstLine int    `json:"first_line"` // the function's first line (co_firstlineno)
	code      *code  // where the names came from, for Record
}

// Thread is one Python thread and its stack, innermost frame first.
type Thread struct {
	ID       uint64  `json:"thread_id"` // threading's ident
	NativeID int     `json:"native_id,omitempty"`
	Name     string  `json:"name,omitempty"`
	GIL      bool    `json:"gil"`
	State    string  `json:"state,omitempty"` // "running" or "idle", from the kernel
	Frames   []Frame `json:"frames"`
	Err      string  `json:"error,omitempty"` // why the stack could not be read
	// GILWait is set when the thread was blocked waiting to take the GIL
	// (then State is "idle" too): see gilRange.
	GILWait bool `json:"gil_wait,omitempty"`
	tstate  uint64
	// The bytes of the GIL's struct (its mutexes and condition
	// variables) in the thread's interpreter; 0, 0 when unknown.
	gilLo, gilHi uint64
	// gilTaken says some thread of the interpreter held the GIL when
	// it was read; when none did, no thread is worth checking for a wait.
	gilTaken bool
}

// Limits that keep a garbled or torn structure from running away.
const (
	maxInterpreters = 64
	maxThreads      = 4096
	maxDepth        = 8192
	maxString       = 4096
	maxTable        = 1 << 20
)

// errTorn marks a read of a structure that does not look like what the
// layout says should be there: a stack that changed while being read.
var errTorn = errors.New("torn read")

func tornf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errTorn}, args...)...)
}

func (t *Target) read(addr uint64, n int64) ([]byte, error) {
	b := make([]byte, n)
	if _, err := t.mem.ReadAt(b, int64(addr)); err != nil {
		return nil, err
	}
	return b, nil
}

func (t *Target) ptr(addr uint64) (uint64, error) {
	var b [8]byte
	if _, err := t.mem.ReadAt(b[:], int64(addr)); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// plausible says whether p can be the address of an object: user space,
// 8-byte aligned.
func plausible(p uint64) bool { return p != 0 && p&7 == 0 && p < 1<<47 }

func u64(b []byte, off int64) uint64 { return binary.LittleEndian.Uint64(b[off:]) }
func i32(b []byte, off int64) int32  { return int32(binary.LittleEndian.Uint32(b[off:])) }

// blockSize is the bytes to read to see every given field (8 bytes each).
func blockSize(offs ...int64) int64 {
	n := int64(0)
	for _, o := range offs {
		if o+8 > n {
			n = o + 8
		}
	}
	return n
}

// interpreters returns the addresses of every interpreter, main first.
func (t *Target) interpreters() ([]uint64, error) {
	var head uint64
	var err error
	if t.Minor == 6 {
		head, err = t.ptr(t.interpHead)
	} else {
		head, err = t.ptr(t.runtime + uint64(t.layout.RuntimeInterpretersHead))
	}
	if err != nil {
		return nil, err
	}
	if head == 0 {
		return nil, errUninitialised
	}
	var out []uint64
	seen := map[uint64]bool{}
	for p := head; p != 0 && len(out) < maxInterpreters; {
		if !plausible(p) || seen[p] {
			return nil, tornf("interpreter list at %#x", p)
		}
		seen[p] = true
		out = append(out, p)
		if p, err = t.ptr(p + uint64(t.layout.InterpNext)); err != nil {
			return nil, err
		}
	}
	// The list is newest first; the main interpreter was made first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// gilStructSize is sizeof(struct _gil_runtime_state) on 64-bit glibc:
// interval, last_holder, locked, switch_number, then cond, mutex,
// switch_cond and switch_mutex (48 + 40 + 48 + 40 bytes).
const gilStructSize = 208

// gilRead is where the GIL's holder is read from, for one interpreter:
// up to 3.11 a thread-state pointer (addr, n = 8); from 3.12 the
// interpreter's own GIL struct (its locked and last_holder fields).
func (t *Target) gilRead(gil uint64) (addr uint64, n int64) {
	l := t.layout
	switch {
	case t.Minor == 6:
		return t.tstateCurrent, 8
	case t.Minor <= 11:
		return t.runtime + uint64(l.RuntimeTstateCurrent), 8
	}
	if !plausible(gil) {
		return 0, 0
	}
	return gil, blockSize(l.GILLocked, l.GILLastHolder)
}

// gilHolder returns the thread state holding the GIL, or 0, and the
// address range of the GIL's struct, where a thread waiting to take the
// GIL blocks (on its condition variable or mutex), from what gilRead
// said to read (b). Up to 3.11 the GIL lives inside _PyRuntime, whose only
// embedded pthread objects are the GIL's, so the range is all of
// _PyRuntime; from 3.12 the interpreter points at its own.
func (t *Target) gilHolder(gil uint64, b []byte) (holder, lo, hi uint64) {
	l := t.layout
	switch {
	case b == nil:
		return 0, 0, 0
	case t.Minor == 6:
		return u64(b, 0), 0, 0
	case t.Minor <= 11:
		if t.runtimeSize == 0 {
			return u64(b, 0), 0, 0
		}
		return u64(b, 0), t.runtime, t.runtime + t.runtimeSize
	}
	lo, hi = gil, gil+gilStructSize
	if i32(b, l.GILLocked) == 0 {
		return 0, lo, hi
	}
	return u64(b, l.GILLastHolder), lo, hi
}

// tstateSize is the bytes of a thread state the walker reads: with
// datastack_top, which follows datastack_chunk (see newestChunks).
func (t *Target) tstateSize() int64 {
	l := t.layout
	top := int64(cpython.Absent)
	if l.TstateDatastackChunk != cpython.Absent {
		top = l.TstateDatastackChunk + 8
	}
	return blockSize(l.TstateNext, l.TstateInterp, l.TstateFrame, l.TstateCFrame, l.TstateThreadID, l.TstateNativeThreadID, l.TstateDatastackChunk, top)
}

// interpSpan is the range of an interpreter holding its next and
// threads.head, read as one when they are close.
func (t *Target) interpSpan() (lo, hi int64, together bool) {
	l := t.layout
	lo, hi = min(l.InterpNext, l.InterpThreadsHead), max(l.InterpNext, l.InterpThreadsHead)+8
	return lo, hi, hi-lo <= 512
}

// Threads reads every thread of every interpreter with its stack. A
// thread whose stack tore while being read has Err set and no frames.
func (t *Target) Threads() ([]Thread, error) {
	t.arena, t.rawPool = t.arena[:0], t.rawPool[:0]
	if t.checked == nil {
		t.checked = map[uint64]bool{}
	}
	clear(t.checked)
	threads, blocks, ok := t.threadsKnown()
	if !ok {
		var err error
		if threads, blocks, err = t.threadList(); err != nil {
			return nil, err
		}
	}
	t.stacks(threads, blocks)
	// Thread states are listed newest first; show the oldest (main) first.
	for i, j := 0, len(threads)-1; i < j; i, j = i+1, j-1 {
		threads[i], threads[j] = threads[j], threads[i]
	}
	return threads, nil
}

// newThread makes the Thread of the thread state read into b.
func (t *Target) newThread(p uint64, b []byte, holder, gilLo, gilHi uint64) Thread {
	l := t.layout
	th := Thread{ID: u64(b, l.TstateThreadID), GIL: holder == p, tstate: p, gilLo: gilLo, gilHi: gilHi, gilTaken: holder != 0}
	if l.TstateNativeThreadID != cpython.Absent {
		th.NativeID = int(u64(b, l.TstateNativeThreadID))
	}
	return th
}

// threadList walks the interpreters' thread lists, and remembers their
// shape for threadsKnown.
func (t *Target) threadList() ([]Thread, [][]byte, error) {
	t.shape, t.memo, t.chunkBufs = nil, nil, nil
	interps, err := t.interpreters()
	if err != nil {
		return nil, nil, err
	}
	l := t.layout
	var (
		out    []Thread
		blocks [][]byte
		sh     = &shape{}
	)
	size := t.tstateSize()
	// interpreters() put the main interpreter first; the list runs the
	// other way.
	for k := len(interps) - 1; k >= 0; k-- {
		interp := interps[k]
		var gil uint64
		if t.Minor >= 12 {
			gil, _ = t.ptr(interp + uint64(l.InterpCevalGIL))
		}
		var gb []byte
		if addr, n := t.gilRead(gil); n > 0 {
			gb, _ = t.read(addr, n)
		}
		holder, gilLo, gilHi := t.gilHolder(gil, gb)
		is := interpShape{addr: interp, gil: gil}
		var p uint64
		if lo, hi, together := t.interpSpan(); together {
			// The range the next walks read (threadsKnown).
			b, err := t.read(interp+uint64(lo), hi-lo)
			if err != nil {
				return nil, nil, err
			}
			p = u64(b, l.InterpThreadsHead-lo)
		} else if p, err = t.ptr(interp + uint64(l.InterpThreadsHead)); err != nil {
			return nil, nil, err
		}
		seen := map[uint64]bool{}
		for p != 0 && len(out) < maxThreads {
			if !plausible(p) || seen[p] {
				return nil, nil, tornf("thread list at %#x", p)
			}
			seen[p] = true
			b, err := t.read(p, size)
			if err != nil {
				return nil, nil, err
			}
			if u64(b, l.TstateInterp) != interp {
				return nil, nil, tornf("thread state %#x names another interpreter", p)
			}
			out = append(out, t.newThread(p, b, holder, gilLo, gilHi))
			blocks = append(blocks, b)
			is.tstates = append(is.tstates, p)
			p = u64(b, l.TstateNext)
		}
		if p != 0 {
			sh = nil // more threads than are read: no shape to check against
		}
		if sh != nil {
			sh.interps = append(sh.interps, is)
		}
	}
	t.shape = sh
	// Newest first, as the lists run: Threads turns it around, so that
	// the main interpreter's main thread comes first.
	return out, blocks, nil
}

// stacks walks the stack of each thread whose state was read into
// blocks. The reads of all threads are batched: their current frames
// (3.11–3.12), the newest part of their data stacks (3.11+), and the
// check of their cached code objects.
func (t *Target) stacks(threads []Thread, blocks [][]byte) {
	l := t.layout
	raws := make([][]rawFrame, len(threads))
	errs := make([]error, len(threads))
	var stk []chunks
	if t.Minor <= 10 {
		// Frame objects: the pages that held those of the last round,
		// read ahead (early).
		stk = make([]chunks, len(threads))
		for i := range threads {
			if m := t.memo[threads[i].tstate]; m != nil {
				for _, at := range m.outsideAt {
					if r, ok := t.earlyRead(m, at); ok {
						stk[i].list = append(stk[i].list, chunk{addr: r.Addr, data: r.Buf})
					}
				}
			}
			raws[i], errs[i] = t.frameObjects(u64(blocks[i], l.TstateFrame), &stk[i])
		}
	} else {
		frames := make([]uint64, len(threads))
		if t.Minor <= 12 {
			// The current frame hangs off tstate->cframe.
			reads := make([]procmem.Read, 0, len(threads))
			idx := make([]int, 0, len(threads))
			buf := make([]byte, 8*len(threads))
			for i := range threads {
				cf := u64(blocks[i], l.TstateCFrame)
				if cf == 0 {
					continue
				}
				if m := t.memo[threads[i].tstate]; m != nil && m.cframe == cf {
					if r, ok := t.earlyRead(m, m.cframeAt); ok {
						frames[i] = u64(r.Buf, 0)
						continue
					}
				}
				reads = append(reads, procmem.Read{Addr: cf + uint64(l.CFrameCurrentFrame), Buf: buf[8*i : 8*i+8]})
				idx = append(idx, i)
			}
			if err := t.readMany(reads); err != nil {
				for _, i := range idx {
					errs[i] = err
				}
			}
			for j, r := range reads {
				if r.N != 8 {
					errs[idx[j]] = &procmem.FaultError{Addr: r.Addr, Len: 8}
				} else {
					frames[idx[j]] = u64(r.Buf, 0)
				}
			}
		} else {
			for i := range threads {
				frames[i] = u64(blocks[i], l.TstateFrame)
			}
		}
		stk = t.newestChunks(threads, blocks, frames)
		for i := range threads {
			if errs[i] == nil && frames[i] != 0 {
				raws[i], errs[i] = t.interpreterFrames(frames[i], &stk[i])
			}
		}
	}
	{
		// Remember, for the next round, what lay outside the chunks and
		// which code objects the stack ran.
		if t.memo == nil {
			t.memo = map[uint64]*threadMemo{}
		}
		for i := range threads {
			m := t.memo[threads[i].tstate]
			if m == nil {
				m = &threadMemo{}
				t.memo[threads[i].tstate] = m
			}
			if t.Minor <= 10 {
				m.keepPages(stk[i].outside, t.round)
			} else {
				m.outside = append(m.outside[:0], stk[i].outside...)
			}
			if t.Minor == 11 || t.Minor == 12 {
				m.cframe = u64(blocks[i], l.TstateCFrame)
			}
			if c := stk[i].addr; c != m.chunk {
				m.chunk, m.chunkLen = c, 0
			}
			if need := int(stk[i].need) + slack; stk[i].addr == 0 || need > maxEarlyChunk {
				m.chunkLen = 0
			} else {
				m.chunkLen = max(m.chunkLen, need)
			}
			m.codes = m.codes[:0]
			for _, r := range raws[i] {
				if len(m.codes) == maxMemoCode {
					break
				}
				if !slices.Contains(m.codes[max(0, len(m.codes)-8):], r.code) {
					m.codes = append(m.codes, r.code)
				}
			}
		}
	}
	var all []rawFrame
	for i := range raws {
		if errs[i] == nil {
			all = append(all, raws[i]...)
		}
	}
	codes, err := t.codesOf(all, t.checked)
	// One array for every thread's frames: the caller keeps them.
	frameArr := make([]Frame, len(all))
	for i := range threads {
		if errs[i] != nil {
			threads[i].Err = errs[i].Error()
			continue
		}
		n := len(raws[i])
		if err != nil {
			threads[i].Err = err.Error()
			continue
		}
		frames, ferr := t.resolve(raws[i], codes[:n], frameArr[:n:n])
		codes, frameArr = codes[n:], frameArr[n:]
		if ferr != nil {
			threads[i].Err = ferr.Error()
		} else {
			threads[i].Frames = frames
		}
	}
}

// remember notes f as a frame found outside the chunks, up to max.
func (cs *chunks) remember(f uint64, max int) {
	if len(cs.outside) < max {
		cs.outside = append(cs.outside, f)
	}
}

// maxOutside is how many frames outside the chunks a memo keeps: before
// 3.11 every frame is a heap object of its own.
func (t *Target) maxOutside() int {
	if t.Minor <= 10 {
		return maxFramePages
	}
	return maxOutside
}

// frameSize is the bytes of a frame the walker reads.
func (t *Target) frameSize() int64 {
	l := t.layout
	if t.Minor <= 10 {
		return blockSize(l.ObjectType, l.FrameBack, l.FrameCode, l.FrameLasti, l.FrameState)
	}
	return blockSize(l.IFrameCode, l.IFramePrevious, l.IFrameInstr, l.IFrameOwner)
}

// chunk is a copy of (part of) one chunk of a thread's data stack
// (3.11+), where the frames of its running functions live: a read per
// chunk gives them all, instead of a read per frame. Frames elsewhere
// (generators) are read one by one.
type chunk struct {
	addr   uint64
	data   []byte
	single bool // one frame's bytes, outside the data stack's chunks
}

// chunks are the copies of a thread's data stack taken so far: the
// newest chunk up to the current frame, then, when a frame is not in
// it, the older chunks from prev on (read once).
type chunks struct {
	list []chunk
	next int    // the entry of list after the last single frame found
	prev uint64 // the chunk to read next; 0 once read
	// addr is the newest chunk, need the bytes of it this round needed.
	addr, need uint64
	// outside lists the frames found outside the chunks.
	outside []uint64
}

// Bounds on the chunks read: CPython's chunks are at least 16 KiB
// (DATA_STACK_CHUNK_SIZE) and mapped whole, so the first read of each
// takes that much; a deeper stack than the chunks read costs a read per
// frame beyond them.
const (
	chunkRead  = 16 << 10
	maxChunks  = 16
	maxChunked = 2 << 20
	// chunkHeader is _PyStackChunk's {previous, size, top}.
	chunkHeader = 24
)

// readChunks copies the chunks of a data stack from p on, following each
// _PyStackChunk {previous, size, top, data[]} to the one before; on any
// doubt it stops, and the frames not covered are read one by one.
func (t *Target) readChunks(p uint64) []chunk {
	var out []chunk
	total := 0
	for p != 0 && len(out) < maxChunks && total < maxChunked {
		if !plausible(p) {
			break
		}
		b := t.alloc(chunkRead)
		if _, err := t.mem.ReadAt(b, int64(p)); err != nil {
			break
		}
		size := u64(b, 8)
		switch {
		case size < chunkHeader || size > maxChunked:
			return out
		case size <= chunkRead:
			b = b[:size]
		default:
			b = t.alloc(int(size))
			if _, err := t.mem.ReadAt(b, int64(p)); err != nil {
				return out
			}
		}
		out = append(out, chunk{addr: p, data: b})
		total += len(b)
		p = u64(b, 0)
	}
	return out
}

// frameBytes returns n bytes of the frame at f, from a chunk when one
// holds them.
func (t *Target) frameBytes(f uint64, n int64, cs *chunks) ([]byte, error) {
	if t.Minor <= 10 {
		return t.framePageBytes(f, n, cs)
	}
	for {
		// The frames read ahead come in the order of the chain, which
		// the walk follows: try the one after the last found first.
		if cs.next < len(cs.list) {
			if ch := &cs.list[cs.next]; ch.single && f == ch.addr && uint64(n) <= uint64(len(ch.data)) {
				cs.next++
				cs.remember(f, t.maxOutside())
				return ch.data[:n], nil
			}
		}
		// Chunks first (most frames), then single frames.
		for _, single := range [2]bool{false, true} {
			for i := range cs.list {
				ch := &cs.list[i]
				if ch.single == single && f >= ch.addr && f-ch.addr+uint64(n) <= uint64(len(ch.data)) {
					if single {
						cs.next = i + 1
						cs.remember(f, t.maxOutside())
					}
					return ch.data[f-ch.addr:][:n], nil
				}
			}
		}
		if cs.prev == 0 {
			cs.remember(f, t.maxOutside())
			return t.read(f, n)
		}
		cs.list = append(cs.list, t.readChunks(cs.prev)...)
		cs.prev = 0
	}
}

// framePageBytes returns n bytes of the frame object at f (before 3.11)
// from the pages read so far, or reads the pages that hold it: frame
// objects of one size sit side by side in pymalloc's pools, so a walk
// finds most of a stack in a few pages, copied in one system call each
// round (early), which leaves the target less time to change the stack
// under the copy than a read per frame.
func (t *Target) framePageBytes(f uint64, n int64, cs *chunks) ([]byte, error) {
	for i := range cs.list {
		ch := &cs.list[i]
		if f >= ch.addr && f-ch.addr+uint64(n) <= uint64(len(ch.data)) {
			cs.rememberPage(ch.addr, t.maxOutside())
			return ch.data[f-ch.addr:][:n], nil
		}
	}
	lo := f &^ (framePage - 1)
	hi := (f + uint64(n) + framePage - 1) &^ (framePage - 1)
	b := t.alloc(int(hi - lo))
	if _, err := t.mem.ReadAt(b, int64(lo)); err != nil {
		// Pages that cannot be read whole: the frame alone.
		return t.read(f, n)
	}
	for p := lo; p < hi; p += framePage {
		cs.list = append(cs.list, chunk{addr: p, data: b[p-lo : p-lo+framePage]})
		cs.rememberPage(p, t.maxOutside())
	}
	return b[f-lo:][:n], nil
}

// rememberPage notes page p as one a walk used, once, up to max.
func (cs *chunks) rememberPage(p uint64, max int) {
	if n := len(cs.outside); n > 0 && cs.outside[n-1] == p {
		return // the page of the frame before, most often
	}
	if !slices.Contains(cs.outside, p) {
		cs.remember(p, max)
	}
}

// rawFrame is a frame as found on the chain, before its code object is
// resolved: the code object's address and the executing instruction, as
// a byte offset (≤ 3.10) or an address (3.11+).
type rawFrame struct {
	code  uint64
	instr int64
}

// frameObjects walks the PyFrameObject chain of 3.6–3.10.
func (t *Target) frameObjects(f uint64, cs *chunks) ([]rawFrame, error) {
	l := t.layout
	size := t.frameSize()
	raw := t.rawPool[len(t.rawPool):]
	defer func() { t.keepRaw(raw) }()
	last := true // whether the last frame read was running
	addrs := t.frameAddrs[:0]
	var deep map[uint64]bool
	defer func() { t.frameAddrs = addrs[:0] }()
	for f != 0 && len(raw) < maxDepth {
		if !plausible(f) {
			return nil, tornf("frame at %#x", f)
		}
		b, err := t.frameBytes(f, size, cs)
		if err != nil {
			return nil, err
		}
		if t.frameType != 0 && u64(b, l.ObjectType) != t.frameType {
			return nil, tornf("%#x is not a frame object", f)
		}
		run := running(t.Minor, int8(b[l.FrameState]))
		if !run && len(raw) > 0 && last {
			// A running frame's caller runs too; this one returned:
			// freed (the free list's links reuse f_back) or reused by
			// another call, so what follows is not the thread's stack.
			return nil, tornf("frame at %#x returned", f)
		}
		if seen(addrs, f, &deep) {
			// Free lists reuse frames: a chain read while the thread
			// returned and called again can loop through them.
			return nil, tornf("frame at %#x comes twice", f)
		}
		last = run
		lasti := int64(i32(b, l.FrameLasti))
		if t.Minor == 10 && lasti >= 0 {
			lasti *= 2 // 3.10 counts code units
		}
		raw = append(raw, rawFrame{code: u64(b, l.FrameCode), instr: lasti})
		addrs = append(addrs, f)
		f = u64(b, l.FrameBack)
	}
	if f != 0 {
		// A torn chain can loop (freed frames link to each other).
		return nil, tornf("the frame chain runs past %d frames", maxDepth)
	}
	if !last {
		// The chain must end where the thread began, at a frame that
		// runs. One that ends at a frame that returned has strayed
		// into freed frames (the free list's links reuse f_back), and
		// would show the thread beginning in the middle of its stack.
		// (Frames that returned while the walk read them, but still
		// lead to their running callers, are kept: they were the
		// thread's stack a few microseconds before.)
		return nil, tornf("the frame chain ends at a frame that returned")
	}
	return raw, nil
}

// seen reports whether f is among addrs, the frames of a chain so far;
// past 256 of them it keeps a set in *deep.
func seen(addrs []uint64, f uint64, deep *map[uint64]bool) bool {
	if len(addrs) < 256 {
		for _, a := range addrs {
			if a == f {
				return true
			}
		}
		return false
	}
	if *deep == nil {
		*deep = make(map[uint64]bool, 2*len(addrs))
		for _, a := range addrs {
			(*deep)[a] = true
		}
	}
	if (*deep)[f] {
		return true
	}
	(*deep)[f] = true
	return false
}

// running reports whether a PyFrameObject's f_executing (≤ 3.9) or
// f_state (3.10) says the frame is running: 1, or FRAME_EXECUTING (0) or
// FRAME_UNWINDING (2).
func running(minor int, state int8) bool {
	if minor <= 9 {
		return state == 1
	}
	return state == 0 || state == 2
}

// keepRaw takes raw, appended to the free end of t.rawPool, out of the
// pool for the rest of the round. When raw outgrew the pool, the pool is
// replaced by a larger one for the next stacks, and raw keeps its array.
func (t *Target) keepRaw(raw []rawFrame) {
	n := len(t.rawPool)
	if len(raw) > 0 && n+len(raw) <= cap(t.rawPool) && &t.rawPool[:n+1][n] == &raw[0] {
		t.rawPool = t.rawPool[:n+len(raw)]
		return
	}
	if len(raw) > 0 {
		t.rawPool = make([]rawFrame, 0, 2*(cap(t.rawPool)+len(raw)))
	}
}

// resolve names the frames of a stack from their code objects.
func (t *Target) resolve(raw []rawFrame, codes []*code, into []Frame) ([]Frame, error) {
	l := t.layout
	out := into[:0:len(raw)]
	for i, r := range raw {
		c := codes[i]
		if c == nil {
			if t.Minor >= 13 {
				continue // f_executable of a frame that runs no Python code
			}
			return nil, tornf("%#x is not a code object", r.code)
		}
		off := r.instr
		if t.Minor >= 11 {
			off -= int64(r.code + uint64(l.CodeCodeAdaptive))
			if off < 0 {
				// Pushed but not started yet: CPython's own views skip
				// such incomplete frames too.
				continue
			}
		}
		line, ok := c.lines[off]
		if t.noLines {
			line, ok = 0, true
		}
		if !ok {
			switch {
			case t.Minor <= 9:
				line = cpython.LineLnotab(c.table, c.first, int(off))
			case t.Minor == 10:
				line = cpython.Line310(c.table, c.first, int(off))
			default:
				line = cpython.LineLocations(c.table, c.first, int(off))
			}
			if c.lines == nil {
				c.lines = map[int64]int{}
			}
			if len(c.lines) < maxLines {
				c.lines[off] = line
			}
		}
		out = append(out, Frame{Name: c.name, File: c.file, Line: line, FirstLine: c.first, code: c})
	}
	return out, nil
}

// Frame owners of _PyInterpreterFrame (Include/internal/pycore_frame.h,
// pycore_interpframe_structs.h from 3.14): 0 thread, 1 generator, 2 frame
// object, then frames that run no Python code of the program: from 3.12
// FRAME_OWNED_BY_CSTACK = 3 (the shim that marks an entry from C); from
// 3.14 FRAME_OWNED_BY_INTERPRETER = 3 and FRAME_OWNED_BY_CSTACK = 4.
const maxOwner = 4

// stackRefTagBits are the low bits of a _PyStackRef (3.14+) that tag the
// reference rather than address the object.
const stackRefTagBits = 3

// shimFrame says whether a frame of this owner is one CPython's own views
// leave out.
func (t *Target) shimFrame(owner byte) bool {
	switch {
	case t.Minor >= 14:
		return owner >= 3
	case t.Minor >= 12:
		return owner == 3
	}
	return false
}

// interpreterFrames walks the _PyInterpreterFrame chain of 3.11 and later.
func (t *Target) interpreterFrames(f uint64, cs *chunks) ([]rawFrame, error) {
	l := t.layout
	size := blockSize(l.IFrameCode, l.IFramePrevious, l.IFrameInstr, l.IFrameOwner)
	raw := t.rawPool[len(t.rawPool):]
	defer func() { t.keepRaw(raw) }()
	for n := 0; f != 0 && n < maxDepth; n++ {
		if !plausible(f) {
			return nil, tornf("frame at %#x", f)
		}
		b, err := t.frameBytes(f, size, cs)
		if err != nil {
			return nil, err
		}
		prev := u64(b, l.IFramePrevious)
		owner := b[l.IFrameOwner]
		if owner > maxOwner {
			return nil, tornf("frame at %#x has owner %d", f, owner)
		}
		executable := u64(b, l.IFrameCode)
		if t.Minor >= 14 {
			// f_executable is a _PyStackRef: the low bits tag it.
			executable &^= stackRefTagBits
		}
		if !t.shimFrame(owner) {
			raw = append(raw, rawFrame{code: executable, instr: int64(u64(b, l.IFrameInstr))})
		}
		f = prev
	}
	if f != 0 {
		return nil, tornf("the frame chain runs past %d frames", maxDepth)
	}
	return raw, nil
}

// code is what the walker keeps of a code object. Code objects are
// immutable, so they are cached by address; the cheap check on a hit
// (type and name pointer, one read) notices an address reused by
// another object.
type code struct {
	nameRef    uint64
	name, file string
	first      int
	table      []byte
	// lines caches the line of each instruction offset seen, up to
	// maxLines of them: the table is the same for the object's life.
	lines     map[int64]int
	checkedAt int64 // Target.now when last checked
}

const maxLines = 1024

// batchReader is a Memory that reads many ranges in one call
// (procmem.Process).
type batchReader interface {
	ReadBatch([]procmem.Read) error
}

// codesOf resolves the code object of every frame; an address that holds
// no code object gets nil. Cached code objects are checked with one
// batched read for all of them.
func (t *Target) codesOf(raw []rawFrame, checked map[uint64]bool) ([]*code, error) {
	out := make([]*code, len(raw))
	checkFrom, checkTo := t.codeCheck()
	// The distinct cached addresses not checked yet, each checked once.
	var addrs []uint64
	idx := map[uint64]int{}
	for i, r := range raw {
		if i > 0 && r.code == raw[i-1].code {
			continue // recursion: seen just now
		}
		if _, done := checked[r.code]; done {
			continue
		}
		if _, ok := t.codes[r.code]; ok {
			if _, seen := idx[r.code]; !seen {
				idx[r.code] = len(addrs)
				addrs = append(addrs, r.code)
			}
		}
	}
	valid := make([]bool, len(addrs))
	if len(addrs) > 0 {
		n := checkTo - checkFrom
		buf := make([]byte, int64(len(addrs))*n)
		reads := make([]procmem.Read, len(addrs))
		for i, a := range addrs {
			reads[i] = procmem.Read{Addr: a + uint64(checkFrom), Buf: buf[int64(i)*n : int64(i+1)*n]}
		}
		if err := t.readMany(reads); err != nil {
			return nil, err
		}
		for i, r := range reads {
			valid[i] = t.codeStill(addrs[i], r)
		}
	}
	for i, r := range raw {
		if i > 0 && r.code == raw[i-1].code && out[i-1] != nil {
			out[i] = out[i-1]
			continue
		}
		if ok := checked[r.code]; ok {
			out[i] = t.codes[r.code]
			continue
		}
		if j, ok := idx[r.code]; ok && valid[j] {
			out[i] = t.codes[r.code]
			continue
		}
		delete(t.codes, r.code)
		c, err := t.loadCode(r.code)
		if err == errNotCode {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = c
		c.checkedAt = t.now
		checked[r.code] = true // just read: good for the other frames of this round
	}
	return out, nil
}

// codeCheck is the range of a code object read to check that a cached
// one is still there: its type and name pointer.
func (t *Target) codeCheck() (from, to int64) {
	l := t.layout
	return min(l.ObjectType, l.CodeName), max(l.ObjectType, l.CodeName) + 8
}

// codeStill says whether the check read r (of codeCheck's range) finds
// the cached code object at addr still there.
func (t *Target) codeStill(addr uint64, r procmem.Read) bool {
	l := t.layout
	c, ok := t.codes[addr]
	from, _ := t.codeCheck()
	if ok && r.N == len(r.Buf) &&
		u64(r.Buf, l.ObjectType-from) == t.codeType &&
		u64(r.Buf, l.CodeName-from) == c.nameRef {
		c.checkedAt = t.now
		return true
	}
	return false
}

// codeCheckEvery is how long a check of a cached code object stands when
// rounds come faster (Target.now set): a code object lives as long as a
// frame runs it, and one freed and another made at its address within
// the millisecond is the only way the cache can name a frame wrongly.
const codeCheckEvery = int64(time.Millisecond)

var errNotCode = errors.New("not a code object")

func (t *Target) loadCode(addr uint64) (*code, error) {
	l := t.layout
	if !plausible(addr) {
		return nil, errNotCode
	}
	b, err := t.read(addr, blockSize(l.ObjectType, l.CodeFilename, l.CodeName, l.CodeQualname, l.CodeFirstLineno, l.CodeLineTable))
	if err != nil {
		return nil, err
	}
	if u64(b, l.ObjectType) != t.codeType {
		return nil, errNotCode
	}
	c := &code{nameRef: u64(b, l.CodeName), first: int(i32(b, l.CodeFirstLineno))}
	nameAt := l.CodeName
	if l.CodeQualname != cpython.Absent {
		nameAt = l.CodeQualname
	}
	if c.name, err = t.str(u64(b, nameAt)); err != nil {
		return nil, err
	}
	if c.file, err = t.str(u64(b, l.CodeFilename)); err != nil {
		return nil, err
	}
	if c.table, err = t.bytes(u64(b, l.CodeLineTable)); err != nil {
		return nil, err
	}
	t.codes[addr] = c
	return c, nil
}

// str reads a compact str object (every name and file name of a code
// object is one) and returns it as UTF-8.
func (t *Target) str(addr uint64) (string, error) {
	l := t.layout
	if !plausible(addr) {
		return "", tornf("str at %#x", addr)
	}
	h, err := t.read(addr, max(l.ASCIIObjectSize, blockSize(l.ObjectType, l.UnicodeLength, l.UnicodeState)))
	if err != nil {
		return "", err
	}
	if u64(h, l.ObjectType) != t.unicodeType {
		return "", tornf("%#x is not a str", addr)
	}
	n := int64(u64(h, l.UnicodeLength))
	state := binary.LittleEndian.Uint32(h[l.UnicodeState:])
	kind := int64(state>>2) & 7
	compact, ascii := state>>5&1 == 1, state>>6&1 == 1
	if n < 0 || n > maxString || !compact || (kind != 1 && kind != 2 && kind != 4) {
		return "", tornf("str at %#x: length %d, state %#x", addr, n, state)
	}
	if ascii {
		b, err := t.read(addr+uint64(l.ASCIIObjectSize), n)
		if err != nil {
			return "", err
		}
		for _, c := range b {
			if c >= 0x80 {
				return "", tornf("ASCII str at %#x has byte %#x", addr, c)
			}
		}
		return string(b), nil
	}
	b, err := t.read(addr+uint64(l.CompactUnicodeObjectSize), n*kind)
	if err != nil {
		return "", err
	}
	runes := make([]rune, n)
	for i := int64(0); i < n; i++ {
		switch kind {
		case 1:
			runes[i] = rune(b[i])
		case 2:
			runes[i] = rune(binary.LittleEndian.Uint16(b[2*i:]))
		case 4:
			runes[i] = rune(binary.LittleEndian.Uint32(b[4*i:]))
		}
		// A str of this kind holds no surrogates in well-formed names and
		// no code point above U+10FFFF at all.
		if !utf8.ValidRune(runes[i]) || utf16.IsSurrogate(runes[i]) {
			return "", tornf("str at %#x has code point %#x", addr, runes[i])
		}
	}
	return string(runes), nil
}

// bytes reads a bytes object.
func (t *Target) bytes(addr uint64) ([]byte, error) {
	l := t.layout
	if !plausible(addr) {
		return nil, tornf("bytes at %#x", addr)
	}
	h, err := t.read(addr, blockSize(l.ObjectType, l.BytesSize))
	if err != nil {
		return nil, err
	}
	if u64(h, l.ObjectType) != t.bytesType {
		return nil, tornf("%#x is not a bytes object", addr)
	}
	n := int64(u64(h, l.BytesSize))
	if n < 0 || n > maxTable {
		return nil, tornf("bytes at %#x: length %d", addr, n)
	}
	return t.read(addr+uint64(l.BytesData), n)
}
