package pstats

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	"hpp/internal/pyrepr"
)

// Marshal type codes (CPython Python/marshal.c).
const (
	tNull      = '0'
	tNone      = 'N'
	tFalse     = 'F'
	tTrue      = 'T'
	tStopIter  = 'S'
	tEllipsis  = '.'
	tInt       = 'i'
	tInt64     = 'I' // read-only, old writers
	tFloat     = 'f'
	tBinFloat  = 'g'
	tComplex   = 'x'
	tBinCmplx  = 'y'
	tLong      = 'l'
	tString    = 's' // bytes in Python 3, str in Python 2
	tInterned  = 't'
	tRef       = 'r'
	tTuple     = '('
	tSmallTup  = ')'
	tList      = '['
	tDict      = '{'
	tCode      = 'c'
	tUnicode   = 'u'
	tUnknown   = '?'
	tSet       = '<'
	tFrozenSet = '>'
	tASCII     = 'a'
	tASCIIInt  = 'A'
	tShortASC  = 'z'
	tShortASCI = 'Z'
	tStringRef = 'R' // Python 2: index into the interned strings
	tSlice     = ':' // Python 3.14
	flagRef    = 0x80
)

// maxDepth bounds nesting; CPython's own limit is 2000.
const maxDepth = 1000

// FormatError is a malformed or unsupported file, with the byte offset at
// which reading stopped.
type FormatError struct {
	Offset int
	Msg    string
	short  bool // the data ended before the object did: more might mend it
	need   int  // for short: at least this many bytes would be needed
}

func (e *FormatError) Error() string { return fmt.Sprintf("byte %d: %s", e.Offset, e.Msg) }

// kind is the kind of a decoded value.
type kind uint8

const (
	kNone kind = iota
	kBool
	kInt
	kBig
	kFloat
	kComplex
	kStr   // text
	kBytes // Python 3 bytes; Python 2 str is decoded as kStr
	kTuple
	kList
	kDict
	kSet
	kCode
	kFunc // a (file, line, name) key decoded into a FuncID
	kOther
	kPending // a reference reserved for an object still being read
	// Parts of a pstats entry that marshal wrote once and referred back
	// to (a tuple or dict object shared within the stats dict); the
	// payload indexes the reader's tables of them.
	kEdge    // a caller-numbers tuple (nc, cc, tt, ct)
	kEntry   // an entry tuple (cc, nc, tt, ct, callers)
	kCallers // a callers dict
)

// kinds is a set of kinds.
type kinds uint32

func (s kinds) has(k kind) bool { return s&(1<<k) != 0 }

// value is a decoded marshal object. Only rare paths (code objects, keys
// of unusual shape) build these; the pstats reader decodes the common
// shapes directly.
type value struct {
	k     kind
	i     int64   // kInt, kBool, kFunc (id)
	f     float64 // kFloat, kComplex (real part)
	s     string  // kStr, kBytes, kBig (decimal), kOther (repr), kCode (repr)
	items []value // kTuple, kList, kSet, kDict (key, value pairs)
	code  *codeInfo
}

type codeInfo struct {
	file, name string
	line       int64
}

// reprLimit bounds a rendered object: back-references can make a small
// file describe an object whose full repr is exponentially large.
const reprLimit = 200

// repr renders v roughly as Python's repr would, cut at reprLimit bytes.
func (v value) repr() string {
	var b strings.Builder
	v.reprTo(&b)
	if b.Len() > reprLimit {
		return b.String()[:reprLimit] + "..."
	}
	return b.String()
}

