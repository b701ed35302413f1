package sampler

import (
	"slices"

	"hpp/internal/cpython"
	"hpp/internal/procmem"
)

// The rounds after the first: what the last walk found is read again in
// one batch with every thread state, and checked before it is used.

// shape is the interpreters and thread states the last walk found, each
// list in its own order (newest first), so that the next walk reads them
// all with one batched read and only checks that they still link up the
// same way; when they do not, it walks the lists again.
type shape struct {
	interps []interpShape
}

type interpShape struct {
	addr    uint64
	gil     uint64 // the GIL's struct (3.12+)
	tstates []uint64
}

// threadsKnown reads the thread states of the shape the last walk found,
// with one batched read, and says whether the lists still link up that
// way: the same interpreters and thread states, each pointing at the next.
func (t *Target) threadsKnown() ([]Thread, [][]byte, bool) {
	sh := t.shape
	if sh == nil || len(sh.interps) == 0 {
		return nil, nil, false
	}
	l := t.layout
	size := t.tstateSize()
	reads := t.reads[:0]
	var need int64
	add := func(addr uint64, n int64) {
		reads = append(reads, procmem.Read{Addr: addr, N: int(n)}) // N: the size, until read
		need += n
	}
	if t.Minor == 6 {
		add(t.interpHead, 8)
	} else {
		add(t.runtime+uint64(l.RuntimeInterpretersHead), 8)
	}
	lo, hi, together := t.interpSpan()
	for _, is := range sh.interps {
		if together {
			add(is.addr+uint64(lo), hi-lo)
		} else {
			add(is.addr+uint64(l.InterpNext), 8)
			add(is.addr+uint64(l.InterpThreadsHead), 8)
		}
		addr, n := t.gilRead(is.gil)
		if n == 0 {
			return nil, nil, false
		}
		add(addr, n)
		for _, p := range is.tstates {
			add(p, size)
		}
	}
	// One buffer for all of it.
	buf := t.alloc(int(need))
	for i := range reads {
		n := reads[i].N
		reads[i].Buf, buf = buf[:n:n], buf[n:]
	}
	structure := len(reads)
	// With them, what the threads' stacks needed last round: most rounds
	// then take one system call.
	t.round++
	t.codeAt = t.codeAt[:0]
	for _, is := range sh.interps {
		for _, p := range is.tstates {
			reads = t.early(reads, p)
		}
	}
	t.reads = reads
	if err := t.readMany(reads); err != nil {
		return nil, nil, false
	}
	for _, r := range reads[:structure] {
		if r.N != len(r.Buf) {
			return nil, nil, false
		}
	}
	t.earlyDone()
	if u64(reads[0].Buf, 0) != sh.interps[0].addr {
		return nil, nil, false
	}
	var (
		out    []Thread
		blocks [][]byte
	)
	k := 1
	for i, is := range sh.interps {
		var next, head uint64
		if together {
			next, head = u64(reads[k].Buf, l.InterpNext-lo), u64(reads[k].Buf, l.InterpThreadsHead-lo)
			k++
		} else {
			next, head = u64(reads[k].Buf, 0), u64(reads[k+1].Buf, 0)
			k += 2
		}
		gb := reads[k].Buf
		k++
		want := uint64(0)
		if i+1 < len(sh.interps) {
			want = sh.interps[i+1].addr
		}
		first := uint64(0)
		if len(is.tstates) > 0 {
			first = is.tstates[0]
		}
		if next != want || head != first {
			return nil, nil, false
		}
		holder, gilLo, gilHi := t.gilHolder(is.gil, gb)
		for j, p := range is.tstates {
			b := reads[k].Buf
			k++
			want := uint64(0)
			if j+1 < len(is.tstates) {
				want = is.tstates[j+1]
			}
			if u64(b, l.TstateInterp) != is.addr || u64(b, l.TstateNext) != want {
				return nil, nil, false
			}
			out = append(out, t.newThread(p, b, holder, gilLo, gilHi))
			blocks = append(blocks, b)
		}
	}
	return out, blocks, true
}

// alloc hands out n bytes of the round's arena, which the next walk
// (Threads) takes back: what a round reads is used
// within the round. A full arena is replaced, not overwritten, so bytes
// handed out earlier in the round stay as they were.
func (t *Target) alloc(n int) []byte {
	if len(t.arena)+n > cap(t.arena) {
		t.arena = make([]byte, 0, max(2*cap(t.arena), n, 4096))
	}
	b := t.arena[len(t.arena) : len(t.arena)+n : len(t.arena)+n]
	t.arena = t.arena[:len(t.arena)+n]
	clear(b)
	return b
}

