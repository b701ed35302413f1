package extbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Project is what a wheel needs from pyproject.toml: the [project]
// table's core metadata and hpp's own [tool.hpp] table.
type Project struct {
	Dir            string // the directory of pyproject.toml
	Name           string
	Version        string
	Description    string
	RequiresPython string
	Readme         string // file name, relative to Dir
	ReadmeText     string
	ReadmeType     string // its content type
	Packages       []string
	Module         string
}

// ReadProject reads dir/pyproject.toml. [tool.hpp] may name the Go
// packages (packages = ["./go"], default the project directory) and the
// module (module = "name", default the Go package's name).
func ReadProject(dir string) (*Project, error) {
	path := filepath.Join(dir, "pyproject.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, inputErrorf("%s: no pyproject.toml: a wheel takes its name and version from its [project] table", dir)
	}
	var doc struct {
		Project struct {
			Name           string
			Version        string
			Description    string
			RequiresPython string `toml:"requires-python"`
			Readme         any
			Dynamic        []string
		}
		Tool struct {
			Hpp struct {
				Packages []string
				Module   string
			}
		}
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, inputErrorf("%s: %v", path, err)
	}
	pr := doc.Project
	p := &Project{Dir: dir, Name: pr.Name, Version: pr.Version, Description: pr.Description, RequiresPython: pr.RequiresPython,
		Packages: doc.Tool.Hpp.Packages, Module: doc.Tool.Hpp.Module}
	if !validDistName.MatchString(p.Name) {
		return nil, inputErrorf("%s: [project] name %q is not a valid distribution name (letters, digits, ., _ and -)", path, p.Name)
	}
	if !validVersion.MatchString(p.Version) {
		return nil, inputErrorf("%s: [project] version %q is not a PEP 440 version such as 1.0.2; hpp does not compute dynamic versions", path, p.Version)
	}
	if strings.ContainsAny(p.Description, "\r\n") {
		return nil, inputErrorf("%s: [project] description must be one line", path)
	}
	switch r := pr.Readme.(type) {
	case nil:
	case string:
		p.Readme = r
	case map[string]any:
		if f, ok := r["file"].(string); ok {
			p.Readme = f
		} else if t, ok := r["text"].(string); ok {
			p.ReadmeText = t
		}
		if ct, ok := r["content-type"].(string); ok {
			p.ReadmeType = ct
		}
	default:
		return nil, inputErrorf("%s: [project] readme must be a file name or a table with file or text", path)
	}
	if p.Readme != "" {
		b, err := os.ReadFile(filepath.Join(dir, p.Readme))
		if err != nil {
			return nil, inputErrorf("%s: readme %s: %v", path, p.Readme, err)
		}
		p.ReadmeText = string(b)
	}
	if p.ReadmeType == "" && (p.ReadmeText != "" || p.Readme != "") {
		switch strings.ToLower(filepath.Ext(p.Readme)) {
		case ".md":
			p.ReadmeType = "text/markdown"
		case ".rst":
			p.ReadmeType = "text/x-rst"
		default:
			p.ReadmeType = "text/plain"
		}
	}
	if len(p.Packages) == 0 {
		p.Packages = []string{"."}
	}
	return p, nil
}

var (
	validDistName = regexp.MustCompile(`^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$`)
	validVersion  = regexp.MustCompile(`^([0-9]+!)?[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?(\+[a-z0-9]+(\.[a-z0-9]+)*)?$`)
	normalise     = regexp.MustCompile(`[-_.]+`)
)

// WheelOptions says what wheel to build.
type WheelOptions struct {
	Project string // the directory holding pyproject.toml
	Name    string // module name; overrides [tool.hpp] module
	Python  string
	OutDir  string
	Stderr  io.Writer
}