func (v value) reprTo(b *strings.Builder) {
	if b.Len() > reprLimit {
		return
	}
	switch v.k {
	case kNone:
		b.WriteString("None")
	case kBool:
		if v.i != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case kInt:
		b.WriteString(strconv.FormatInt(v.i, 10))
	case kBig, kOther:
		b.WriteString(v.s)
	case kFloat:
		b.WriteString(pyrepr.Float(v.f))
	case kComplex:
		b.WriteString("(" + pyrepr.Float(v.f) + "+...j)")
	case kStr:
		b.WriteString(pyrepr.Str(v.s))
	case kBytes:
		b.WriteString(pyrepr.Bytes(v.s))
	case kCode:
		fmt.Fprintf(b, "<code object %s, file \"%s\", line %d>", v.code.name, v.code.file, v.code.line)
	case kFunc:
		fmt.Fprintf(b, "<function #%d>", v.i)
	case kTuple, kList, kSet, kDict:
		open, close := "(", ")"
		switch v.k {
		case kList:
			open, close = "[", "]"
		case kSet, kDict:
			open, close = "{", "}"
		}
		b.WriteString(open)
		for i, it := range v.items {
			if b.Len() > reprLimit {
				return
			}
			if i > 0 {
				if v.k == kDict && i%2 == 1 {
					b.WriteString(": ")
				} else {
					b.WriteString(", ")
				}
			}
			it.reprTo(b)
		}
		if v.k == kTuple && len(v.items) == 1 {
			b.WriteString(",")
		}
		b.WriteString(close)
	default:
		b.WriteString("<?>")
	}
}

// ref is one entry of the back-reference table, packed in 8 bytes (kind
// in the low 5 bits, a signed payload above): files of 100k functions
// hold hundreds of thousands of them, looked up at random. The payload is
// the value of an int or bool, a FuncID, a string id, for a float the
// offset of its 8 bytes in the file (read again when referenced, which is
// rare, so that the many floats marked for reference cost nothing more),
// or an index into decoder.objs for anything else.
type ref uint64

const kindBits = 5

// kBoxed marks a ref whose value sits in decoder.objs (an int too large
// for the payload).
const kBoxed kind = 1<<kindBits - 1

func mkref(k kind, i int64) ref { return ref(uint64(i)<<kindBits | uint64(k)) }

func (r ref) kind() kind { return kind(r & (1<<kindBits - 1)) }
func (r ref) val() int64 { return int64(r) >> kindBits }

// fits reports whether i survives packing into a ref.
func fits(i int64) bool { return i<<kindBits>>kindBits == i }

// floatAt reads the binary float at off.
func (d *decoder) floatAt(off int64) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(d.buf[off:]))
}

// decoder reads marshal data from a byte slice.
type decoder struct {
	buf     []byte
	off     int
	depth   int
	refs    []ref
	objs    []value // values behind refs of uncommon kinds
	interns []int32 // ids of Python 2 interned strings, for 'R'
	// Strings are stored once; equal strings share an id, so that function
	// keys compare as small integers.
	strTable
	text []byte // the block copyString is filling
	// code object layout: -1 unknown; otherwise an index into codeLayouts.
	layout  int
	inTrial bool
	slow    value // refOrValue's result
}

// newDecoder returns a decoder for buf sized for about n strings.
func newDecoder(buf []byte, n int) *decoder {
	d := &decoder{buf: buf, layout: -1}
	d.strTable.init(n)
	return d
}

func (d *decoder) errf(format string, args ...any) error {
	return &FormatError{Offset: d.off, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) errAt(off int, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) truncated(what string) error {
	return d.shortAt(d.off, len(d.buf)+1, "file ends inside %s (truncated?)", what)
}

// shortAt is errAt for data that ends too soon, but would hold the object
// if it had need bytes.
func (d *decoder) shortAt(off, need int, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...), short: true, need: need}
}

func (d *decoder) byte1(what string) (byte, error) {
	if d.off >= len(d.buf) {
		return 0, d.truncated(what)
	}
	b := d.buf[d.off]
	d.off++
	return b, nil
}

func (d *decoder) int32(what string) (int32, error) {
	if len(d.buf)-d.off < 4 {
		return 0, d.truncated(what)
	}
	v := int32(binary.LittleEndian.Uint32(d.buf[d.off:]))
	d.off += 4
	return v, nil
}

