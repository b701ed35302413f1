package extbuild

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"hpp/pyext"
)

// ToolError means a program that building needs is missing or unusable.
type ToolError struct{ Msg string }

func (e *ToolError) Error() string { return e.Msg }

// Options says what to build.
type Options struct {
	Dirs   []string // Go package directories
	Name   string   // module name; default: the only package's name
	Python string   // interpreter to build for; default python3
	OutDir string   // where the module goes; default "."
	Stderr io.Writer
	Keep   bool // keep the build directory and say where it is
}

// Python describes the interpreter that a module is built for.
type Python struct {
	Exe       string
	Version   [2]int
	Include   string
	ExtSuffix string
	FreeThr   bool
}

// Limited reports whether the module uses the stable ABI: CPython 3.11+
// without free threading, so that one .abi3.so serves all later versions.
func (p *Python) Limited() bool { return p.Version[0] == 3 && p.Version[1] >= 11 && !p.FreeThr }

// Suffix is the module file's suffix.
func (p *Python) Suffix() string {
	if p.Limited() {
		return ".abi3.so"
	}
	return p.ExtSuffix
}

const probe = `import json, sys, sysconfig
print(json.dumps({"impl": sys.implementation.name, "version": list(sys.version_info[:2]),
  "include": sysconfig.get_paths()["include"], "suffix": sysconfig.get_config_var("EXT_SUFFIX") or "",
  "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED"))}))`

