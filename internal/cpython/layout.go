// Package cpython describes the memory layout of each CPython version that
// hpp's sampler reads: where the fields it follows sit in the interpreter's
// structs.
package cpython

import "slices"

//go:generate go run ./gen -o layouts_gen.go

// Absent marks a field that a version does not have.
const Absent = -1

// Layout holds byte offsets of the fields the sampler reads, for one minor
// version. Offsets are relative to the start of the named struct.
type Layout struct {
	Version string // the build the table was read from, e.g. "3.11.7"

	// _PyRuntimeState (3.7+).
	RuntimeInterpretersHead int64 // interpreters.head
	RuntimeTstateCurrent    int64 // gilstate.tstate_current (3.7–3.11)

	// PyInterpreterState.
	InterpNext        int64
	InterpThreadsHead int64 // tstate_head, threads.head from 3.12
	InterpCevalGIL    int64 // ceval.gil, a pointer to the GIL (3.12+)

	// struct _gil_runtime_state (3.12+).
	GILLocked     int64
	GILLastHolder int64

	// PyThreadState.
	TstateNext           int64
	TstateInterp         int64
	TstateFrame          int64 // frame (≤3.10), current_frame (3.13+)
	TstateCFrame         int64 // cframe (3.11–3.12)
	TstateThreadID       int64
	TstateNativeThreadID int64 // 3.11+
	TstateDatastackChunk int64 // 3.11+: the chunk of the data stack that holds the newest frames

	// _PyCFrame (3.11–3.12).
	CFrameCurrentFrame int64

	// PyFrameObject (≤3.10).
	FrameBack  int64
	FrameCode  int64
	FrameLasti int64
	// FrameState is f_executing (≤ 3.9: 1 while the frame runs) or
	// f_state (3.10: FRAME_EXECUTING 0, FRAME_UNWINDING 2 while it runs); a
	// frame freed or reused under a reader fails it.
	FrameState int64

	// _PyInterpreterFrame (3.11+).
	IFrameCode     int64 // f_code, f_executable from 3.13
	IFramePrevious int64
	IFrameInstr    int64 // prev_instr (3.11–3.12), instr_ptr (3.13+)
	IFrameOwner    int64 // 3.12+ (3.11 has owner too)

	// PyCodeObject.
	CodeFilename     int64
	CodeName         int64
	CodeQualname     int64 // 3.11+
	CodeFirstLineno  int64
	CodeLineTable    int64 // co_lnotab (≤3.9), co_linetable (3.10+)
	CodeCodeAdaptive int64 // 3.11+: the instructions, inline in the object

	// PyObject, PyBytesObject and the compact str layouts.
	ObjectType               int64
	BytesSize                int64
	BytesData                int64
	UnicodeLength            int64
	UnicodeState             int64
	ASCIIObjectSize          int64
	CompactUnicodeObjectSize int64

	// What naming threads takes before 3.14 (whose threads carry their
	// threading names as OS names): sys.modules['threading']._active maps
	// each thread's ident to its Thread object, whose instance dict holds
	// _name.
	InterpModules        int64 // modules (≤3.11), imports.modules (3.12+)
	ModuleDict           int64 // PyModuleObject.md_dict
	TypeBasicSize        int64 // PyTypeObject.tp_basicsize
	TypeDictOffset       int64 // tp_dictoffset: where an instance keeps its dict (≤3.10)
	TypeFlags            int64 // tp_flags: Py_TPFLAGS_MANAGED_DICT (3.11+), INLINE_VALUES (3.13+)
	HeapTypeCachedKeys   int64 // PyHeapTypeObject.ht_cached_keys: the keys its instances share
	DictKeys             int64 // PyDictObject.ma_keys
	DictValues           int64 // ma_values: a split table's values, kept outside the keys
	DictKeysSize         int64 // dk_size (≤3.10)
	DictKeysLog2Size     int64 // dk_log2_size (3.11+)
	DictKeysLog2Index    int64 // dk_log2_index_bytes (3.11+)
	DictKeysKind         int64 // dk_kind (3.11+): general, unicode or split
	DictKeysNentries     int64
	DictKeysIndices      int64 // dk_indices: the hash index, the entries follow it
	DictEntrySize        int64 // sizeof(PyDictKeyEntry): hash, key, value
	DictEntryKey         int64
	DictEntryValue       int64
	DictUnicodeEntrySize int64 // sizeof(PyDictUnicodeEntry) (3.11+): key, value
	DictUnicodeEntryKey  int64
	DictUnicodeEntryVal  int64
	DictValuesValues     int64 // struct _dictvalues.values (3.11+); ma_values is the array itself before
	LongSize             int64 // ob_size: the signed digit count (≤3.11)
	LongTag              int64 // long_value.lv_tag: digit count and sign (3.12+)
	LongDigits           int64 // the 30-bit digits, least significant first
}

// ForMinor returns the generated layout of a minor version ("3.11"), or
// false when hpp has none.
func ForMinor(minor string) (*Layout, bool) {
	l, ok := generated[minor]
	return l, ok
}

// Minors lists the minor versions with a generated table, oldest first.
func Minors() []string { return slices.Clone(generatedOrder) }