// bytes returns the next n bytes, refusing lengths the file cannot hold.
func (d *decoder) bytes(n int64, what string) ([]byte, error) {
	if n < 0 {
		return nil, d.errf("negative length %d for %s", n, what)
	}
	if n > int64(len(d.buf)-d.off) {
		return nil, d.shortAt(d.off, d.off+int(n), "%s of %d bytes, but only %d bytes are left (truncated?)", what, n, len(d.buf)-d.off)
	}
	b := d.buf[d.off : d.off+int(n)]
	d.off += int(n)
	return b, nil
}

// count reads an item count and checks that the rest of the file could
// hold that many items (each takes at least one byte).
func (d *decoder) count(what string) (int, error) {
	at := d.off
	n, err := d.int32(what + " length")
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, d.errAt(at, "negative length %d for %s", n, what)
	}
	if int(n) > len(d.buf)-d.off {
		return 0, d.shortAt(at, d.off+int(n), "%s of %d items, but only %d bytes are left (truncated?)", what, n, len(d.buf)-d.off)
	}
	return int(n), nil
}

// intern returns the string b holds and its id.
func (d *decoder) intern(b []byte) (string, int32) {
	h := maphash.Bytes(d.seed, b)
	// string(b) would copy names longer than 32 bytes (most file paths)
	// to the heap on every lookup; find only compares with it.
	if id := d.find(h, unsafe.String(unsafe.SliceData(b), len(b))); id >= 0 {
		return d.strs[id], id
	}
	s := d.copyString(b)
	return s, d.add(h, s)
}

// copyString copies b into a string carved from a shared block, to spare
// the allocator one object per function name.
func (d *decoder) copyString(b []byte) string {
	const block = 64 << 10
	if len(b) == 0 {
		return ""
	}
	if len(b) > block/8 {
		return string(b)
	}
	if cap(d.text)-len(d.text) < len(b) {
		d.text = make([]byte, 0, block)
	}
	start := len(d.text)
	d.text = append(d.text, b...)
	// The block's bytes are never written again once appended, which is
	// what makes sharing them as a string safe.
	return unsafe.String(&d.text[start], len(b))
}

func (d *decoder) internString(s string) (string, int32) {
	h := maphash.String(d.seed, s)
	if id := d.find(h, s); id >= 0 {
		return d.strs[id], id
	}
	return s, d.add(h, s)
}

// strTable gives each distinct string an id: open addressing over ids,
// about 8 bytes a string where a map takes about 30, and faster, on the
// hundred thousand names of a large profile.
type strTable struct {
	seed  maphash.Seed
	slots []int32 // id+1 of the string hashed there; 0 is empty
	strs  []string
}

func (t *strTable) init(n int) {
	t.seed = maphash.MakeSeed()
	t.slots = make([]int32, 1<<bits.Len(uint(n+n/2+15))) // grows past half full
	t.strs = make([]string, 0, n)
}

// find returns the id of s, whose hash is h, or -1.
func (t *strTable) find(h uint64, s string) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		id := t.slots[i] - 1
		if id < 0 {
			return -1
		}
		if t.strs[id] == s {
			return id
		}
	}
}

// add stores s, which find did not find, and returns its new id.
func (t *strTable) add(h uint64, s string) int32 {
	id := int32(len(t.strs))
	t.strs = append(t.strs, s)
	if 2*len(t.strs) > len(t.slots) {
		t.slots = make([]int32, 2*len(t.slots))
		for j, s := range t.strs {
			t.put(maphash.String(t.seed, s), int32(j))
		}
		return id
	}
	t.put(h, id)
	return id
}

func (t *strTable) put(h uint64, id int32) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = id + 1
}

