package sampler

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"hpp/internal/cpython"
)

// Thread names before 3.14. From 3.14 CPython gives each thread its
// threading name as its OS name too, and /proc's comm shows it; before,
// every thread is called after the executable. There the names are read
// where threading keeps them: sys.modules['threading']._active maps each
// thread's ident (PyThreadState.thread_id) to its Thread object, whose
// instance dict holds _name. Every step is checked (object types, sizes,
// lengths); any doubt gives no name, and the caller keeps comm's.

// Bounds on what a dict may hold here: sys.modules of a large program has
// a few thousand entries.
const (
	maxDictLog2    = 17
	maxDictEntries = 1 << 16
	maxDigits      = 3 // an ident is a pointer-sized unsigned: at most 64 bits in 30-bit digits
)

// Type flags (Include/object.h).
const (
	tpflagsInlineValues = 1 << 2 // 3.13+
	tpflagsManagedDict  = 1 << 4 // 3.11+
	tpflagsHeapType     = 1 << 9
)

// Where an instance of a class with a managed dict keeps it, before the
// object's GC header (Include/internal/pycore_object.h): 3.11 has the
// values pointer at -4 words and the dict at -3; 3.12 one word at -3
// that is either the dict or, tagged with its low bit, the values; 3.13
// the dict at -3, the values inline after the object's header.
const (
	managedDictBefore   = 3 * 8
	managedValuesBefore = 4 * 8 // 3.11
	dictValuesValid     = 3     // 3.13: struct _dictvalues' byte "valid"
)

// threadNames reads threading's names of the target's threads, by ident;
// nil when the target needs none (3.14+) or they could not be read.
func (t *Target) threadNames() map[uint64]string {
	if t.Minor >= 14 || !t.layout.Names() || t.dictType == 0 || t.longType == 0 || t.moduleType == 0 {
		return nil
	}
	if t.activeDict != 0 {
		// threading never rebinds _active: the dict found last time is
		// read again, and looked up anew only when it is no longer one.
		if names, err := t.namesIn(t.activeDict); err == nil {
			return names
		}
		t.activeDict = 0
	}
	active, err := t.findActive()
	if err != nil {
		return nil
	}
	names, err := t.namesIn(active)
	if err != nil {
		return nil
	}
	t.activeDict = active
	return names
}

// findActive finds threading._active through the main interpreter's
// sys.modules.
func (t *Target) findActive() (uint64, error) {
	interps, err := t.interpreters()
	if err != nil {
		return 0, err
	}
	modules, err := t.ptr(interps[0] + uint64(t.layout.InterpModules))
	if err != nil {
		return 0, err
	}
	mod, err := t.dictGet(modules, "threading")
	if err != nil {
		return 0, err
	}
	if err := t.isA(mod, t.moduleType); err != nil {
		return 0, err
	}
	md, err := t.ptr(mod + uint64(t.layout.ModuleDict))
	if err != nil {
		return 0, err
	}
	return t.dictGet(md, "_active")
}

// namesIn reads the ident → Thread dict threading._active and each
// Thread's _name. A thread whose name cannot be read is left out.
func (t *Target) namesIn(active uint64) (map[uint64]string, error) {
	items, err := t.dictItems(active)
	if err != nil {
		return nil, err
	}
	names := make(map[uint64]string, len(items))
	memo := map[uint64]int{} // shared keys → the entry holding "_name"
	for _, it := range items {
		ident, err := t.long(it.key)
		if err != nil {
			continue
		}
		p, err := t.instanceAttr(it.value, "_name", memo)
		if err != nil {
			continue
		}
		if s, err := t.str(p); err == nil && s != "" {
			names[ident] = s
		}
	}
	return names, nil
}

// isA checks that the object at p is of type tp (exactly).
func (t *Target) isA(p, tp uint64) error {
	if !plausible(p) {
		return fmt.Errorf("object at %#x", p)
	}
	ty, err := t.ptr(p + uint64(t.layout.ObjectType))
	if err != nil {
		return err
	}
	if ty != tp {
		return fmt.Errorf("object at %#x has type %#x, not %#x", p, ty, tp)
	}
	return nil
}

