package cpython

import "reflect"

// Names says whether l has every offset that reading threading's thread
// names takes (see Layout.InterpModules and after).
func (l *Layout) Names() bool {
	if l == nil {
		return false
	}
	for _, off := range []int64{l.InterpModules, l.ModuleDict, l.TypeBasicSize, l.TypeDictOffset, l.TypeFlags,
		l.HeapTypeCachedKeys, l.DictKeys, l.DictValues, l.DictKeysNentries, l.DictKeysIndices,
		l.DictEntrySize, l.DictEntryKey, l.DictEntryValue, l.LongDigits} {
		if off == Absent {
			return false
		}
	}
	return true
}

// AdoptNames completes l, read from a target's _Py_DebugOffsets, with the
// thread-naming offsets that table lacks (module, type and dict-key
// internals), taken from dw, the DWARF table of the same minor version.
// It does so only when every offset the two both give agrees: a build
// whose structs moved keeps its names unread rather than read wrong. It
// says whether it did.
func AdoptNames(l, dw *Layout) bool {
	if l == nil || dw == nil {
		return false
	}
	lv, dv := reflect.ValueOf(l).Elem(), reflect.ValueOf(dw).Elem()
	shared := 0
	for i := 0; i < lv.NumField(); i++ {
		if lv.Field(i).Kind() != reflect.Int64 {
			continue
		}
		a, b := lv.Field(i).Int(), dv.Field(i).Int()
		if a == Absent || b == Absent {
			continue
		}
		if a != b {
			return false
		}
		shared++
	}
	if shared == 0 {
		return false
	}
	for i := 0; i < lv.NumField(); i++ {
		if lv.Field(i).Kind() == reflect.Int64 && lv.Field(i).Int() == Absent && isNameField(lv.Type().Field(i).Name) {
			lv.Field(i).SetInt(dv.Field(i).Int())
		}
	}
	return l.Names()
}

// isNameField says whether a Layout field serves only thread names.
func isNameField(name string) bool {
	switch name {
	case "InterpModules", "ModuleDict", "TypeBasicSize", "TypeDictOffset", "TypeFlags", "HeapTypeCachedKeys",
		"DictKeys", "DictValues", "DictKeysSize", "DictKeysLog2Size", "DictKeysLog2Index", "DictKeysKind",
		"DictKeysNentries", "DictKeysIndices", "DictEntrySize", "DictEntryKey", "DictEntryValue",
		"DictUnicodeEntrySize", "DictUnicodeEntryKey", "DictUnicodeEntryVal", "DictValuesValues",
		"LongSize", "LongTag", "LongDigits":
		return true
	}
	return false
}