// header reads a type byte. With FLAG_REF set it reserves a reference
// slot and returns its index, else -1.
func (d *decoder) header(what string) (typ byte, slot int, err error) {
	b, err := d.byte1(what)
	if err != nil {
		return 0, -1, err
	}
	slot = -1
	if b&flagRef != 0 {
		slot = len(d.refs)
		d.refs = append(d.refs, mkref(kPending, 0))
	}
	return b &^ flagRef, slot, nil
}

// deref returns the object behind a 'r' reference.
func (d *decoder) deref() (ref, error) {
	at := d.off - 1
	n, err := d.int32("reference")
	if err != nil {
		return 0, err
	}
	if n < 0 || int(n) >= len(d.refs) {
		return 0, d.errAt(at, "reference to object %d, but only %d were stored", n, len(d.refs))
	}
	r := d.refs[n]
	if r.kind() == kPending {
		return 0, d.errAt(at, "reference to object %d, which is still being read (a cycle)", n)
	}
	return r, nil
}

func (d *decoder) setRef(slot int, r ref) {
	if slot >= 0 {
		d.refs[slot] = r
	}
}

// refValue turns a reference entry back into a value.
func (d *decoder) refValue(r ref) value {
	switch r.kind() {
	case kInt, kBool, kFunc:
		return value{k: r.kind(), i: r.val()}
	case kFloat:
		return value{k: kFloat, f: d.floatAt(r.val())}
	case kStr, kBytes:
		return value{k: r.kind(), s: d.strs[r.val()]}
	case kEdge:
		return value{k: kOther, s: "(nc, cc, tt, ct)"}
	case kEntry:
		return value{k: kOther, s: "(cc, nc, tt, ct, callers)"}
	case kCallers:
		return value{k: kOther, s: "{callers}"}
	}
	return d.objs[r.val()]
}

// refOrValue reads the rest of an object whose type byte typ the
// caller's own fast path did not take. A back-reference to an object of
// one of the kinds in fast comes back as its ref alone, with v nil, for
// the caller to use without building a value: small ints, floats and file
// names are shared, so most numbers and keys come so, and this is the
// reader's hottest path. Anything else is decoded into v, which points
// into the decoder and holds until the next call.
func (d *decoder) refOrValue(typ byte, slot, at int, fast kinds) (r ref, v *value, err error) {
	if typ == tRef && len(d.buf)-d.off >= 4 {
		// A pending ref is never of a kind in fast: no cycle to check.
		if n := binary.LittleEndian.Uint32(d.buf[d.off:]); uint64(n) < uint64(len(d.refs)) && fast.has(d.refs[n].kind()) {
			d.off += 4
			return d.refs[n], nil, nil
		}
	}
	if typ == tRef {
		if r, err = d.deref(); err != nil {
			return 0, nil, err
		}
		d.slow = d.refValue(r)
	} else if d.slow, err = d.body(typ, slot, at); err != nil {
		return 0, nil, err
	}
	return r, &d.slow, nil
}

// tupleLen reads the length of a tuple whose type byte typ has been read:
// one byte for a small tuple, else a count the rest of the data can hold.
func (d *decoder) tupleLen(typ byte, what string) (int, error) {
	if typ == tSmallTup {
		b, err := d.byte1(what)
		return int(b), err
	}
	return d.count(what)
}

// storeValue records v under slot, compactly where it can.
func (d *decoder) storeValue(slot int, v value) {
	if slot < 0 {
		return
	}
	switch v.k {
	case kInt, kBool, kFunc:
		if !fits(v.i) {
			d.refs[slot] = mkref(kBoxed, int64(len(d.objs)))
			d.objs = append(d.objs, v)
			return
		}
		d.refs[slot] = mkref(v.k, v.i)
	case kFloat:
		d.refs[slot] = mkref(kBoxed, int64(len(d.objs)))
		d.objs = append(d.objs, v)
	case kStr, kBytes:
		_, id := d.internString(v.s)
		d.refs[slot] = mkref(v.k, int64(id))
	default:
		d.refs[slot] = mkref(kBoxed, int64(len(d.objs)))
		d.objs = append(d.objs, v)
	}
}