type dictItem struct{ key, value uint64 }

// dictItems reads a dict's items. A dict that got new keys while it was
// read (it grew) is refused.
func (t *Target) dictItems(d uint64) ([]dictItem, error) {
	l := t.layout
	if err := t.isA(d, t.dictType); err != nil {
		return nil, err
	}
	h, err := t.read(d, blockSize(l.DictKeys, l.DictValues))
	if err != nil {
		return nil, err
	}
	keys, values := u64(h, l.DictKeys), u64(h, l.DictValues)
	entries, err := t.keysEntries(keys)
	if err != nil {
		return nil, err
	}
	if values != 0 && len(entries) > 0 {
		// A split table: the values sit apart, in entry order.
		if !plausible(values) {
			return nil, fmt.Errorf("dict values at %#x", values)
		}
		vals, err := t.read(values+uint64(max(l.DictValuesValues, 0)), 8*int64(len(entries)))
		if err != nil {
			return nil, err
		}
		for i := range entries {
			entries[i].value = u64(vals, 8*int64(i))
		}
	}
	items := entries[:0]
	for _, e := range entries {
		if e.key != 0 && e.value != 0 {
			items = append(items, e)
		}
	}
	if again, err := t.ptr(d + uint64(l.DictKeys)); err != nil || again != keys {
		return nil, fmt.Errorf("dict at %#x changed while read", d)
	}
	return items, nil
}

// keysEntries reads the entries of a dict's keys object in order, each
// with its key and the value it holds (none in a split table), deleted and
// empty ones included.
func (t *Target) keysEntries(keys uint64) ([]dictItem, error) {
	l := t.layout
	if !plausible(keys) {
		return nil, fmt.Errorf("dict keys at %#x", keys)
	}
	h, err := t.read(keys, l.DictKeysIndices)
	if err != nil {
		return nil, err
	}
	var size, indexBytes int64
	esize, koff, voff := l.DictEntrySize, l.DictEntryKey, l.DictEntryValue
	if l.DictKeysSize != cpython.Absent {
		// ≤3.10: the index's width follows from the size.
		size = int64(u64(h, l.DictKeysSize))
		if size < 8 || size > 1<<maxDictLog2 || size&(size-1) != 0 {
			return nil, fmt.Errorf("dict keys at %#x: size %d", keys, size)
		}
		switch {
		case size <= 0xff:
			indexBytes = size
		case size <= 0xffff:
			indexBytes = 2 * size
		default:
			indexBytes = 4 * size
		}
	} else {
		log2, log2Index, kind := int64(h[l.DictKeysLog2Size]), int64(h[l.DictKeysLog2Index]), h[l.DictKeysKind]
		if log2 < 3 || log2 > maxDictLog2 || log2Index < log2 || log2Index > log2+3 {
			return nil, fmt.Errorf("dict keys at %#x: log2 size %d, index %d", keys, log2, log2Index)
		}
		size, indexBytes = 1<<log2, 1<<log2Index
		switch kind {
		case 0: // DICT_KEYS_GENERAL: hash, key, value
		case 1, 2: // DICT_KEYS_UNICODE, DICT_KEYS_SPLIT: key, value
			if l.DictUnicodeEntrySize == cpython.Absent {
				return nil, fmt.Errorf("dict keys at %#x: kind %d", keys, kind)
			}
			esize, koff, voff = l.DictUnicodeEntrySize, l.DictUnicodeEntryKey, l.DictUnicodeEntryVal
		default:
			return nil, fmt.Errorf("dict keys at %#x: kind %d", keys, kind)
		}
	}
	n := int64(u64(h, l.DictKeysNentries))
	if n < 0 || n > size || n > maxDictEntries {
		return nil, fmt.Errorf("dict keys at %#x: %d entries in %d", keys, n, size)
	}
	if n == 0 {
		return nil, nil
	}
	entries, err := t.read(keys+uint64(l.DictKeysIndices+indexBytes), n*esize)
	if err != nil {
		return nil, err
	}
	items := make([]dictItem, n)
	for i := range items {
		items[i] = dictItem{u64(entries, int64(i)*esize+koff), u64(entries, int64(i)*esize+voff)}
	}
	return items, nil
}

