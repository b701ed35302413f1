// Command gen reads the DWARF debug information of pyenv's CPython builds
// and writes the struct offsets hpp's sampler needs as a Go table.
//
// Usage: go run ./gen [-root PYENV_ROOT] -o layouts_gen.go
package main

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"hpp/internal/cpython"
)

// fields maps each Layout field to the struct paths it may be found at,
// tried in order; "sizeof:T" is the size of type T. A field found at none
// is cpython.Absent.
var fields = map[string][]string{
	"RuntimeInterpretersHead":  {"_PyRuntimeState.interpreters.head"},
	"RuntimeTstateCurrent":     {"_PyRuntimeState.gilstate.tstate_current"},
	"InterpNext":               {"PyInterpreterState.next"},
	"InterpThreadsHead":        {"PyInterpreterState.threads.head", "PyInterpreterState.tstate_head"},
	"InterpCevalGIL":           {"PyInterpreterState.ceval.gil"},
	"GILLocked":                {"struct _gil_runtime_state.locked"},
	"GILLastHolder":            {"struct _gil_runtime_state.last_holder"},
	"TstateNext":               {"PyThreadState.next"},
	"TstateInterp":             {"PyThreadState.interp"},
	"TstateFrame":              {"PyThreadState.current_frame", "PyThreadState.frame"},
	"TstateCFrame":             {"PyThreadState.cframe"},
	"TstateThreadID":           {"PyThreadState.thread_id"},
	"TstateNativeThreadID":     {"PyThreadState.native_thread_id"},
	"TstateDatastackChunk":     {"PyThreadState.datastack_chunk"},
	"CFrameCurrentFrame":       {"struct _PyCFrame.current_frame"},
	"FrameBack":                {"PyFrameObject.f_back"},
	"FrameCode":                {"PyFrameObject.f_code"},
	"FrameLasti":               {"PyFrameObject.f_lasti"},
	"FrameState":               {"PyFrameObject.f_state", "PyFrameObject.f_executing"},
	"IFrameCode":               {"struct _PyInterpreterFrame.f_executable", "struct _PyInterpreterFrame.f_code"},
	"IFramePrevious":           {"struct _PyInterpreterFrame.previous"},
	"IFrameInstr":              {"struct _PyInterpreterFrame.instr_ptr", "struct _PyInterpreterFrame.prev_instr"},
	"IFrameOwner":              {"struct _PyInterpreterFrame.owner"},
	"CodeFilename":             {"PyCodeObject.co_filename"},
	"CodeName":                 {"PyCodeObject.co_name"},
	"CodeQualname":             {"PyCodeObject.co_qualname"},
	"CodeFirstLineno":          {"PyCodeObject.co_firstlineno"},
	"CodeLineTable":            {"PyCodeObject.co_linetable", "PyCodeObject.co_lnotab"},
	"CodeCodeAdaptive":         {"PyCodeObject.co_code_adaptive"},
	"ObjectType":               {"PyObject.ob_type"},
	"BytesSize":                {"PyBytesObject.ob_base.ob_size"},
	"BytesData":                {"PyBytesObject.ob_sval"},
	"UnicodeLength":            {"PyASCIIObject.length"},
	"UnicodeState":             {"PyASCIIObject.state"},
	"ASCIIObjectSize":          {"sizeof:PyASCIIObject"},
	"CompactUnicodeObjectSize": {"sizeof:PyCompactUnicodeObject"},
	"InterpModules":            {"PyInterpreterState.imports.modules", "PyInterpreterState.modules"},
	"ModuleDict":               {"PyModuleObject.md_dict"},
	"TypeBasicSize":            {"PyTypeObject.tp_basicsize"},
	"TypeDictOffset":           {"PyTypeObject.tp_dictoffset"},
	"TypeFlags":                {"PyTypeObject.tp_flags"},
	"HeapTypeCachedKeys":       {"PyHeapTypeObject.ht_cached_keys"},
	"DictKeys":                 {"PyDictObject.ma_keys"},
	"DictValues":               {"PyDictObject.ma_values"},
	"DictKeysSize":             {"struct _dictkeysobject.dk_size"},
	"DictKeysLog2Size":         {"struct _dictkeysobject.dk_log2_size"},
	"DictKeysLog2Index":        {"struct _dictkeysobject.dk_log2_index_bytes"},
	"DictKeysKind":             {"struct _dictkeysobject.dk_kind"},
	"DictKeysNentries":         {"struct _dictkeysobject.dk_nentries"},
	"DictKeysIndices":          {"struct _dictkeysobject.dk_indices"},
	"DictEntrySize":            {"sizeof:PyDictKeyEntry"},
	"DictEntryKey":             {"PyDictKeyEntry.me_key"},
	"DictEntryValue":           {"PyDictKeyEntry.me_value"},
	"DictUnicodeEntrySize":     {"sizeof:PyDictUnicodeEntry"},
	"DictUnicodeEntryKey":      {"PyDictUnicodeEntry.me_key"},
	"DictUnicodeEntryVal":      {"PyDictUnicodeEntry.me_value"},
	"DictValuesValues":         {"struct _dictvalues.values"},
	"LongSize":                 {"struct _longobject.ob_base.ob_size"},
	"LongTag":                  {"struct _longobject.long_value.lv_tag"},
	"LongDigits":               {"struct _longobject.long_value.ob_digit", "struct _longobject.ob_digit"},
}

// In 3.10 the co_lnotab field is gone but co_linetable holds the new
// table; before 3.10 co_linetable does not exist, so the order above picks
// the right one for each version.