// stringBody reads the body of a string-like object of type typ.
// ok is false when typ is not a string type.
func (d *decoder) stringBody(typ byte) (s string, id int32, k kind, ok bool, err error) {
	switch typ {
	case tUnicode, tInterned, tASCII, tASCIIInt, tString:
		n, err := d.int32("string length")
		if err != nil {
			return "", 0, 0, true, err
		}
		b, err := d.bytes(int64(n), "string")
		if err != nil {
			return "", 0, 0, true, err
		}
		s, id = d.intern(b)
		k = kStr
		if typ == tString {
			k = kBytes // Python 3 bytes, or a Python 2 str
		}
		if typ == tInterned {
			d.interns = append(d.interns, id)
		}
		return s, id, k, true, nil
	case tShortASC, tShortASCI:
		n, err := d.byte1("string length")
		if err != nil {
			return "", 0, 0, true, err
		}
		b, err := d.bytes(int64(n), "string")
		if err != nil {
			return "", 0, 0, true, err
		}
		s, id = d.intern(b)
		return s, id, kStr, true, nil
	case tStringRef:
		at := d.off - 1
		n, err := d.int32("string reference")
		if err != nil {
			return "", 0, 0, true, err
		}
		if n < 0 || int(n) >= len(d.interns) {
			return "", 0, 0, true, d.errAt(at, "reference to interned string %d, but only %d were stored", n, len(d.interns))
		}
		id = d.interns[n]
		return d.strs[id], id, kStr, true, nil
	}
	return "", 0, 0, false, nil
}

// readLong decodes a 'l' long: a signed count of 15-bit digits.
func (d *decoder) readLong() (value, error) {
	at := d.off - 1
	n, err := d.int32("long length")
	if err != nil {
		return value{}, err
	}
	neg := n < 0
	size := int64(n)
	if neg {
		size = -size
	}
	b, err := d.bytes(size*2, "long")
	if err != nil {
		return value{}, err
	}
	var acc uint64
	fits := size <= 5 // 75 bits of digits may still hold an int64
	for i := size - 1; i >= 0; i-- {
		dig := uint64(binary.LittleEndian.Uint16(b[2*i:]))
		if dig > 0x7fff {
			return value{}, d.errAt(at, "long digit out of range")
		}
		if fits {
			if acc > (math.MaxUint64-dig)>>15 {
				fits = false
			} else {
				acc = acc<<15 | dig
			}
		}
	}
	if fits && acc <= math.MaxInt64 {
		v := int64(acc)
		if neg {
			v = -v
		}
		return value{k: kInt, i: v}, nil
	}
	if fits && neg && acc == 1<<63 {
		return value{k: kInt, i: math.MinInt64}, nil
	}
	z := new(big.Int)
	for i := size - 1; i >= 0; i-- {
		z.Lsh(z, 15)
		z.Or(z, big.NewInt(int64(binary.LittleEndian.Uint16(b[2*i:]))))
	}
	if neg {
		z.Neg(z)
	}
	f, _ := new(big.Float).SetInt(z).Float64()
	return value{k: kBig, s: z.String(), f: f}, nil
}

func (d *decoder) textFloat() (float64, error) {
	n, err := d.byte1("float length")
	if err != nil {
		return 0, err
	}
	at := d.off
	b, err := d.bytes(int64(n), "float")
	if err != nil {
		return 0, err
	}
	f, perr := strconv.ParseFloat(string(b), 64)
	if perr != nil {
		return 0, d.errAt(at, "bad float %q", b)
	}
	return f, nil
}

func (d *decoder) binFloat() (float64, error) {
	if len(d.buf)-d.off < 8 {
		return 0, d.truncated("float")
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.off:]))
	d.off += 8
	return f, nil
}

