package cpython

import (
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// staticRuntime reads the initial bytes of _PyRuntime from a library
// file: _Py_DebugOffsets is statically initialised, so the file holds it.
func staticRuntime(t *testing.T, lib string) []byte {
	t.Helper()
	f, err := elf.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name != "_PyRuntime" {
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && p.Vaddr <= s.Value && s.Value+DebugOffsetsSize <= p.Vaddr+p.Filesz {
				b := make([]byte, DebugOffsetsSize)
				if _, err := p.ReadAt(b, int64(s.Value-p.Vaddr)); err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
	}
	t.Fatalf("%s: no _PyRuntime in the file", lib)
	return nil
}

// TestDebugOffsetsMatchDWARF checks the route for 3.13+ (the target's own
// table) against the route for older versions (pyenv's DWARF) on 3.13.
func TestDebugOffsetsMatchDWARF(t *testing.T) {
	py, ok := pythons(t)["3.13"]
	if !ok {
		t.Skip("no pyenv 3.13")
	}
	lib := filepath.Join(filepath.Dir(filepath.Dir(py)), "lib", "libpython3.13.so.1.0")
	got, d, err := ParseDebugOffsets(staticRuntime(t, lib))
	if err != nil {
		t.Fatal(err)
	}
	if d.FreeThreaded || d.Minor() != "3.13" {
		t.Errorf("table says %s, free-threaded %v", d.Patch(), d.FreeThreaded)
	}
	want, _ := ForMinor("3.13")
	// The table gives the modules dict and the dict's fields; the other
	// thread-naming offsets come from DWARF when the two agree.
	if !AdoptNames(got, want) {
		t.Error("AdoptNames refused pyenv's own 3.13 table")
	}
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		if name == "Version" {
			continue
		}
		g, w := gv.Field(i).Int(), wv.Field(i).Int()
		// The table has no fields for the ≤3.10 frame object or the
		// 3.11–3.12 _PyCFrame; DWARF finds those structs still defined.
		if g == Absent && (name == "FrameBack" || name == "TstateCFrame" || name == "CFrameCurrentFrame") {
			continue
		}
		if g != w {
			t.Errorf("%s: table %d, DWARF %d", name, g, w)
		}
	}
}

func TestDebugOffsetsRefused(t *testing.T) {
	if _, _, err := ParseDebugOffsets(make([]byte, DebugOffsetsSize)); err == nil {
		t.Error("zeros accepted")
	}
	b := make([]byte, DebugOffsetsSize)
	copy(b, DebugCookie)
	b[8+3] = 3
	b[8+2] = 16 // 3.16
	if _, _, err := ParseDebugOffsets(b); err == nil {
		t.Error("3.16 table accepted")
	}
	b[8+2] = 13 // 3.13 but every offset zero and every size zero
	if _, _, err := ParseDebugOffsets(b); err == nil {
		t.Error("garbled table accepted")
	}
}

// TestDebugOffsetsOfNewerPythons parses the table in the stripped
// executables of Debian unstable's 3.13, 3.14 and 3.15 (scripts/sid-chroot).
func TestDebugOffsetsOfNewerPythons(t *testing.T) {
	for _, v := range DebugMinors() {
		exe := "/var/cache/hpp/sid/usr/bin/python" + v
		if _, err := os.Stat(exe); err != nil {
			t.Logf("no %s (scripts/sid-chroot)", exe)
			continue
		}
		l, d, err := ParseDebugOffsets(staticRuntime(t, exe))
		if err != nil {
			t.Errorf("%s: %v", exe, err)
			continue
		}
		if d.Minor() != v || d.FreeThreaded || l.CodeCodeAdaptive <= 0 {
			t.Errorf("%s: version %s, free-threaded %v, layout %+v", exe, d.Patch(), d.FreeThreaded, l)
		}
		// Debian's 3.13 is built from the same sources as pyenv's: the
		// offsets its table gives agree with pyenv's DWARF, which then
		// supplies the rest of what naming threads takes.
		if dw, ok := ForMinor(v); ok && v == "3.13" && !AdoptNames(l, dw) {
			t.Errorf("%s: its table disagrees with pyenv's 3.13 DWARF", exe)
		}
	}
}

// TestAdoptNamesRefuses checks that a table whose shared offsets differ
// from the DWARF table's gets no names offsets.
func TestAdoptNamesRefuses(t *testing.T) {
	dw, ok := ForMinor("3.13")
	if !ok {
		t.Skip("no 3.13 table")
	}
	l := *dw
	noNames(&l)
	l.InterpModules, l.DictKeys, l.DictValues = dw.InterpModules, dw.DictKeys, dw.DictValues
	l.TstateThreadID += 8
	if AdoptNames(&l, dw) || l.ModuleDict != Absent || l.Names() {
		t.Errorf("a moved thread_id still took names offsets: %+v", l)
	}
	l.TstateThreadID = dw.TstateThreadID
	if !AdoptNames(&l, dw) || l.ModuleDict != dw.ModuleDict {
		t.Error("agreeing tables refused")
	}
}
