package sampler

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// elfInfo is what hpp needs from the ELF file of python or libpython.
type elfInfo struct {
	syms      map[string]uint64 // link-time addresses of the symbols we use
	sizes     map[string]uint64 // their sizes, where the symbol table gives one
	version   string            // "3.11.2", "" when not found
	loadVaddr uint64            // p_vaddr of the first PT_LOAD, page-aligned
}

// wantedSymbols are looked up in .dynsym (present in stripped builds) and
// .symtab (only where not stripped; 3.6's interp_head is local).
var wantedSymbols = map[string]bool{
	"_PyRuntime":             true, // 3.7+
	"interp_head":            true, // 3.6
	"_PyThreadState_Current": true, // 3.6
	"Py_Version":             true, // 3.11+
	"PyCode_Type":            true,
	"PyFrame_Type":           true,
	"PyUnicode_Type":         true,
	"PyBytes_Type":           true,
	"PyDict_Type":            true, // these three for thread names (threadnames.go)
	"PyLong_Type":            true,
	"PyModule_Type":          true,
}

func readBinary(r io.ReaderAt, name string) (*elfInfo, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := &elfInfo{syms: map[string]uint64{}, sizes: map[string]uint64{}}
	first := true
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && first {
			align := p.Align
			if align == 0 {
				align = 1
			}
			b.loadVaddr = p.Vaddr &^ (align - 1)
			first = false
		}
	}
	for _, get := range []func() ([]elf.Symbol, error){f.DynamicSymbols, f.Symbols} {
		syms, err := get()
		if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
			continue
		}
		for _, s := range syms {
			if wantedSymbols[s.Name] && s.Value != 0 && elf.ST_TYPE(s.Info) == elf.STT_OBJECT {
				if _, ok := b.syms[s.Name]; !ok {
					b.syms[s.Name] = s.Value
					b.sizes[s.Name] = s.Size
				}
			}
		}
	}
	if v, ok := b.syms["Py_Version"]; ok {
		var buf [4]byte
		if readVaddr(f, v, buf[:]) == nil {
			hex := uint32(buf[0]) | uint32(buf[1])<<8 | uint32(buf[2])<<16 | uint32(buf[3])<<24
			b.version = fmt.Sprintf("%d.%d.%d", hex>>24, (hex>>16)&0xff, (hex>>8)&0xff)
		}
	}
	if b.version == "" {
		b.version = versionFromRodata(f, nameMinorRe.FindString(filepath.Base(name)))
	}
	return b, nil
}

// readVaddr reads file contents at a link-time address.
func readVaddr(f *elf.File, addr uint64, buf []byte) error {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Vaddr <= addr && addr+uint64(len(buf)) <= p.Vaddr+p.Filesz {
			_, err := p.ReadAt(buf, int64(addr-p.Vaddr))
			return err
		}
	}
	return fmt.Errorf("address %#x not in the file", addr)
}

// PY_VERSION ("3.9.18", "3.10.0rc2", "3.8.10+") is a string in .rodata,
// used by Py_GetVersion. The linker may merge it into the tail of a longer
// string that ends the same way (pyenv's prefix, "/root/.pyenv/versions/
// 3.10.13"), so only its end is anchored.
var pyVersionRe = regexp.MustCompile(`(?:^|[^0-9.])([23]\.\d{1,2}\.\d{1,3})(?:(?:a|b|rc)\d+)?\+?\x00`)

// versionFromRodata finds PY_VERSION in .rodata; when several strings look
// like one, the most frequent minor wins (others are rare: version numbers
// of bundled libraries).
func versionFromRodata(f *elf.File, minorHint string) string {
	s := f.Section(".rodata")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil {
		return ""
	}
	count := map[string]int{}
	var order []string
	for _, m := range pyVersionRe.FindAllSubmatch(data, -1) {
		v := string(m[1])
		if minorHint != "" && !strings.HasPrefix(v, minorHint+".") {
			continue
		}
		if count[v] == 0 {
			order = append(order, v)
		}
		count[v]++
	}
	best := ""
	for _, v := range order {
		if best == "" || count[v] > count[best] {
			best = v
		}
	}
	return best
}

// nameMinorRe finds the minor version in a file name: libpython3.10.so,
// python3.11.
var nameMinorRe = regexp.MustCompile(`[23]\.\d+`)

// minorOf returns "3.11" and 11 for "3.11.2"; "2.7" and -1 for Python 2.
func minorOf(version string) (string, int) {
	m := regexp.MustCompile(`^([23])\.(\d+)\.`).FindStringSubmatch(version)
	if m == nil {
		return "", 0
	}
	n, _ := strconv.Atoi(m[2])
	if m[1] == "2" {
		n = -1
	}
	return m[1] + "." + m[2], n
}