// value decodes any marshal object.
func (d *decoder) value() (value, error) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return value{}, d.errf("objects nested more than %d deep", maxDepth)
	}
	start := d.off
	typ, slot, err := d.header("object")
	if err != nil {
		return value{}, err
	}
	return d.body(typ, slot, start)
}

// body decodes an object whose type byte has been read.
func (d *decoder) body(typ byte, slot, start int) (value, error) {
	if s, id, k, ok, err := d.stringBody(typ); ok {
		if err != nil {
			return value{}, err
		}
		d.setRef(slot, mkref(k, int64(id)))
		return value{k: k, s: s}, nil
	}
	var v value
	var err error
	switch typ {
	case tNull:
		return value{}, d.errAt(start, "unexpected end-of-dict marker")
	case tNone:
		v = value{k: kNone}
	case tFalse:
		v = value{k: kBool}
	case tTrue:
		v = value{k: kBool, i: 1}
	case tStopIter:
		v = value{k: kOther, s: "StopIteration"}
	case tEllipsis:
		v = value{k: kOther, s: "Ellipsis"}
	case tInt:
		n, err := d.int32("int")
		if err != nil {
			return value{}, err
		}
		v = value{k: kInt, i: int64(n)}
	case tInt64:
		if len(d.buf)-d.off < 8 {
			return value{}, d.truncated("int64")
		}
		v = value{k: kInt, i: int64(binary.LittleEndian.Uint64(d.buf[d.off:]))}
		d.off += 8
	case tLong:
		if v, err = d.readLong(); err != nil {
			return value{}, err
		}
	case tFloat:
		f, err := d.textFloat()
		if err != nil {
			return value{}, err
		}
		v = value{k: kFloat, f: f}
	case tBinFloat:
		f, err := d.binFloat()
		if err != nil {
			return value{}, err
		}
		v = value{k: kFloat, f: f}
	case tComplex:
		re, err := d.textFloat()
		if err != nil {
			return value{}, err
		}
		if _, err := d.textFloat(); err != nil {
			return value{}, err
		}
		v = value{k: kComplex, f: re}
	case tBinCmplx:
		re, err := d.binFloat()
		if err != nil {
			return value{}, err
		}
		if _, err := d.binFloat(); err != nil {
			return value{}, err
		}
		v = value{k: kComplex, f: re}
	case tRef:
		r, err := d.deref()
		if err != nil {
			return value{}, err
		}
		return d.refValue(r), nil
	case tTuple, tSmallTup, tList, tSet, tFrozenSet:
		n, err := d.tupleLen(typ, "sequence")
		if err != nil {
			return value{}, err
		}
		if n > len(d.buf)-d.off {
			return value{}, d.shortAt(d.off, d.off+n, "sequence of %d items, but only %d bytes are left (truncated?)", n, len(d.buf)-d.off)
		}
		k := kTuple
		switch typ {
		case tList:
			k = kList
		case tSet, tFrozenSet:
			k = kSet
		}
		// Grow as items arrive rather than trusting n: a value is far
		// larger than the one byte an item may take in the file.
		items := make([]value, 0, min(n, 16))
		for i := 0; i < n; i++ {
			it, err := d.value()
			if err != nil {
				return value{}, err
			}
			items = append(items, it)
		}
		v = value{k: k, items: items}
	case tDict:
		var items []value
		for {
			if d.off >= len(d.buf) {
				return value{}, d.truncated("dict")
			}
			if d.buf[d.off] == tNull {
				d.off++
				break
			}
			key, err := d.value()
			if err != nil {
				return value{}, err
			}
			val, err := d.value()
			if err != nil {
				return value{}, err
			}
			items = append(items, key, val)
		}
		v = value{k: kDict, items: items}
	case tCode:
		c, err := d.code()
		if err != nil {
			return value{}, err
		}
		v = value{k: kCode, code: c}
	case tSlice:
		for i := 0; i < 3; i++ {
			if _, err := d.value(); err != nil {
				return value{}, err
			}
		}
		v = value{k: kOther, s: "slice(...)"}
	case tUnknown:
		return value{}, d.errAt(start, "object of unknown type ('?')")
	default:
		return value{}, d.errAt(start, "unknown marshal type code 0x%02x", typ)
	}
	d.storeValue(slot, v)
	return v, nil
}