// BuildWheel builds the project's module for one Python and writes a
// PEP 427 wheel into OutDir, returning its path. The module is a package
// whose __init__ is the extension, so that its stub and py.typed are
// found by type checkers (PEP 561 covers packages, not single modules).
func BuildWheel(ctx context.Context, o WheelOptions) (string, error) {
	p, err := ReadProject(o.Project)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "hpp-wheel-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	var dirs []string
	for _, d := range p.Packages {
		dirs = append(dirs, filepath.Join(o.Project, d))
	}
	name := o.Name
	if name == "" {
		name = p.Module
	}
	so, err := Build(ctx, Options{Dirs: dirs, Name: name, Python: o.Python, OutDir: tmp, Stderr: o.Stderr})
	if err != nil {
		return "", err
	}
	py, err := FindPython(ctx, pythonOr(o.Python))
	if err != nil {
		return "", err
	}
	mod := strings.TrimSuffix(filepath.Base(so), py.Suffix())
	platform, err := platformTag(so)
	if err != nil {
		return "", err
	}
	tag := pythonTag(py) + "-" + platform
	dist := strings.ToLower(normalise.ReplaceAllString(p.Name, "_"))
	info := dist + "-" + p.Version + ".dist-info"
	files := []wheelFile{}
	add := func(name string, data []byte, mode os.FileMode) {
		files = append(files, wheelFile{name, data, mode})
	}
	lib, err := os.ReadFile(so)
	if err != nil {
		return "", err
	}
	stub, err := os.ReadFile(filepath.Join(tmp, mod+".pyi"))
	if err != nil {
		return "", err
	}
	add(mod+"/__init__"+py.Suffix(), lib, 0o755)
	add(mod+"/__init__.pyi", stub, 0o644)
	add(mod+"/py.typed", nil, 0o644)
	add(info+"/METADATA", p.metadata(), 0o644)
	add(info+"/WHEEL", []byte("Wheel-Version: 1.0\nGenerator: hpp build\nRoot-Is-Purelib: false\nTag: "+tag+"\n"), 0o644)
	add(info+"/top_level.txt", []byte(mod+"\n"), 0o644)
	var record bytes.Buffer
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", info)
	add(info+"/RECORD", record.Bytes(), 0o644)

	whl := filepath.Join(tmp, dist+"-"+p.Version+"-"+tag+".whl")
	if err := writeZip(whl, files); err != nil {
		return "", err
	}
	outDir := o.OutDir
	if outDir == "" {
		outDir = "dist"
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	return install(whl, outDir, 0o644)
}

func pythonOr(py string) string {
	if py == "" {
		return "python3"
	}
	return py
}

type wheelFile struct {
	name string
	data []byte
	mode os.FileMode
}

// writeZip writes the files in order, with the time from
// SOURCE_DATE_EPOCH (default 1980-01-01) so that builds are reproducible.
func writeZip(path string, files []wheelFile) error {
	stamp := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil && s > stamp.Unix() {
		stamp = time.Unix(s, 0).UTC()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, wf := range files {
		h := &zip.FileHeader{Name: wf.name, Method: zip.Deflate, Modified: stamp}
		h.SetMode(wf.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(wf.data); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// metadata is the core metadata file (version 2.1).
func (p *Project) metadata() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", p.Name, p.Version)
	if p.Description != "" {
		fmt.Fprintf(&b, "Summary: %s\n", p.Description)
	}
	if p.RequiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", p.RequiresPython)
	}
	if p.ReadmeText != "" {
		fmt.Fprintf(&b, "Description-Content-Type: %s\n\n%s", p.ReadmeType, p.ReadmeText)
	}
	return b.Bytes()
}

// pythonTag is the wheel's python and ABI tags: cp311-abi3 for a stable
// ABI module (any CPython from 3.11), else the version's own.
func pythonTag(py *Python) string {
	v := fmt.Sprintf("cp%d%d", py.Version[0], py.Version[1])
	switch {
	case py.Limited():
		return "cp311-abi3"
	case py.FreeThr:
		return v + "-" + v + "t"
	}
	return v + "-" + v
}

// glibcLibs are the libraries every manylinux platform provides.
var glibcLibs = map[string]bool{"libc.so.6": true, "libm.so.6": true, "libpthread.so.0": true, "libdl.so.2": true,
	"librt.so.1": true, "ld-linux-x86-64.so.2": true, "ld-linux-aarch64.so.1": true}

// platformTag reads the module's ELF file: manylinux_2_N_ARCH, where
// 2.N is the newest glibc symbol version it uses, when it needs only
// glibc's libraries; linux_ARCH otherwise.
func platformTag(so string) (string, error) {
	f, err := elf.Open(so)
	if err != nil {
		return "", fmt.Errorf("reading the built module %s: %v", so, err)
	}
	defer f.Close()
	var arch string
	switch f.Machine {
	case elf.EM_X86_64:
		arch = "x86_64"
	case elf.EM_AARCH64:
		arch = "aarch64"
	default:
		return "", fmt.Errorf("%s: machine %v: no wheel platform tag known", so, f.Machine)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return "", err
	}
	manylinux := true
	for _, l := range libs {
		if !glibcLibs[l] {
			manylinux = false
		}
	}
	syms, err := f.ImportedSymbols()
	if err != nil {
		return "", err
	}
	newest := [2]int{2, 17} // manylinux2014's floor: the oldest tag pip knows
	for _, s := range syms {
		v, ok := strings.CutPrefix(s.Version, "GLIBC_")
		if !ok {
			continue
		}
		var maj, min int
		if n, _ := fmt.Sscanf(v, "%d.%d", &maj, &min); n != 2 {
			manylinux = false // GLIBC_PRIVATE: no promise
			continue
		}
		if maj > newest[0] || maj == newest[0] && min > newest[1] {
			newest = [2]int{maj, min}
		}
	}
	if !manylinux {
		return "linux_" + arch, nil
	}
	return fmt.Sprintf("manylinux_%d_%d_%s", newest[0], newest[1], arch), nil
}