// early adds to reads what the last round found the thread at p
// needed: its newest chunk's bytes, its current frame's pointer
// (3.11–3.12), frames outside the chunks and its code objects' checks.
// Each is used only when this round's thread state says it is still what
// is needed (see earlyChunk).
func (t *Target) early(reads []procmem.Read, p uint64) []procmem.Read {
	m := t.memo[p]
	if m == nil {
		return reads
	}
	l := t.layout
	m.round = t.round
	m.chunkAt, m.cframeAt, m.outsideAt = -1, -1, m.outsideAt[:0]
	if m.chunk != 0 && m.chunkLen > 0 {
		m.chunkAt = len(reads)
		reads = append(reads, procmem.Read{Addr: m.chunk, Buf: t.chunkBuf(p, m.chunkLen)})
	}
	if m.cframe != 0 {
		m.cframeAt = len(reads)
		reads = append(reads, procmem.Read{Addr: m.cframe + uint64(l.CFrameCurrentFrame), Buf: t.alloc(8)})
	}
	size := int(t.frameSize())
	if t.Minor <= 10 {
		size = framePage // m.outside holds the pages of frame objects
	}
	for _, o := range m.outside {
		m.outsideAt = append(m.outsideAt, len(reads))
		reads = append(reads, procmem.Read{Addr: o, Buf: t.alloc(size)})
	}
	from, to := t.codeCheck()
	for _, a := range m.codes {
		if c := t.codes[a]; c != nil && t.now != 0 && t.now-c.checkedAt < codeCheckEvery {
			t.checked[a] = true
			continue
		}
		if _, seen := t.checked[a]; !seen {
			t.checked[a] = false
			t.codeAt = append(t.codeAt, len(reads))
			reads = append(reads, procmem.Read{Addr: a + uint64(from), Buf: t.alloc(int(to - from))})
		}
	}
	return reads
}

// earlyDone checks the code objects that early's reads looked at.
func (t *Target) earlyDone() {
	from, _ := t.codeCheck()
	for _, i := range t.codeAt {
		r := t.reads[i]
		a := r.Addr - uint64(from)
		t.checked[a] = t.codeStill(a, r)
	}
}

// earlyChunk is the chunk read early made this round for m, if any.
func (t *Target) earlyChunk(m *threadMemo) (procmem.Read, bool) {
	if m == nil {
		return procmem.Read{}, false
	}
	return t.earlyRead(m, m.chunkAt)
}

// earlyRead is the read early made at i this round for m, if any.
func (t *Target) earlyRead(m *threadMemo, i int) (procmem.Read, bool) {
	if m == nil || m.round != t.round || i < 0 || i >= len(t.reads) {
		return procmem.Read{}, false
	}
	r := t.reads[i]
	return r, r.N == len(r.Buf)
}

// chunkBuf is the buffer kept for reading the chunk of thread state p.
func (t *Target) chunkBuf(p uint64, n int) []byte {
	if t.chunkBufs == nil {
		t.chunkBufs = map[uint64][]byte{}
	}
	b := t.chunkBufs[p]
	if cap(b) < n {
		b = make([]byte, n+n/4)
		t.chunkBufs[p] = b
	}
	return b[:n]
}

// readMany reads many ranges, in one system call when the memory can.
// Each range's N says how much of it was read.
func (t *Target) readMany(reads []procmem.Read) error {
	if br, ok := t.mem.(batchReader); ok {
		return br.ReadBatch(reads)
	}
	for i := range reads {
		reads[i].N = 0
		if k, err := t.mem.ReadAt(reads[i].Buf, int64(reads[i].Addr)); err == nil {
			reads[i].N = k
		}
	}
	return nil
}

// threadMemo is what the last round learned of a thread, to read with
// the next round's batch: the frames it found outside its data stack's
// chunks (generators', and the entry frames that 3.12+ keeps on the C
// stack), and its code objects, whose check then costs no read of its own.
type threadMemo struct {
	outside []uint64
	// pageUsed is, before 3.11, when a walk last used each page of
	// outside; spare and spareUsed are keepPages' buffers.
	pageUsed, spareUsed []int
	spare               []uint64
	codes               []uint64
	// Its newest data stack chunk and the bytes of it to read (the most
	// a round needed, and some), and its _PyCFrame (3.11–3.12).
	chunk    uint64
	chunkLen int
	cframe   uint64

	// Where this round's first batch read them, in t.reads (-1: not).
	chunkAt, cframeAt int
	outsideAt         []int
	round             int // the round they were read in
}

// keepPages notes the pages of frame objects (before 3.11) that this
// round's walk used, first and in its order, then those that a walk used
// in the last pageRounds rounds: a walk that tore stops early, and a
// stack that moves between a few pages of frames uses some of them each
// round; reading them all in the round's first batch spares the walk
// reads of its own, which leave the target time to change the stack.
func (m *threadMemo) keepPages(used []uint64, round int) {
	old, oldUsed := m.spare, m.spareUsed
	old = append(old[:0], m.outside...)
	oldUsed = append(oldUsed[:0], m.pageUsed...)
	m.outside = append(m.outside[:0], used...)
	m.pageUsed = m.pageUsed[:0]
	for range used {
		m.pageUsed = append(m.pageUsed, round)
	}
	for i, p := range old {
		if len(m.outside) == maxFramePages {
			break
		}
		if round-oldUsed[i] < pageRounds && !slices.Contains(used, p) {
			m.outside = append(m.outside, p)
			m.pageUsed = append(m.pageUsed, oldUsed[i])
		}
	}
	m.spare, m.spareUsed = old, oldUsed
}

