// Package pstats reads and writes the files that Python's cProfile and
// profile modules write (pstats.Stats.dump_stats: a marshal'd dict), for
// every CPython from 2.7 to 3.13, without Python. Files are untrusted: every
// length is checked against what is left, nesting is bounded, and errors
// carry the byte offset.
package pstats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"
	"unicode/utf8"

	"hpp/internal/profile"
)

// ReadFile reads the pstats file at path. Sources is set as pstats sets
// Stats.files: the file's modification time, four spaces, the path.
//
// A regular file is mapped (or read) as a whole. Anything else (a pipe,
// a FIFO, a device such as /dev/zero) is a stream of unknown length: its
// first bytes must look like a pstats file before any more is read, and
// at most MaxStream bytes are read from it.
func ReadFile(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrIsDir}
	}
	var p *profile.Profile
	// Files in /proc and the like say 0 bytes but have more to read.
	if fi.Mode().IsRegular() && fi.Size() > 0 {
		p, err = readFile(f, fi.Size())
	} else {
		p, err = readStream(f, streamHead)
	}
	if err != nil {
		return nil, err
	}
	p.Sources = []string{ctime(fi.ModTime()) + "    " + path}
	return p, nil
}

// ErrIsDir is returned for a path that names a directory.
var ErrIsDir = errors.New("is a directory, not a profile file")

// MaxStream is the most ReadFile reads from an input that is not a
// regular file. The largest profiles seen take 170 bytes a function, so
// this is room for six million functions.
const MaxStream = 1 << 30

// ctime formats t as Python's time.ctime does.
func ctime(t time.Time) string {
	return fmt.Sprintf("%s %s %2d %s %d", t.Format("Mon"), t.Format("Jan"), t.Day(), t.Format("15:04:05"), t.Year())
}

// readAll is readFile's fallback: the whole regular file of size bytes in
// memory.
func readAll(f *os.File, size int64) (*profile.Profile, error) {
	if size > MaxStream {
		// Bigger than any profile, and more than a heap copy should take.
		return nil, &FormatError{Msg: fmt.Sprintf("a file of %d bytes is larger than any profile hpp reads (at most %d)", size, MaxStream)}
	}
	data := make([]byte, size)
	n, err := io.ReadFull(f, data)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return Parse(data[:n])
}

// streamHead is how much of a stream is read before the first try at
// parsing it.
const streamHead = 64 << 10

// readStream reads a pipe, FIFO or device. Its first bytes must look like
// a pstats file, so that /dev/zero or the output of yes(1) is refused at
// once, however slowly it comes; then what has come so far is parsed each
// time it has grown sixteenfold, until it parses (as marshal.load, the
// rest of the stream is not read), or fails for a reason other than
// ending too soon, or passes MaxStream. first (at least 8) is the size of
// the first try. hpp stats runs without the collector, so the buffers and
// failed tries left behind stay in its memory: growing sixteenfold keeps
// them to a fifteenth of the last (twofold, a 5 MB profile through a pipe
// took 61 MB of RSS where the file takes 19 MB; sixteenfold, 29 MB).
func readStream(f io.Reader, first int) (*profile.Profile, error) {
	buf := make([]byte, 0, first)
	// sniff and sniffStart decide from the first 8 bytes.
	n, err := io.ReadAtLeast(f, buf[:cap(buf)], 8)
	buf = buf[:n]
	eof := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !eof {
		return nil, err
	}
	if err := sniff(buf); err != nil {
		return nil, err
	}
	if err := sniffStart(buf); err != nil {
		return nil, err
	}
	for limit := first; ; limit = min(16*limit, MaxStream+1) {
		if !eof {
			grown := make([]byte, len(buf), limit)
			copy(grown, buf)
			n, err := io.ReadFull(f, grown[len(buf):limit])
			buf = grown[:len(buf)+n]
			eof = err == io.EOF || err == io.ErrUnexpectedEOF
			if err != nil && !eof {
				return nil, err
			}
		}
		p, err := Parse(buf)
		var fe *FormatError
		if err == nil || eof || !errors.As(err, &fe) || !fe.short {
			return p, err
		}
		if fe.need > MaxStream {
			return nil, &FormatError{Offset: fe.Offset, Msg: fmt.Sprintf("%s: more than the %d bytes (1 GiB) hpp reads from an input that is not a regular file", fe.Msg, MaxStream)}
		}
		if len(buf) > MaxStream {
			return nil, &FormatError{Offset: MaxStream, Msg: fmt.Sprintf("more than %d bytes (1 GiB) from an input that is not a regular file; no profile is that large (save it to a file to read it whole)", MaxStream)}
		}
	}
}