// dictGet returns the value of the str key name in dict d.
func (t *Target) dictGet(d uint64, name string) (uint64, error) {
	items, err := t.dictItems(d)
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		if t.strIs(it.key, name) {
			return it.value, nil
		}
	}
	return 0, fmt.Errorf("no %q in dict at %#x", name, d)
}

// strIs says whether the object at p is the str s. Most keys differ in
// length, which the object's header says, so they cost one read.
func (t *Target) strIs(p uint64, s string) bool {
	l := t.layout
	if !plausible(p) {
		return false
	}
	h, err := t.read(p, blockSize(l.ObjectType, l.UnicodeLength))
	if err != nil || u64(h, l.ObjectType) != t.unicodeType || int64(u64(h, l.UnicodeLength)) != int64(utf8.RuneCountInString(s)) {
		return false
	}
	got, err := t.str(p)
	return err == nil && got == s
}

// instanceAttr returns the value of attribute name in the instance dict
// of the object at obj, wherever the version keeps it. memo remembers,
// for the keys that instances of a class share, which entry holds name.
func (t *Target) instanceAttr(obj uint64, name string, memo map[uint64]int) (uint64, error) {
	l := t.layout
	if !plausible(obj) {
		return 0, fmt.Errorf("object at %#x", obj)
	}
	tp, err := t.ptr(obj + uint64(l.ObjectType))
	if err != nil {
		return 0, err
	}
	if !plausible(tp) {
		return 0, fmt.Errorf("type at %#x", tp)
	}
	th, err := t.read(tp, blockSize(l.TypeBasicSize, l.TypeDictOffset, l.TypeFlags, l.HeapTypeCachedKeys))
	if err != nil {
		return 0, err
	}
	flags := u64(th, l.TypeFlags)
	if flags&tpflagsHeapType == 0 {
		return 0, fmt.Errorf("type at %#x is not a class", tp)
	}
	if t.Minor <= 10 || flags&tpflagsManagedDict == 0 {
		off := int64(u64(th, l.TypeDictOffset))
		if off <= 0 || off > 1<<12 {
			return 0, fmt.Errorf("type at %#x: dict offset %d", tp, off)
		}
		d, err := t.ptr(obj + uint64(off))
		if err != nil {
			return 0, err
		}
		return t.dictGet(d, name)
	}
	shared := u64(th, l.HeapTypeCachedKeys)
	var values uint64
	switch t.Minor {
	case 11:
		if values, err = t.ptr(obj - managedValuesBefore); err != nil {
			return 0, err
		}
		if values == 0 {
			d, err := t.ptr(obj - managedDictBefore)
			if err != nil {
				return 0, err
			}
			return t.dictGet(d, name)
		}
	case 12:
		dv, err := t.ptr(obj - managedDictBefore)
		if err != nil {
			return 0, err
		}
		if dv&1 == 0 {
			return t.dictGet(dv, name)
		}
		values = dv + 1
	case 13:
		d, err := t.ptr(obj - managedDictBefore)
		if err != nil {
			return 0, err
		}
		if d != 0 {
			return t.dictGet(d, name)
		}
		basic := int64(u64(th, l.TypeBasicSize))
		if flags&tpflagsInlineValues == 0 || basic <= 0 || basic > 1<<12 {
			return 0, fmt.Errorf("object at %#x: no dict, no inline values", obj)
		}
		values = obj + uint64(basic)
		valid, err := t.read(values+dictValuesValid, 1)
		if err != nil {
			return 0, err
		}
		if valid[0] != 1 {
			return 0, fmt.Errorf("object at %#x: inline values not valid", obj)
		}
	default:
		return 0, fmt.Errorf("no managed dicts known for Python 3.%d", t.Minor)
	}
	return t.splitGet(shared, values, name, memo)
}