// Bounds on what a memo keeps.
const (
	maxOutside = 32
	// maxFramePages is maxOutside before 3.11: the pages of frame
	// objects a memo keeps (256 KiB).
	maxFramePages = 64
	// pageRounds is how many rounds a page of frames unused is read.
	pageRounds = 16
	// framePage is the span read around a frame object before 3.11:
	// the page that holds it, and with it the frames pymalloc put beside
	// it (a pool of one size class is a page or more).
	framePage   = 4096
	maxMemoCode = 256
	// maxEarlyChunk bounds the chunk bytes read with the thread states;
	// slack is read beyond what the last rounds needed, for a stack that
	// grows a little.
	maxEarlyChunk = 64 << 10
	slack         = 1 << 10
)

// newestChunks reads, for every thread at once, the used part of its
// newest data stack chunk: from its start to the thread state's
// datastack_top (or, when that does not check out, to the end of the
// current frame), and the current frame itself when it lies outside (a
// generator's). What the round's first batch read already (early) is not
// read again. Frames found nowhere in these are read when looked for.
func (t *Target) newestChunks(threads []Thread, blocks [][]byte, frames []uint64) []chunks {
	l := t.layout
	out := make([]chunks, len(blocks))
	if l.TstateDatastackChunk == cpython.Absent {
		return out
	}
	size := uint64(blockSize(l.IFrameCode, l.IFramePrevious, l.IFrameInstr, l.IFrameOwner))
	reads, idx := t.chunkReads[:0], t.chunkIdx[:0]
	defer func() { t.chunkReads, t.chunkIdx = reads[:0], idx[:0] }()
	for i, b := range blocks {
		c, f := u64(b, l.TstateDatastackChunk), frames[i]
		out[i].prev = c
		if !plausible(c) {
			continue
		}
		// datastack_top follows datastack_chunk in every PyThreadState
		// from 3.11 to 3.15; it is only a hint, checked against the chunk.
		var end uint64
		if off := l.TstateDatastackChunk + 8; int64(len(b)) >= off+8 {
			if top := u64(b, off); top&7 == 0 && top > c+chunkHeader && top-c <= maxChunked {
				end = top
			}
		}
		inChunk := f >= c+chunkHeader && f-c+size <= maxChunked
		if inChunk && f+size > end {
			end = f + size
		}
		out[i].addr, out[i].need = c, end-c
		m := t.memo[threads[i].tstate]
		if m != nil {
			for _, at := range m.outsideAt {
				if r, ok := t.earlyRead(m, at); ok {
					out[i].list = append(out[i].list, chunk{addr: r.Addr, data: r.Buf, single: true})
				}
			}
		}
		if end != 0 {
			if r, ok := t.earlyChunk(m); ok && r.Addr == c && end-c <= uint64(len(r.Buf)) && chunkHolds(r.Buf[:end-c]) {
				out[i].list = append(out[i].list, chunk{addr: c, data: r.Buf[:end-c]})
				out[i].prev = u64(r.Buf, 0)
			} else {
				reads = append(reads, procmem.Read{Addr: c, Buf: t.chunkBuf(threads[i].tstate, int(end-c))})
				idx = append(idx, i)
			}
		}
		if (end == 0 || f < c || f+size > end) && plausible(f) {
			reads = append(reads, procmem.Read{Addr: f, Buf: t.alloc(int(size))})
			idx = append(idx, -1-i) // a frame, not a chunk
		}
	}
	if len(reads) == 0 || t.readMany(reads) != nil {
		return out
	}
	for j, r := range reads {
		i := idx[j]
		if r.N != len(r.Buf) {
			continue
		}
		if i < 0 {
			i = -1 - i
			out[i].list = append(out[i].list, chunk{addr: r.Addr, data: r.Buf, single: true})
			continue
		}
		if !chunkHolds(r.Buf) {
			continue
		}
		out[i].list = append(out[i].list, chunk{addr: r.Addr, data: r.Buf})
		out[i].prev = u64(r.Buf, 0)
	}
	return out
}

// chunkHolds says whether the chunk whose first bytes are b holds them
// all: its size field says so. Anything else is a stack that moved on,
// and its frames are read one by one.
func chunkHolds(b []byte) bool {
	return len(b) >= chunkHeader && u64(b, 8) >= uint64(len(b)) && u64(b, 8) <= maxChunked
}