// Parse decodes the bytes of a pstats file.
func Parse(data []byte) (*profile.Profile, error) {
	return parse(data, nil)
}

// parse is Parse, calling release(n) from time to time to say that the
// first n bytes of data will not be read again.
func parse(data []byte, release func(n int)) (*profile.Profile, error) {
	if err := sniff(data); err != nil {
		return nil, err
	}
	// Real files take 120 to 175 bytes per function (70 from the profile
	// module). Count high: capacity never touched costs no memory, a slice
	// regrown costs its old copy, which stays (hpp stats runs without the
	// collector).
	n := len(data) / 120
	d := newDecoder(data, n+n/8)
	r := &reader{decoder: d, b: profile.NewBuilder(n), keys: map[funcKey]profile.FuncID{},
		byName: make([]nameSlot, 0, n+n/8)}
	d.refs = make([]ref, 0, len(data)/64) // real files: one per 100 bytes
	r.release = release
	if err := r.stats(); err != nil {
		return nil, err
	}
	p := r.b.Profile()
	if p.NumListed == 0 {
		return nil, &FormatError{Offset: 0, Msg: "the profile holds no functions"}
	}
	return p, nil
}

// sniff recognises files that are something else, to say so plainly.
func sniff(data []byte) error {
	switch {
	case len(data) == 0:
		return &FormatError{Msg: "empty file"}
	case len(data) >= 4 && data[2] == '\r' && data[3] == '\n':
		return &FormatError{Msg: "this is a compiled Python file (.pyc), not a profile"}
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return &FormatError{Msg: "gzip data (a pprof profile?), not a pstats file"}
	case data[0] == '{' && len(data) > 1 && bytes.IndexByte([]byte("\"\n\r\t }"), data[1]) >= 0:
		return &FormatError{Msg: "this looks like JSON, not a pstats file"}
	case data[0]&^flagRef != tDict && looksLikeText(data):
		return &FormatError{Msg: "this is a text file (Python source?), not a pstats profile; make one with 'hpp run SCRIPT'"}
	}
	return nil
}

// sniffStart checks the first bytes of a stream against the only way a
// pstats file can start: a marshal dict ('{', with the reference flag from
// marshal version 3 on) whose first key is a (file, line, name) tuple, or
// that ends at once.
func sniffStart(head []byte) error {
	ok := len(head) >= 1 && head[0]&^flagRef == tDict
	if ok && len(head) >= 2 {
		switch head[1] &^ flagRef {
		case tNull:
		case tSmallTup:
			ok = len(head) < 3 || head[2] == 3
		case tTuple:
			ok = bytes.HasPrefix([]byte{3, 0, 0, 0}, head[2:min(len(head), 6)])
		default:
			ok = false
		}
	}
	if ok {
		return nil
	}
	show := head[:min(len(head), 8)]
	what := ""
	if !bytes.ContainsFunc(show, func(r rune) bool { return r != 0 }) {
		what = ", NUL bytes (a device such as /dev/zero?)"
	}
	return &FormatError{Msg: fmt.Sprintf("not a pstats file: it starts with % x%s, where a pstats file starts with a marshal dict ('{')", show, what)}
}

