package cpython

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
)

// DebugCookie opens the _Py_DebugOffsets table that CPython 3.13 and later
// keep at the start of _PyRuntime for out-of-process tools.
const DebugCookie = "xdebugpy"

// DebugOffsetsSize is how many bytes of _PyRuntime ParseDebugOffsets needs:
// enough for the largest known shape.
const DebugOffsetsSize = 8 * 128

// DebugOffsets is what the table says about the interpreter besides the
// offsets.
type DebugOffsets struct {
	Version      uint64 // PY_VERSION_HEX: 0x030D00F0 is 3.13.0 final
	FreeThreaded bool
}

// Minor returns "3.13" for the table's version.
func (d DebugOffsets) Minor() string {
	return fmt.Sprintf("%d.%d", d.Version>>24, (d.Version>>16)&0xff)
}

// Patch returns "3.13.0" for the table's version.
func (d DebugOffsets) Patch() string {
	return fmt.Sprintf("%d.%d.%d", d.Version>>24, (d.Version>>16)&0xff, (d.Version>>8)&0xff)
}

// ErrNoDebugOffsets says that b does not start with the cookie.
type ErrNoDebugOffsets struct{}

func (ErrNoDebugOffsets) Error() string { return "no _Py_DebugOffsets cookie at _PyRuntime" }