// splitGet returns the value of key name in a split table: keys shared by
// a class's instances, values of one instance.
func (t *Target) splitGet(keys, values uint64, name string, memo map[uint64]int) (uint64, error) {
	i, ok := memo[keys]
	if !ok {
		i = -1
		entries, err := t.keysEntries(keys)
		if err != nil {
			return 0, err
		}
		for j, e := range entries {
			if t.strIs(e.key, name) {
				i = j
				break
			}
		}
		memo[keys] = i
	}
	if i < 0 {
		return 0, fmt.Errorf("no %q in the keys at %#x", name, keys)
	}
	b, err := t.read(values+uint64(max(t.layout.DictValuesValues, 0))+uint64(8*i), 8)
	if err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(b)
	if v == 0 {
		return 0, fmt.Errorf("%q unset", name)
	}
	return v, nil
}

// long reads a non-negative int of at most 64 bits (a thread's ident).
func (t *Target) long(p uint64) (uint64, error) {
	l := t.layout
	if err := t.isA(p, t.longType); err != nil {
		return 0, err
	}
	var n int64
	if l.LongTag != cpython.Absent {
		// 3.12+: the digit count above three flag bits, whose low two are
		// the sign (0 positive, 1 zero, 2 negative).
		tag, err := t.ptr(p + uint64(l.LongTag))
		if err != nil {
			return 0, err
		}
		if tag&3 != 0 {
			return 0, fmt.Errorf("int at %#x: zero or negative", p)
		}
		n = int64(tag >> 3)
	} else {
		size, err := t.ptr(p + uint64(l.LongSize))
		if err != nil {
			return 0, err
		}
		n = int64(size) // negative for a negative int
	}
	if n <= 0 || n > maxDigits {
		return 0, fmt.Errorf("int at %#x: %d digits", p, n)
	}
	b, err := t.read(p+uint64(l.LongDigits), 4*n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		d := binary.LittleEndian.Uint32(b[4*i:])
		if d >= 1<<30 || (i == 2 && d >= 1<<4) {
			return 0, fmt.Errorf("int at %#x: digit %#x", p, d)
		}
		v = v<<30 | uint64(d)
	}
	return v, nil
}

// namer names a recording's threads: threading's names are read in the
// first round and again in each round where a thread id appears (an
// ident may be a new thread's, reused: names read earlier are not
// trusted for it). A thread caught between its start and its entry in
// threading._active gets comm's name at first, and threading's at a later
// try (after 16, 32, 64... rounds, 8 tries at most).
type namer struct {
	t      *Target
	names  map[uint64]string
	readIn int // 1 + the round names were read in; 0 before the first read
	late   map[uint64]*lateName
	next   int // the round of the next try for late names
	gap    int
}

type lateName struct {
	index int32 // into the recording's threads
	tries int
}

func newNamer(t *Target) *namer { return &namer{t: t, late: map[uint64]*lateName{}} }

// name returns threading's name of the thread ident, new in this round,
// or "" (then the caller names it from comm, and calls unnamed).
func (n *namer) name(ident uint64, round int) string {
	if n.readIn != round+1 {
		n.names, n.readIn = n.t.threadNames(), round+1
	}
	return n.names[ident]
}

// unnamed notes a thread named from comm, at index among the threads,
// for the tries of rename.
func (n *namer) unnamed(ident uint64, index int32, round int) {
	if n.t.Minor >= 14 || !n.t.layout.Names() {
		return
	}
	if len(n.late) == 0 {
		n.next, n.gap = round+16, 16
	}
	n.late[ident] = &lateName{index: index}
}

// rename gives threads named from comm their threading names once those
// can be read; set is called with each thread's index and name.
func (n *namer) rename(round int, set func(index int32, name string)) {
	if len(n.late) == 0 || round < n.next {
		return
	}
	n.names, n.readIn = n.t.threadNames(), round+1
	for ident, l := range n.late {
		if s, ok := n.names[ident]; ok {
			set(l.index, s)
			delete(n.late, ident)
		} else if l.tries++; l.tries >= 8 {
			delete(n.late, ident)
		}
	}
	n.gap *= 2
	n.next = round + n.gap
}

// reset forgets the threads waiting for names: a recording that flushed
// its profile starts its thread list again.
func (n *namer) reset() { clear(n.late) }