// looksLikeText reports whether the file starts with printable UTF-8
// text: a script or a report given where a profile was expected.
func looksLikeText(data []byte) bool {
	head := data[:min(len(data), 512)]
	// The cut at 512 bytes may split the last character.
	for k := 0; !utf8.Valid(head); k++ {
		if k == 3 || len(head) == 0 {
			return false
		}
		head = head[:len(head)-1]
	}
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

type reader struct {
	*decoder
	b        *profile.Builder
	release  func(n int)
	released int
	keys     map[funcKey]profile.FuncID // functions not in byName
	byName   []nameSlot                 // string id -> first function of that name
	arena    []profile.Edge
	// Entry parts that marshal may refer back to (kEdge, kEntry,
	// kCallers refs index these): only objects flagged for reference,
	// which Python flags when they are shared, are kept.
	edges   []profile.Stats
	entries []sharedEntry
	callerz [][]profile.Edge
}

// sharedEntry is an entry tuple kept for a back-reference.
type sharedEntry struct {
	s       profile.Stats
	callers []profile.Edge
}

// funcKey identifies a function by string ids: hashing two ids and a line
// is far cheaper than hashing the strings, on every key of a large file.
type funcKey struct {
	file, name int32
	line       int64
}

// fn returns the id of the function (file, line, name), adding it if new.
// Most names belong to one function, so a slot per name id finds most
// functions with one memory access and no hashing; the map holds the rest.
func (r *reader) fn(file, name int32, line int64) profile.FuncID {
	if int(name) < len(r.byName) {
		if sl := r.byName[name]; sl.id >= 0 {
			if sl.file == file && sl.line == line {
				return sl.id
			}
			// Another function has this name.
			if id, ok := r.keys[funcKey{file, name, line}]; ok {
				return id
			}
		}
	}
	id := r.b.New(profile.Func{File: r.strs[file], Line: int(line), Name: r.strs[name]})
	for len(r.byName) <= int(name) {
		r.byName = append(r.byName, nameSlot{id: -1})
	}
	if r.byName[name].id < 0 {
		r.byName[name] = nameSlot{file: file, id: id, line: line}
	} else {
		r.keys[funcKey{file, name, line}] = id
	}
	return id
}

// nameSlot is the first function seen with a name.
type nameSlot struct {
	file int32
	id   profile.FuncID
	line int64
}

// releaseEvery is how many bytes the reader consumes between calls to
// release.
const releaseEvery = 256 << 10

func (r *reader) stats() error {
	at := r.off
	typ, slot, err := r.header("profile")
	if err != nil {
		return err
	}
	if typ != tDict {
		v, err := r.body(typ, slot, at)
		if err != nil {
			return err
		}
		return &FormatError{Offset: at, Msg: fmt.Sprintf("not a pstats file: it holds %s, not a dict of functions", kindName(v.k))}
	}
	for {
		if r.off >= len(r.buf) {
			return r.truncated("the dict of functions")
		}
		if r.buf[r.off] == tNull {
			r.off++
			return nil
		}
		if r.release != nil && r.off-r.released >= releaseEvery {
			r.release(r.off)
			r.released = r.off
		}
		id, err := r.funcKey("function key")
		if err != nil {
			return err
		}
		if err := r.entry(id); err != nil {
			return err
		}
	}
}

func kindName(k kind) string {
	return [...]string{"None", "a bool", "an int", "an int", "a float", "a complex", "a string", "bytes",
		"a tuple", "a list", "a dict", "a set", "a code object", "a function key", "an object", "an object"}[k]
}

// funcKey reads a (file, line, name) tuple, or a reference to one.
func (r *reader) funcKey(what string) (profile.FuncID, error) {
	at := r.off
	typ, slot, err := r.header(what)
	if err != nil {
		return 0, err
	}
	if typ == tTuple || typ == tSmallTup {
		n, err := r.tupleLen(typ, what)
		if err != nil {
			return 0, err
		}
		if n != 3 {
			return 0, r.errAt(at, "%s has %d items, want 3 (file, line, name)", what, n)
		}
		file, err := r.text("file name")
		if err != nil {
			return 0, err
		}
		line, err := r.integer("line number")
		if err != nil {
			return 0, err
		}
		name, err := r.text("function name")
		if err != nil {
			return 0, err
		}
		id := r.fn(file, name, line)
		r.setRef(slot, mkref(kFunc, int64(id)))
		return id, nil
	}
	ref, v, err := r.refOrValue(typ, slot, at, 1<<kFunc)
	if v == nil || err != nil {
		return profile.FuncID(ref.val()), err
	}
	return r.keyFromValue(*v, at, what)
}

// keyFromValue accepts a key that was decoded generically.
func (r *reader) keyFromValue(v value, at int, what string) (profile.FuncID, error) {
	if v.k == kFunc {
		return profile.FuncID(v.i), nil
	}
	if v.k != kTuple || len(v.items) != 3 {
		return 0, r.errAt(at, "%s is %s, not a (file, line, name) tuple", what, kindName(v.k))
	}
	line := v.items[1]
	if line.k != kInt && line.k != kBool {
		return 0, r.errAt(at, "line number is %s, not an int", kindName(line.k))
	}
	_, file := r.internString(asText(v.items[0]))
	_, name := r.internString(asText(v.items[2]))
	return r.fn(file, name, line.i), nil
}

// asText renders a file or function name. Strings stay as they are;
// anything else (the profile module keys some entries by a code object)
// becomes a readable string that keeps the original name in it.
func asText(v value) string {
	if v.k == kStr || v.k == kBytes {
		return v.s
	}
	return v.repr()
}

// text reads a string, or renders whatever object stands there, and
// returns the string's id.
func (r *reader) text(what string) (int32, error) {
	at := r.off
	typ, slot, err := r.header(what)
	if err != nil {
		return 0, err
	}
	if _, id, k, ok, err := r.stringBody(typ); ok {
		if err != nil {
			return 0, err
		}
		r.setRef(slot, mkref(k, int64(id)))
		return id, nil
	}
	ref, v, err := r.refOrValue(typ, slot, at, 1<<kStr|1<<kBytes)
	if v == nil || err != nil {
		return int32(ref.val()), err
	}
	_, id := r.internString(asText(*v))
	return id, nil
}

// integer reads an int that must fit in int64.
func (r *reader) integer(what string) (int64, error) {
	at := r.off
	typ, slot, err := r.header(what)
	if err != nil {
		return 0, err
	}
	if typ == tInt {
		n, err := r.int32(what)
		if err != nil {
			return 0, err
		}
		r.setRef(slot, mkref(kInt, int64(n)))
		return int64(n), nil
	}
	ref, v, err := r.refOrValue(typ, slot, at, 1<<kInt|1<<kBool)
	if v == nil || err != nil {
		return ref.val(), err
	}
	switch v.k {
	case kInt, kBool:
		return v.i, nil
	case kBig:
		return 0, r.errAt(at, "%s %s is too large", what, v.s)
	}
	return 0, r.errAt(at, "%s is %s, not an int", what, kindName(v.k))
}

// number reads a time: a float, or an int when the timer gave ints.
func (r *reader) number(what string) (float64, error) {
	at := r.off
	typ, slot, err := r.header(what)
	if err != nil {
		return 0, err
	}
	switch typ {
	case tBinFloat:
		f, err := r.binFloat()
		if err != nil {
			return 0, err
		}
		r.setRef(slot, mkref(kFloat, int64(r.off-8)))
		return f, nil
	case tInt:
		n, err := r.int32(what)
		if err != nil {
			return 0, err
		}
		r.setRef(slot, mkref(kInt, int64(n)))
		return float64(n), nil
	}
	ref, v, err := r.refOrValue(typ, slot, at, 1<<kFloat|1<<kInt|1<<kBool)
	if err != nil {
		return 0, err
	}
	if v == nil {
		if ref.kind() == kFloat {
			return r.floatAt(ref.val()), nil
		}
		return float64(ref.val()), nil
	}
	switch v.k {
	case kFloat, kBig:
		return v.f, nil
	case kInt, kBool:
		return float64(v.i), nil
	}
	return 0, r.errAt(at, "%s is %s, not a number", what, kindName(v.k))
}

// entry reads (cc, nc, tt, ct, callers) for function id.
func (r *reader) entry(id profile.FuncID) error {
	at := r.off
	typ, slot, err := r.header("function entry")
	if err != nil {
		return err
	}
	if typ != tTuple && typ != tSmallTup {
		ref, v, err := r.refOrValue(typ, slot, at, 1<<kEntry)
		if err != nil {
			return err
		}
		if v != nil {
			return r.errAt(at, "function entry is %s, want a tuple (cc, nc, tt, ct, callers)", kindName(v.k))
		}
		e := &r.entries[ref.val()]
		r.b.Entry(id, e.s, slices.Clone(e.callers))
		return nil
	}
	n, err := r.tupleLen(typ, "function entry")
	if err != nil {
		return err
	}
	if n != 5 {
		return r.errAt(at, "function entry has %d items, want 5 (cc, nc, tt, ct, callers)", n)
	}
	var s profile.Stats
	if s.PCalls, err = r.integer("primitive call count"); err != nil {
		return err
	}
	if s.NCalls, err = r.integer("call count"); err != nil {
		return err
	}
	if s.TotTime, err = r.number("tottime"); err != nil {
		return err
	}
	if s.CumTime, err = r.number("cumtime"); err != nil {
		return err
	}
	callers, err := r.callers()
	if err != nil {
		return err
	}
	if slot >= 0 {
		// Builder.Entry and Builder.Profile rewrite callers in place, so
		// each use of a shared entry gets its own copy.
		r.setRef(slot, mkref(kEntry, int64(len(r.entries))))
		r.entries = append(r.entries, sharedEntry{s, slices.Clone(callers)})
	}
	r.b.Entry(id, s, callers)
	return nil
}

// callers reads the callers dict: func -> (nc, cc, tt, ct) from cProfile,
// or func -> count from the profile module.
func (r *reader) callers() ([]profile.Edge, error) {
	at := r.off
	typ, slot, err := r.header("callers")
	if err != nil {
		return nil, err
	}
	if typ != tDict {
		ref, v, err := r.refOrValue(typ, slot, at, 1<<kCallers)
		if err != nil {
			return nil, err
		}
		if v != nil {
			return nil, r.errAt(at, "callers is %s, not a dict", kindName(v.k))
		}
		return slices.Clone(r.callerz[ref.val()]), nil
	}
	// Edges are decoded straight into a chunked arena, so that hundreds
	// of thousands of them cost a few large allocations and one copy.
	start := len(r.arena)
	for {
		if r.off >= len(r.buf) {
			return nil, r.truncated("a callers dict")
		}
		if r.buf[r.off] == tNull {
			r.off++
			break
		}
		id, err := r.funcKey("caller key")
		if err != nil {
			return nil, err
		}
		e, err := r.edge()
		if err != nil {
			return nil, err
		}
		e.Caller = id
		if len(r.arena) == cap(r.arena) {
			n := len(r.arena) - start
			chunk := make([]profile.Edge, n, max(4096, 2*n))
			copy(chunk, r.arena[start:])
			r.arena, start = chunk, 0
		}
		r.arena = append(r.arena, e)
	}
	var callers []profile.Edge
	if len(r.arena) > start {
		callers = r.arena[start:len(r.arena):len(r.arena)]
	}
	if slot >= 0 {
		r.setRef(slot, mkref(kCallers, int64(len(r.callerz))))
		r.callerz = append(r.callerz, slices.Clone(callers))
	}
	return callers, nil
}

func (r *reader) edge() (profile.Edge, error) {
	at := r.off
	typ, slot, err := r.header("caller numbers")
	if err != nil {
		return profile.Edge{}, err
	}
	var e profile.Edge
	switch typ {
	case tSmallTup, tTuple:
		n, err := r.tupleLen(typ, "caller numbers")
		if err != nil {
			return e, err
		}
		if n != 4 {
			return e, r.errAt(at, "caller numbers have %d items, want 4 (nc, cc, tt, ct)", n)
		}
		if e.NCalls, err = r.integer("caller call count"); err != nil {
			return e, err
		}
		if e.PCalls, err = r.integer("caller primitive call count"); err != nil {
			return e, err
		}
		if e.TotTime, err = r.number("caller tottime"); err != nil {
			return e, err
		}
		if e.CumTime, err = r.number("caller cumtime"); err != nil {
			return e, err
		}
		if slot >= 0 {
			r.setRef(slot, mkref(kEdge, int64(len(r.edges))))
			r.edges = append(r.edges, e.Stats)
		}
		return e, nil
	case tInt:
		n, err := r.int32("caller count")
		if err != nil {
			return e, err
		}
		r.setRef(slot, mkref(kInt, int64(n)))
		return profile.Edge{Stats: profile.Stats{NCalls: int64(n), PCalls: int64(n)}, CountOnly: true}, nil
	}
	ref, v, err := r.refOrValue(typ, slot, at, 1<<kEdge)
	if err != nil {
		return e, err
	}
	if v == nil {
		return profile.Edge{Stats: r.edges[ref.val()]}, nil
	}
	switch v.k {
	case kInt, kBool:
		return profile.Edge{Stats: profile.Stats{NCalls: v.i, PCalls: v.i}, CountOnly: true}, nil
	case kTuple:
		if len(v.items) == 4 {
			var nums [4]float64
			var ints [2]int64
			for i, it := range v.items {
				switch it.k {
				case kInt, kBool:
					nums[i] = float64(it.i)
					if i < 2 {
						ints[i] = it.i
					}
				case kFloat:
					if i < 2 {
						return e, r.errAt(at, "caller call count is a float")
					}
					nums[i] = it.f
				default:
					return e, r.errAt(at, "caller numbers hold %s", kindName(it.k))
				}
			}
			return profile.Edge{Stats: profile.Stats{NCalls: ints[0], PCalls: ints[1], TotTime: nums[2], CumTime: nums[3]}}, nil
		}
	}
	return e, r.errAt(at, "caller numbers are %s, want a tuple (nc, cc, tt, ct) or a count", kindName(v.k))
}