// FindPython asks the interpreter exe where its headers are.
func FindPython(ctx context.Context, exe string) (*Python, error) {
	path, err := exec.LookPath(exe)
	if err != nil {
		return nil, &ToolError{fmt.Sprintf("python interpreter %s not found: give its path with --python, or apt-get install python3", exe)}
	}
	out, err := exec.CommandContext(ctx, path, "-c", probe).Output()
	if err != nil {
		return nil, &ToolError{fmt.Sprintf("%s failed the sysconfig probe (%v): is it CPython 3.8 or later? Name one with --python", path, err)}
	}
	var r struct {
		Impl        string `json:"impl"`
		Version     []int  `json:"version"`
		Include     string `json:"include"`
		Suffix      string `json:"suffix"`
		GILDisabled bool   `json:"gil_disabled"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Version) != 2 {
		return nil, &ToolError{fmt.Sprintf("%s: unexpected answer to the sysconfig probe: %q", path, out)}
	}
	p := &Python{Exe: path, Version: [2]int{r.Version[0], r.Version[1]}, Include: r.Include, ExtSuffix: r.Suffix, FreeThr: r.GILDisabled}
	if r.Impl != "cpython" || p.Version[0] != 3 || p.Version[1] < 8 {
		return nil, &ToolError{fmt.Sprintf("%s is %s %d.%d; hpp build needs CPython 3.8 or later", path, r.Impl, p.Version[0], p.Version[1])}
	}
	if _, err := os.Stat(filepath.Join(p.Include, "Python.h")); err != nil {
		return nil, &ToolError{fmt.Sprintf("%s has no C headers (no Python.h in %s): install them, e.g. apt-get install python3-dev, or pyenv install again", path, p.Include)}
	}
	return p, nil
}

// goTool finds the go command: hpp build needs the Go toolchain.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	// Not on PATH: where GOROOT says, or where the official installer puts it.
	for _, p := range []string{filepath.Join(os.Getenv("GOROOT"), "bin", "go"), "/usr/local/go/bin/go"} {
		if _, err := os.Stat(p); err == nil && filepath.IsAbs(p) {
			return p, nil
		}
	}
	return "", &ToolError{"the go command is needed to build extensions and is not on PATH: install Go (https://go.dev/dl) or add its bin directory to PATH"}
}

// Build builds the module and returns the path of the .so it wrote.
func Build(ctx context.Context, o Options) (string, error) {
	if len(o.Dirs) == 0 {
		return "", inputErrorf("no package given")
	}
	mod := &Module{Name: o.Name}
	names := map[string]string{}
	for _, d := range o.Dirs {
		p, err := Inspect(d)
		if err != nil {
			return "", err
		}
		exported := make([]string, 0, len(p.Funcs)+len(p.Classes))
		for _, f := range p.Funcs {
			exported = append(exported, f.PyName)
		}
		for _, c := range p.Classes {
			exported = append(exported, c.PyName)
		}
		for _, name := range exported {
			if prev, dup := names[name]; dup {
				return "", inputErrorf("%s and %s both export %s; rename one with //hpp:export name=...", prev, p.Dir, name)
			}
			names[name] = p.Dir
		}
		mod.Packages = append(mod.Packages, p)
	}
	if mod.Name == "" {
		if len(mod.Packages) > 1 {
			return "", inputErrorf("several packages make one module: name it with --name")
		}
		mod.Name = mod.Packages[0].Name
	}
	if why := unusableName(mod.Name); why != "" {
		fix := "name the module with --name"
		if o.Name != "" {
			fix = "pick another --name"
		}
		return "", inputErrorf("module name %q %s: %s", mod.Name, why, fix)
	}
	if len(mod.Packages) == 1 {
		mod.Doc = mod.Packages[0].Doc
	}
	py := o.Python
	if py == "" {
		py = "python3"
	}
	pyInfo, err := FindPython(ctx, py)
	if err != nil {
		return "", err
	}
	goCmd, err := goTool()
	if err != nil {
		return "", err
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		if _, err := exec.LookPath("cc"); err != nil {
			return "", &ToolError{"cgo needs a C compiler and none is on PATH: apt-get install gcc"}
		}
	}
	goVersion, err := toolchainVersion(ctx, goCmd)
	if err != nil {
		return "", err
	}
	work, err := os.MkdirTemp("", "hpp-build-")
	if err != nil {
		return "", err
	}
	if o.Keep {
		fmt.Fprintf(o.Stderr, "hpp: build directory kept: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	userPaths, err := writeWorkspace(work, mod, goVersion)
	if err != nil {
		return "", err
	}
	lib := filepath.Join(work, "out", mod.Name+pyInfo.Suffix())
	cflags := "-O2 -g -I" + pyInfo.Include
	if pyInfo.Limited() {
		cflags += " -DPy_LIMITED_API=0x030b0000"
	}
	if mod.HasUfuncs() {
		inc, err := numpyInclude(ctx, pyInfo, mod.ufuncNames())
		if err != nil {
			return "", err
		}
		cflags += " -I" + inc
	}
	// The environment's CGO_CFLAGS come last, so that they can add
	// warnings or override the optimisation level, as for go build.
	if env := strings.TrimSpace(os.Getenv("CGO_CFLAGS")); env != "" {
		cflags += " " + env
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-buildmode=c-shared", "-trimpath", "-tags=hpp_ext", "-o", lib, ".")
	cmd.Dir = filepath.Join(work, "main")
	// The module's C glue answers Go's per-call question about the main
	// thread's stack without /proc (see stackWrapper).
	ldflags := "-Wl,--wrap=pthread_getattr_np"
	if env := strings.TrimSpace(os.Getenv("CGO_LDFLAGS")); env != "" {
		ldflags += " " + env
	}
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "CGO_CFLAGS="+cflags, "CGO_LDFLAGS="+ldflags, "GOWORK="+filepath.Join(work, "go.work"),
		"GOFLAGS=", "GOTOOLCHAIN=local")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build of module %s for %s failed: %v\n%s", mod.Name, pyInfo.Exe, err,
			strings.TrimSpace(userPaths.Replace(out.String())))
	}
	outDir := o.OutDir
	if outDir == "" {
		outDir = "."
	}
	// The stub first: a module never stands without its types.
	stub := filepath.Join(work, "out", mod.Name+".pyi")
	if err := os.WriteFile(stub, mod.Stub(), 0o644); err != nil {
		return "", err
	}
	if _, err := install(stub, outDir, 0o644); err != nil {
		return "", err
	}
	return install(lib, outDir, 0o755)
}

func toolchainVersion(ctx context.Context, goCmd string) (string, error) {
	out, err := exec.CommandContext(ctx, goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return "", &ToolError{fmt.Sprintf("%s env GOVERSION: %v", goCmd, err)}
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
	if i := strings.IndexAny(v, " -+"); i >= 0 {
		v = v[:i]
	}
	if v == "" || v[0] < '0' || v[0] > '9' {
		v = "1.22"
	}
	return v, nil
}

// writeWorkspace lays out the build: a go.work joining the generated main
// package, the user's module(s), and hpp/pyext — from the user's own hpp
// tree when the package is in it, else the copy embedded in this binary.
// It returns a replacer that turns the paths of packages it copied, as
// go build's messages name them, back into the user's directories.
func writeWorkspace(work string, mod *Module, goVersion string) (*strings.Replacer, error) {
	var userPaths []string
	err := writeWorkspaceFiles(work, mod, goVersion, &userPaths)
	return strings.NewReplacer(userPaths...), err
}

func writeWorkspaceFiles(work string, mod *Module, goVersion string, userPaths *[]string) error {
	uses := []string{"./main"}
	haveHpp := false
	seenRoot := map[string]bool{}
	for i, p := range mod.Packages {
		root, modPath, err := findModule(p.Dir)
		if err != nil {
			return err
		}
		if root == "" {
			// A bare directory: copy it into a module of its own.
			modPath = fmt.Sprintf("hppuser%d", i)
			root = filepath.Join(work, modPath)
			if err := copyPackage(p.Dir, root); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+modPath+"\n\ngo "+goVersion+"\n"), 0o644); err != nil {
				return err
			}
			mod.Imports = append(mod.Imports, modPath)
			// go build names files relative to the main package's
			// directory when that is shorter, and packages by import path.
			*userPaths = append(*userPaths, root+string(filepath.Separator), p.Dir+string(filepath.Separator),
				filepath.Join("..", modPath)+string(filepath.Separator), p.Dir+string(filepath.Separator),
				"# "+modPath+"\n", "# "+p.Dir+"\n")
		} else {
			rel, err := filepath.Rel(root, p.Dir)
			if err != nil {
				return err
			}
			mod.Imports = append(mod.Imports, strings.TrimSuffix(modPath+"/"+filepath.ToSlash(rel), "/."))
		}
		if modPath == "hpp" {
			haveHpp = true
		}
		if !seenRoot[root] {
			seenRoot[root] = true
			uses = append(uses, root)
		}
	}
	main := filepath.Join(work, "main")
	if err := os.MkdirAll(main, 0o755); err != nil {
		return err
	}
	header, err := pyext.Source.ReadFile("hpp_ext.h")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"go.mod":    []byte("module hppext/" + mod.Name + "\n\ngo " + goVersion + "\n"),
		"glue.go":   mod.GoGlue(),
		"module.c":  mod.CGlue(),
		"hpp_ext.h": header,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(main, name), data, 0o644); err != nil {
			return err
		}
	}
	if !haveHpp {
		dst := filepath.Join(work, "hpp", "pyext")
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		err := fs.WalkDir(pyext.Source, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := pyext.Source.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, path), data, 0o644)
		})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(work, "hpp", "go.mod"), []byte("module hpp\n\ngo "+goVersion+"\n"), 0o644); err != nil {
			return err
		}
		uses = append(uses, "./hpp")
	}
	var w strings.Builder
	fmt.Fprintf(&w, "go %s\n\nuse (\n", goVersion)
	for _, u := range uses {
		fmt.Fprintf(&w, "\t%q\n", u)
	}
	w.WriteString(")\n")
	return os.WriteFile(filepath.Join(work, "go.work"), []byte(w.String()), 0o644)
}

// findModule returns the directory holding the go.mod that governs dir,
// and its module path; "" if there is none.
func findModule(dir string) (root, modPath string, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
					rest, _, _ = strings.Cut(rest, "//")
					return d, strings.Trim(strings.TrimSpace(rest), "\"`"), nil
				}
			}
			return "", "", inputErrorf("%s: no module line", filepath.Join(d, "go.mod"))
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		if filepath.Dir(d) == d {
			return "", "", nil
		}
	}
}