// Code object layouts: which fields are raw int32s ('i') and which are
// objects ('o'), and where filename, name and firstlineno sit.
type codeLayout struct {
	name   string
	fields string
	// positions in fields of filename, name, firstlineno, co_code, consts,
	// and two more fields that must be tuples (t1) and a field that must
	// be a tuple (py3.6-3.10 freevars) or bytes (3.11+ localspluskinds).
	file, fname, line, code, consts, names int
	check                                  int
	checkKind                              kind
}

var codeLayouts = []codeLayout{
	// 3.11–3.13: argcount posonly kwonly stacksize flags | code consts names
	// localsplusnames localspluskinds filename name qualname | firstlineno |
	// linetable exceptiontable
	{"3.11+", "iiiiiooooooooioo", 10, 11, 13, 5, 6, 7, 9, kBytes},
	// 3.8–3.10: argcount posonly kwonly nlocals stacksize flags | code consts
	// names varnames freevars cellvars filename name | firstlineno | lnotab
	{"3.8-3.10", "iiiiiiooooooooio", 12, 13, 14, 6, 7, 8, 10, kTuple},
	// 3.0–3.7: argcount kwonly nlocals stacksize flags | code consts names
	// varnames freevars cellvars filename name | firstlineno | lnotab
	{"3.0-3.7", "iiiiiooooooooio", 11, 12, 13, 5, 6, 7, 9, kTuple},
	// 2.7: argcount nlocals stacksize flags | code consts names varnames
	// freevars cellvars filename name | firstlineno | lnotab
	{"2.7", "iiiiooooooooio", 10, 11, 12, 4, 5, 6, 8, kTuple},
}

// code reads a code object after its type byte. The marshal stream does
// not say which Python wrote it, so the first code object is tried against
// each layout and the one whose fields have the right types is kept for
// the rest of the file.
func (d *decoder) code() (*codeInfo, error) {
	if d.layout >= 0 || d.inTrial {
		return d.codeAs(codeLayouts[d.layout])
	}
	start, nrefs, nint := d.off, len(d.refs), len(d.interns)
	nobjs := len(d.objs)
	var firstErr error
	for i, l := range codeLayouts {
		d.off = start
		d.refs, d.interns, d.objs = d.refs[:nrefs], d.interns[:nint], d.objs[:nobjs]
		d.layout, d.inTrial = i, true
		c, err := d.codeAs(l)
		d.inTrial = false
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	d.layout = -1
	return nil, firstErr
}

func (d *decoder) codeAs(l codeLayout) (*codeInfo, error) {
	at := d.off - 1
	c := &codeInfo{}
	for i := 0; i < len(l.fields); i++ {
		if l.fields[i] == 'i' {
			n, err := d.int32("code object")
			if err != nil {
				return nil, err
			}
			if i == l.line {
				c.line = int64(n)
			}
			continue
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		bad := false
		switch i {
		case l.file:
			bad = v.k != kStr && v.k != kBytes
			c.file = v.s
		case l.fname:
			bad = v.k != kStr && v.k != kBytes
			c.name = v.s
		case l.code:
			bad = v.k != kBytes && v.k != kStr
		case l.consts, l.names:
			bad = v.k != kTuple
		case l.check:
			bad = v.k != l.checkKind && !(l.checkKind == kBytes && v.k == kStr)
		}
		if bad {
			return nil, d.errAt(at, "code object does not match the layout of Python %s", l.name)
		}
	}
	return c, nil
}