func main() {
	root := flag.String("root", "", "pyenv root (default: $(pyenv root))")
	out := flag.String("o", "layouts_gen.go", "output file")
	flag.Parse()
	if *root == "" {
		b, err := exec.Command("pyenv", "root").Output()
		if err != nil {
			fatal("pyenv root: %v (pass -root)", err)
		}
		*root = strings.TrimSpace(string(b))
	}
	dirs, _ := filepath.Glob(filepath.Join(*root, "versions", "3.*"))
	type entry struct {
		minor string
		l     *cpython.Layout
	}
	var entries []entry
	re := regexp.MustCompile(`^3\.(\d+)\.(\d+)$`)
	for _, d := range dirs {
		v := filepath.Base(d)
		m := re.FindStringSubmatch(v)
		if m == nil {
			continue
		}
		libs, _ := filepath.Glob(filepath.Join(d, "lib", "libpython3.*.so.1.0"))
		if len(libs) == 0 {
			fmt.Fprintf(os.Stderr, "gen: %s: no libpython, skipped\n", v)
			continue
		}
		l, err := read(libs[0])
		if err != nil {
			fatal("%s: %v", libs[0], err)
		}
		l.Version = v
		entries = append(entries, entry{"3." + m[1], l})
	}
	sort.Slice(entries, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(entries[i].minor, "3."))
		b, _ := strconv.Atoi(strings.TrimPrefix(entries[j].minor, "3."))
		return a < b
	})
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "// Code generated by internal/cpython/gen from the DWARF of pyenv's builds. DO NOT EDIT.\n\npackage cpython\n\n")
	fmt.Fprintf(&buf, "var generatedOrder = []string{")
	for _, e := range entries {
		fmt.Fprintf(&buf, "%q, ", e.minor)
	}
	fmt.Fprintf(&buf, "}\n\nvar generated = map[string]*Layout{\n")
	for _, e := range entries {
		fmt.Fprintf(&buf, "\t%q: {\n", e.minor)
		v := reflect.ValueOf(e.l).Elem()
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := v.Field(i)
			if f.Kind() == reflect.String {
				fmt.Fprintf(&buf, "\t\t%s: %q,\n", t.Field(i).Name, f.String())
			} else {
				fmt.Fprintf(&buf, "\t\t%s: %d,\n", t.Field(i).Name, f.Int())
			}
		}
		fmt.Fprintf(&buf, "\t},\n")
	}
	fmt.Fprintf(&buf, "}\n")
	src, err := format.Source(buf.Bytes())
	if err != nil {
		fatal("format: %v", err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fatal("%v", err)
	}
}

// read finds every field of the layout in one library's DWARF.
func read(path string) (*cpython.Layout, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return nil, err
	}
	types, err := collectTypes(d)
	if err != nil {
		return nil, err
	}
	l := &cpython.Layout{}
	v := reflect.ValueOf(l).Elem()
	for name, paths := range fields {
		off := int64(cpython.Absent)
		for _, p := range paths {
			if o, ok := resolve(types, p); ok {
				off = o
				break
			}
		}
		v.FieldByName(name).SetInt(off)
	}
	return l, nil
}

// collectTypes indexes the complete struct types by "struct NAME" and the
// typedefs by NAME; the first complete definition wins (every compile unit
// repeats them).
func collectTypes(d *dwarf.Data) (map[string]dwarf.Type, error) {
	want := map[string]bool{}
	for _, paths := range fields {
		for _, p := range paths {
			p = strings.TrimPrefix(p, "sizeof:")
			name, _, _ := strings.Cut(p, ".")
			want[name] = true
		}
	}
	types := map[string]dwarf.Type{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		var key string
		switch e.Tag {
		case dwarf.TagStructType:
			n, _ := e.Val(dwarf.AttrName).(string)
			key = "struct " + n
		case dwarf.TagTypedef:
			key, _ = e.Val(dwarf.AttrName).(string)
		default:
			continue
		}
		if !want[key] {
			continue
		}
		if _, ok := types[key]; ok {
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			continue
		}
		if st, ok := underlying(t).(*dwarf.StructType); !ok || st.Incomplete {
			continue
		}
		types[key] = t
		if len(types) == len(want) {
			break
		}
	}
	return types, nil
}

func underlying(t dwarf.Type) dwarf.Type {
	for {
		switch x := t.(type) {
		case *dwarf.TypedefType:
			t = x.Type
		case *dwarf.QualType:
			t = x.Type
		default:
			return t
		}
	}
}

// resolve returns the byte offset of a dotted field path, or the size of a
// type for "sizeof:T".
func resolve(types map[string]dwarf.Type, path string) (int64, bool) {
	if name, ok := strings.CutPrefix(path, "sizeof:"); ok {
		t, ok := types[name]
		if !ok {
			return 0, false
		}
		return underlying(t).Size(), true
	}
	var typeName, rest string
	if strings.HasPrefix(path, "struct ") {
		i := strings.IndexByte(path, '.')
		typeName, rest = path[:i], path[i+1:]
	} else {
		typeName, rest, _ = strings.Cut(path, ".")
	}
	t, ok := types[typeName]
	if !ok {
		return 0, false
	}
	var off int64
	for _, part := range strings.Split(rest, ".") {
		st, ok := underlying(t).(*dwarf.StructType)
		if !ok {
			return 0, false
		}
		found := false
		for _, f := range st.Field {
			if f.Name == part {
				off += f.ByteOffset
				t = f.Type
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return off, true
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}