func copyPackage(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// install puts the built library lib into dir under its own name, through
// a temporary file and a rename, so that a Python process that has the
// old module loaded keeps a valid mapping and no reader ever sees half a
// module. The temporary file gets a random name and is opened with
// O_EXCL, so that a symlink planted in the directory is never followed,
// and it is removed if anything fails. A symlink at the destination
// itself is followed, as for every file hpp writes: the module replaces
// its target, and the link stays. A module replaced keeps its mode; a new
// one is perm less the umask.
func install(lib, dir string, perm fs.FileMode) (string, error) {
	dst := filepath.Join(dir, filepath.Base(lib))
	target := dst
	if fi, err := os.Lstat(dst); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(dst); err != nil {
			return "", fmt.Errorf("cannot follow the symlink at the output %s: %v", dst, err)
		}
	}
	in, err := os.Open(lib)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := createTemp(filepath.Dir(target), filepath.Base(target), perm)
	if err != nil {
		return "", fmt.Errorf("cannot write the module into %s: %v", filepath.Dir(target), err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		return "", fmt.Errorf("writing %s: %v", tmp.Name(), err)
	}
	if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() {
		if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
			return "", err
		}
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %v", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return "", fmt.Errorf("cannot replace %s with the new module: %v", target, err)
	}
	ok = true
	return dst, nil
}

// createTemp creates a new file .BASE.RANDOM.tmp in dir, mode perm less
// the umask (os.CreateTemp's files are 0600).
func createTemp(dir, base string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf(".%s.%08x.tmp", base, rand.Uint32()))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no unused temporary name for %s", base)
}