// debugShapes lists, per minor version, the 64-bit words of
// _Py_DebugOffsets in order, named "section.field" as in CPython's
// header (Include/internal/pycore_runtime.h in 3.13,
// pycore_debug_offsets.h from 3.14). The shape is fixed within a minor
// version only, so each minor needs its list; a patch release needs
// nothing.
var debugShapes = map[string][]string{
	"3.13": {
		"cookie", "version", "free_threaded", "runtime_state.size",
		"runtime_state.finalizing", "runtime_state.interpreters_head", "interpreter_state.size", "interpreter_state.id",
		"interpreter_state.next", "interpreter_state.threads_head", "interpreter_state.gc", "interpreter_state.imports_modules",
		"interpreter_state.sysdict", "interpreter_state.builtins", "interpreter_state.ceval_gil", "interpreter_state.gil_runtime_state",
		"interpreter_state.gil_runtime_state_enabled", "interpreter_state.gil_runtime_state_locked", "interpreter_state.gil_runtime_state_holder", "thread_state.size",
		"thread_state.prev", "thread_state.next", "thread_state.interp", "thread_state.current_frame",
		"thread_state.thread_id", "thread_state.native_thread_id", "thread_state.datastack_chunk", "thread_state.status",
		"interpreter_frame.size", "interpreter_frame.previous", "interpreter_frame.executable", "interpreter_frame.instr_ptr",
		"interpreter_frame.localsplus", "interpreter_frame.owner", "code_object.size", "code_object.filename",
		"code_object.name", "code_object.qualname", "code_object.linetable", "code_object.firstlineno",
		"code_object.argcount", "code_object.localsplusnames", "code_object.localspluskinds", "code_object.co_code_adaptive",
		"pyobject.size", "pyobject.ob_type", "type_object.size", "type_object.tp_name",
		"type_object.tp_repr", "type_object.tp_flags", "tuple_object.size", "tuple_object.ob_item",
		"tuple_object.ob_size", "list_object.size", "list_object.ob_item", "list_object.ob_size",
		"dict_object.size", "dict_object.ma_keys", "dict_object.ma_values", "float_object.size",
		"float_object.ob_fval", "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
		"bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval", "unicode_object.size",
		"unicode_object.state", "unicode_object.length", "unicode_object.asciiobject_size", "gc.size",
		"gc.collecting",
	},
	"3.14": {
		"cookie", "version", "free_threaded", "runtime_state.size",
		"runtime_state.finalizing", "runtime_state.interpreters_head", "interpreter_state.size", "interpreter_state.id",
		"interpreter_state.next", "interpreter_state.threads_head", "interpreter_state.threads_main", "interpreter_state.gc",
		"interpreter_state.imports_modules", "interpreter_state.sysdict", "interpreter_state.builtins", "interpreter_state.ceval_gil",
		"interpreter_state.gil_runtime_state", "interpreter_state.gil_runtime_state_enabled", "interpreter_state.gil_runtime_state_locked", "interpreter_state.gil_runtime_state_holder",
		"interpreter_state.code_object_generation", "interpreter_state.tlbc_generation", "thread_state.size", "thread_state.prev",
		"thread_state.next", "thread_state.interp", "thread_state.current_frame", "thread_state.thread_id",
		"thread_state.native_thread_id", "thread_state.datastack_chunk", "thread_state.status", "interpreter_frame.size",
		"interpreter_frame.previous", "interpreter_frame.executable", "interpreter_frame.instr_ptr", "interpreter_frame.localsplus",
		"interpreter_frame.owner", "interpreter_frame.stackpointer", "interpreter_frame.tlbc_index", "code_object.size",
		"code_object.filename", "code_object.name", "code_object.qualname", "code_object.linetable",
		"code_object.firstlineno", "code_object.argcount", "code_object.localsplusnames", "code_object.localspluskinds",
		"code_object.co_code_adaptive", "code_object.co_tlbc", "pyobject.size", "pyobject.ob_type",
		"type_object.size", "type_object.tp_name", "type_object.tp_repr", "type_object.tp_flags",
		"tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size", "list_object.size",
		"list_object.ob_item", "list_object.ob_size", "set_object.size", "set_object.used",
		"set_object.table", "set_object.mask", "dict_object.size", "dict_object.ma_keys",
		"dict_object.ma_values", "float_object.size", "float_object.ob_fval", "long_object.size",
		"long_object.lv_tag", "long_object.ob_digit", "bytes_object.size", "bytes_object.ob_size",
		"bytes_object.ob_sval", "unicode_object.size", "unicode_object.state", "unicode_object.length",
		"unicode_object.asciiobject_size", "gc.size", "gc.collecting", "gen_object.size",
		"gen_object.gi_name", "gen_object.gi_iframe", "gen_object.gi_frame_state", "llist_node.next",
		"llist_node.prev", "debugger_support.eval_breaker", "debugger_support.remote_debugger_support", "debugger_support.remote_debugging_enabled",
		"debugger_support.debugger_pending_call", "debugger_support.debugger_script_path", "debugger_support.debugger_script_path_size",
	},
	"3.15": {
		"cookie", "version", "free_threaded", "runtime_state.size",
		"runtime_state.finalizing", "runtime_state.interpreters_head", "interpreter_state.size", "interpreter_state.id",
		"interpreter_state.next", "interpreter_state.threads_head", "interpreter_state.threads_main", "interpreter_state.gc",
		"interpreter_state.imports_modules", "interpreter_state.sysdict", "interpreter_state.builtins", "interpreter_state.ceval_gil",
		"interpreter_state.gil_runtime_state", "interpreter_state.gil_runtime_state_enabled", "interpreter_state.gil_runtime_state_locked", "interpreter_state.gil_runtime_state_holder",
		"interpreter_state.code_object_generation", "interpreter_state.tlbc_generation", "thread_state.size", "thread_state.prev",
		"thread_state.next", "thread_state.interp", "thread_state.current_frame", "thread_state.base_frame",
		"thread_state.last_profiled_frame", "thread_state.last_profiled_frame_seq", "thread_state.thread_id", "thread_state.native_thread_id",
		"thread_state.datastack_chunk", "thread_state.status", "thread_state.holds_gil", "thread_state.gil_requested",
		"thread_state.current_exception", "thread_state.exc_state", "err_stackitem.exc_value", "interpreter_frame.size",
		"interpreter_frame.previous", "interpreter_frame.executable", "interpreter_frame.instr_ptr", "interpreter_frame.localsplus",
		"interpreter_frame.owner", "interpreter_frame.stackpointer", "interpreter_frame.tlbc_index", "code_object.size",
		"code_object.filename", "code_object.name", "code_object.qualname", "code_object.linetable",
		"code_object.firstlineno", "code_object.argcount", "code_object.localsplusnames", "code_object.localspluskinds",
		"code_object.co_code_adaptive", "code_object.co_tlbc", "pyobject.size", "pyobject.ob_type",
		"type_object.size", "type_object.tp_name", "type_object.tp_repr", "type_object.tp_flags",
		"type_object.tp_basicsize", "type_object.tp_dictoffset", "heap_type_object.size", "heap_type_object.ht_cached_keys",
		"tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size", "list_object.size",
		"list_object.ob_item", "list_object.ob_size", "set_object.size", "set_object.used",
		"set_object.table", "set_object.mask", "dict_object.size", "dict_object.ma_keys",
		"dict_object.ma_values", "float_object.size", "float_object.ob_fval", "long_object.size",
		"long_object.lv_tag", "long_object.ob_digit", "bytes_object.size", "bytes_object.ob_size",
		"bytes_object.ob_sval", "unicode_object.size", "unicode_object.state", "unicode_object.length",
		"unicode_object.asciiobject_size", "unicode_object.compactunicodeobject_size", "gc.size", "gc.collecting",
		"gc.frame", "gc.generation_stats_size", "gc.generation_stats", "gen_object.size",
		"gen_object.gi_name", "gen_object.gi_iframe", "gen_object.gi_frame_state", "llist_node.next",
		"llist_node.prev", "debugger_support.eval_breaker", "debugger_support.remote_debugger_support", "debugger_support.remote_debugging_enabled",
		"debugger_support.debugger_pending_call", "debugger_support.debugger_script_path", "debugger_support.debugger_script_path_size",
	},
}

// DebugMinors lists the minor versions whose table shape is known.
func DebugMinors() []string { return []string{"3.13", "3.14", "3.15"} }

// ParseDebugOffsets reads the _Py_DebugOffsets table at the start of b, a
// copy of the target's _PyRuntime, into a Layout.
func ParseDebugOffsets(b []byte) (*Layout, DebugOffsets, error) {
	var d DebugOffsets
	if len(b) < 24 || string(b[:8]) != DebugCookie {
		return nil, d, ErrNoDebugOffsets{}
	}
	d.Version = binary.LittleEndian.Uint64(b[8:])
	d.FreeThreaded = binary.LittleEndian.Uint64(b[16:]) != 0
	shape, ok := debugShapes[d.Minor()]
	if !ok {
		return nil, d, fmt.Errorf("_Py_DebugOffsets of Python %s: hpp knows the table of %s only", d.Patch(), strings.Join(DebugMinors(), ", "))
	}
	if len(b) < 8*len(shape) {
		return nil, d, fmt.Errorf("_Py_DebugOffsets of Python %s: table cut short", d.Patch())
	}
	index := make(map[string]int, len(shape))
	for i, name := range shape {
		index[name] = i
	}
	missing := ""
	u := func(name string) int64 {
		i, ok := index[name]
		if !ok {
			missing = name
			return Absent
		}
		return int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	// Not every version has the size of PyCompactUnicodeObject in the
	// table: a compact non-ASCII str adds utf8_length and utf8 to
	// PyASCIIObject.
	compact := u("unicode_object.asciiobject_size") + 16
	if _, ok := index["unicode_object.compactunicodeobject_size"]; ok {
		compact = u("unicode_object.compactunicodeobject_size")
	}
	gil := u("interpreter_state.gil_runtime_state")
	l := &Layout{
		Version:                  d.Patch(),
		RuntimeInterpretersHead:  u("runtime_state.interpreters_head"),
		RuntimeTstateCurrent:     Absent,
		InterpNext:               u("interpreter_state.next"),
		InterpThreadsHead:        u("interpreter_state.threads_head"),
		InterpCevalGIL:           u("interpreter_state.ceval_gil"),
		GILLocked:                u("interpreter_state.gil_runtime_state_locked") - gil,
		GILLastHolder:            u("interpreter_state.gil_runtime_state_holder") - gil,
		TstateNext:               u("thread_state.next"),
		TstateInterp:             u("thread_state.interp"),
		TstateFrame:              u("thread_state.current_frame"),
		TstateCFrame:             Absent,
		TstateThreadID:           u("thread_state.thread_id"),
		TstateNativeThreadID:     u("thread_state.native_thread_id"),
		TstateDatastackChunk:     u("thread_state.datastack_chunk"),
		CFrameCurrentFrame:       Absent,
		FrameBack:                Absent,
		FrameCode:                Absent,
		FrameLasti:               Absent,
		FrameState:               Absent,
		IFramePrevious:           u("interpreter_frame.previous"),
		IFrameCode:               u("interpreter_frame.executable"),
		IFrameInstr:              u("interpreter_frame.instr_ptr"),
		IFrameOwner:              u("interpreter_frame.owner"),
		CodeFilename:             u("code_object.filename"),
		CodeName:                 u("code_object.name"),
		CodeQualname:             u("code_object.qualname"),
		CodeLineTable:            u("code_object.linetable"),
		CodeFirstLineno:          u("code_object.firstlineno"),
		CodeCodeAdaptive:         u("code_object.co_code_adaptive"),
		ObjectType:               u("pyobject.ob_type"),
		BytesSize:                u("bytes_object.ob_size"),
		BytesData:                u("bytes_object.ob_sval"),
		UnicodeState:             u("unicode_object.state"),
		UnicodeLength:            u("unicode_object.length"),
		ASCIIObjectSize:          u("unicode_object.asciiobject_size"),
		CompactUnicodeObjectSize: compact,
	}
	// Of what naming threads takes the table has the modules dict and the
	// dict's fields only; AdoptNames may fill in the rest.
	noNames(l)
	l.InterpModules = u("interpreter_state.imports_modules")
	l.DictKeys = u("dict_object.ma_keys")
	l.DictValues = u("dict_object.ma_values")
	if missing != "" {
		return nil, d, fmt.Errorf("_Py_DebugOffsets of Python %s: no %s in the table", d.Patch(), missing)
	}
	// The offsets must lie inside the structs whose sizes the table gives,
	// so a garbled table is refused rather than followed.
	inside := func(size string, offs ...int64) bool {
		n := u(size)
		for _, o := range offs {
			if o < 0 || o >= n {
				return false
			}
		}
		return n > 0 && n < 1<<20
	}
	ok = inside("runtime_state.size", l.RuntimeInterpretersHead) &&
		inside("interpreter_state.size", l.InterpNext, l.InterpThreadsHead, l.InterpCevalGIL, gil,
			u("interpreter_state.gil_runtime_state_locked"), u("interpreter_state.gil_runtime_state_holder")) &&
		l.GILLocked >= 0 && l.GILLastHolder >= 0 &&
		inside("thread_state.size", l.TstateNext, l.TstateInterp, l.TstateFrame, l.TstateThreadID, l.TstateNativeThreadID, l.TstateDatastackChunk) &&
		inside("interpreter_frame.size", l.IFramePrevious, l.IFrameCode, l.IFrameInstr, l.IFrameOwner) &&
		inside("code_object.size", l.CodeFilename, l.CodeName, l.CodeQualname, l.CodeLineTable, l.CodeFirstLineno) &&
		l.CodeCodeAdaptive > 0 && l.CodeCodeAdaptive <= u("code_object.size") &&
		inside("pyobject.size", l.ObjectType) &&
		inside("bytes_object.size", l.BytesSize, l.BytesData) &&
		inside("unicode_object.size", l.UnicodeState, l.UnicodeLength) &&
		l.ASCIIObjectSize > 0 && l.ASCIIObjectSize <= 256 && compact > l.ASCIIObjectSize && compact <= 256
	if !ok {
		return nil, d, fmt.Errorf("_Py_DebugOffsets of Python %s: offsets out of range (a garbled table)", d.Patch())
	}
	// Names are a nicety: offsets out of range lose them, not the stacks.
	if !inside("interpreter_state.size", l.InterpModules) || !inside("dict_object.size", l.DictKeys, l.DictValues) {
		noNames(l)
	}
	return l, d, nil
}

// noNames marks every thread-naming offset of l absent.
func noNames(l *Layout) {
	v := reflect.ValueOf(l).Elem()
	for i := 0; i < v.NumField(); i++ {
		if isNameField(v.Type().Field(i).Name) {
			v.Field(i).SetInt(Absent)
		}
	}
}
