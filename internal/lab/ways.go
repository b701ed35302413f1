package lab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hpp/internal/extbuild"
	"hpp/internal/outfile"
)

// The Python harness, the ways, and the C, Cython and Go sources that
// the compiled ways build; written out to the cache before a run.
//
//go:embed py/*.py py/*.c py/*.pyx golab/*.go
var sources embed.FS

// Way is one way to run the kernels.
type Way struct {
	Name   string // as given to --ways
	Title  string
	Module string // the harness module py/w_MODULE.py
	Option string // the module's variant
	// Interp runs the way with another interpreter than --python (pypy3).
	Interp string
	// Modules are Python modules the way imports, Tools programs it needs,
	// Build what must be compiled first.
	Modules []string
	Tools   []string
	Build   string
	// OneCore runs the way with GOMAXPROCS=1, pinned to one CPU.
	OneCore bool
	// Kind groups ways for the conclusions.
	Kind string
}

// Ways are the lab's ways, in the order tables list them.
var Ways = []*Way{
	{Name: "python", Title: "pure Python", Module: "python", Kind: "python"},
	{Name: "threads", Title: "Python threads × cores", Module: "threads", Kind: "threads"},
	{Name: "mp-fork", Title: "multiprocessing, fork", Module: "mp", Option: "fork", Kind: "process"},
	{Name: "mp-spawn", Title: "multiprocessing, spawn", Module: "mp", Option: "spawn", Kind: "process"},
	{Name: "futures", Title: "concurrent.futures processes", Module: "futures", Kind: "process"},
	{Name: "numpy", Title: "numpy", Module: "numpy", Modules: []string{"numpy"}, Kind: "array"},
	{Name: "numexpr", Title: "numexpr (all cores)", Module: "numexpr", Modules: []string{"numpy", "numexpr"}, Kind: "array"},
	{Name: "numba", Title: "numba @njit", Module: "numba", Option: "jit", Modules: []string{"numpy", "numba"}, Kind: "compiled"},
	{Name: "numba-par", Title: "numba parallel prange", Module: "numba", Option: "parallel", Modules: []string{"numpy", "numba"}, Kind: "parallel"},
	{Name: "cython", Title: "Cython", Module: "compiled", Option: "cython", Tools: []string{"cython3", "gcc"}, Build: "cython", Kind: "compiled"},
	{Name: "cython-prange", Title: "Cython prange (OpenMP)", Module: "compiled", Option: "cython-prange", Tools: []string{"cython3", "gcc"}, Build: "cython", Kind: "parallel"},
	{Name: "cext", Title: "C extension", Module: "compiled", Option: "cext", Tools: []string{"gcc"}, Build: "cext", Kind: "compiled"},
	{Name: "ctypes", Title: "ctypes → C library", Module: "compiled", Option: "ctypes", Tools: []string{"gcc"}, Build: "clib", Kind: "compiled"},
	{Name: "cffi", Title: "cffi → C library", Module: "compiled", Option: "cffi", Modules: []string{"cffi"}, Tools: []string{"gcc"}, Build: "clib", Kind: "compiled"},
	{Name: "pypy", Title: "PyPy (pure Python)", Module: "python", Interp: "pypy3", Tools: []string{"pypy3"}, Kind: "jit"},
	{Name: "go1", Title: "Go (hpp build), 1 core", Module: "compiled", Option: "go1", Tools: []string{"go", "gcc"}, Build: "go", OneCore: true, Kind: "compiled"},
	{Name: "go", Title: "Go (hpp build), all cores", Module: "compiled", Option: "go", Tools: []string{"go", "gcc"}, Build: "go", Kind: "parallel"},
	{Name: "dask", Title: "Dask distributed", Module: "dask", Modules: []string{"distributed"}, Kind: "engine"},
	{Name: "mpi", Title: "MPI (mpi4py, mpirun)", Module: "mpi", Modules: []string{"mpi4py"}, Tools: []string{"mpirun"}, Kind: "engine"},
}

// debianPackage names the Debian package that brings a module or tool.
var debianPackage = map[string]string{
	"numpy": "python3-numpy", "numexpr": "python3-numexpr", "numba": "python3-numba", "cffi": "python3-cffi",
	"cython3": "cython3", "gcc": "gcc", "pypy3": "pypy3", "go": "golang-go", "headers": "python3-dev",
	"dask": "python3-distributed", "distributed": "python3-distributed", "mpi4py": "python3-mpi4py", "mpirun": "openmpi-bin",
}

func wayByName(name string) *Way {
	for _, w := range Ways {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// pyInfo is what the probe learns about the interpreter.
type pyInfo struct {
	Exe       string            `json:"exe"`
	Impl      string            `json:"impl"`
	Version   string            `json:"version"`
	Cores     int               `json:"cores"`
	Include   string            `json:"include"`
	ExtSuffix string            `json:"ext_suffix"`
	Modules   map[string]string `json:"modules"` // "" when missing
}

const probeScript = `import json, os, sys, sysconfig
mods = {}
for m in ("numpy", "numexpr", "numba", "cffi", "Cython", "dask", "distributed", "mpi4py"):
    try:
        mods[m] = str(__import__(m).__version__)
    except Exception:
        mods[m] = ""
cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
print(json.dumps({"exe": sys.executable, "impl": sys.implementation.name, "version": sys.version.split()[0],
  "cores": cores, "include": sysconfig.get_paths()["include"], "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or "",
  "modules": mods}))
`

// probePython runs the probe under exe.
func probePython(ctx context.Context, exe string) (*pyInfo, error) {
	path, err := exec.LookPath(exe)
	if err != nil {
		return nil, &ToolError{fmt.Sprintf("python interpreter not found: %s (name one with --python, or apt-get install python3)", exe)}
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-c", probeScript)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &ToolError{fmt.Sprintf("%s failed the lab's probe (%v): is it Python 3.6 or later? %s", path, err, lastLine(stderr.String()))}
	}
	var p pyInfo
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, &ToolError{fmt.Sprintf("%s: unexpected answer to the lab's probe: %q", path, out)}
	}
	p.Exe = path
	return &p, nil
}

// ToolError means the interpreter the lab needs cannot run.
type ToolError struct{ Msg string }

func (e *ToolError) Error() string { return e.Msg }

// missing says why w cannot run here, naming the package that fixes it,
// or "" when it can.
func missing(w *Way, py *pyInfo, lookPath func(string) (string, error)) string {
	for _, m := range w.Modules {
		if py.Modules[m] == "" {
			if !strings.HasPrefix(py.Exe, "/usr/bin/") {
				// Debian's packages serve Debian's python3 only.
				return fmt.Sprintf("%s is not installed for %s (pip install %s there, or run with --python /usr/bin/python3 after apt-get install %s)",
					m, py.Exe, m, debianPackage[m])
			}
			return fmt.Sprintf("%s is not installed for %s (apt-get install %s)", m, py.Exe, debianPackage[m])
		}
	}
	for _, t := range w.Tools {
		if _, err := lookPath(t); err != nil {
			return fmt.Sprintf("%s is not on PATH (apt-get install %s)", t, debianPackage[t])
		}
	}
	if w.Build == "cext" || w.Build == "cython" || w.Build == "go" {
		if _, err := os.Stat(filepath.Join(py.Include, "Python.h")); err != nil {
			return fmt.Sprintf("%s has no C headers (no Python.h in %s; apt-get install %s)", py.Exe, py.Include, debianPackage["headers"])
		}
	}
	return ""
}

// cache is the lab's directory under the user's cache: sources written
// out once per hpp version, builds once per sources and interpreter.
type cache struct {
	src, build, in string
}

func openCache(root string, py *pyInfo) (*cache, error) {
	h := sha256.New()
	err := fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sources.ReadFile(p)
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	kern, _ := sources.ReadFile("py/labkern.py")
	ksum := sha256.Sum256(kern)
	c := &cache{src: filepath.Join(root, "src-"+sum), in: filepath.Join(root, "inputs-"+hex.EncodeToString(ksum[:])[:16])}
	fmt.Fprintf(h, "%s %s %s", py.Exe, py.Version, py.ExtSuffix)
	c.build = filepath.Join(root, "build-"+hex.EncodeToString(h.Sum(nil))[:16])
	if err := os.MkdirAll(c.build, 0o755); err != nil {
		return nil, fmt.Errorf("lab cache: %v", err)
	}
	err = fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(c.src, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if _, err := os.Stat(dst); err == nil {
			return nil
		}
		b, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		return outfile.Write(dst, func(w io.Writer) error { _, err := w.Write(b); return err })
	})
	if err != nil {
		return nil, fmt.Errorf("lab cache: %v", err)
	}
	prune(root, c.src, c.build, c.in)
	return c, nil
}

// inputs is where the harness keeps the large inputs it makes (arrays,
// the text corpus, 270 MB at the full size): they depend only on
// labkern.py, so a new hpp with the same kernels keeps them.
func (c *cache) inputs() string {
	if os.MkdirAll(c.in, 0o755) != nil {
		return ""
	}
	return c.in
}

// prune removes what older versions of the lab left in root: entries
// unused for a week (openCache touches those it uses).
func prune(root string, keep ...string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		p := filepath.Join(root, e.Name())
		if slices.Contains(keep, p) {
			os.Chtimes(p, time.Now(), time.Now())
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 7*24*time.Hour {
			os.RemoveAll(p)
		}
	}
}

// built says what a build made and how long it took (0 when cached).
type built struct {
	Seconds float64
	Err     string
}

func productName(kind string, py *pyInfo) string {
	return map[string]string{
		"clib": "liblab.so", "cext": "labcext" + py.ExtSuffix, "cython": "labcy" + py.ExtSuffix, "go": "labgo.*so",
	}[kind]
}

// has reports whether kind's product is in the cache.
func (c *cache) has(kind string, py *pyInfo) bool {
	m, _ := filepath.Glob(filepath.Join(c.build, productName(kind, py)))
	return len(m) > 0
}

// buildOnce compiles what kind needs into the cache, unless it is there.
// Each build works in a directory of its own and renames its product
// into place, so that two lab runs at once (two test packages) neither
// write one file together nor import a half-written one.
func (c *cache) buildOnce(ctx context.Context, kind string, py *pyInfo) built {
	if c.has(kind, py) {
		return built{}
	}
	pattern := productName(kind, py)
	t0 := time.Now()
	dir, err := os.MkdirTemp(c.build, "tmp-"+kind+"-")
	if err != nil {
		return built{Err: err.Error()}
	}
	defer os.RemoveAll(dir)
	product := filepath.Join(dir, pattern)
	src := func(f string) string { return filepath.Join(c.src, "py", f) }
	var cmds [][]string
	switch kind {
	case "clib":
		cmds = [][]string{{"gcc", "-O2", "-shared", "-fPIC", "-o", product, src("labclib.c"), "-lm"}}
	case "cext":
		cmds = [][]string{{"gcc", "-O2", "-shared", "-fPIC", "-I" + py.Include, "-o", product, src("labcext.c"), "-lm"}}
	case "cython":
		csrc := filepath.Join(dir, "labcy.c")
		cmds = [][]string{{"cython3", "-3", "-o", csrc, src("labcy.pyx")},
			{"gcc", "-O2", "-fopenmp", "-shared", "-fPIC", "-I" + py.Include, "-o", product, csrc, "-lm"}}
	case "go":
		var log bytes.Buffer
		so, err := extbuild.Build(ctx, extbuild.Options{Dirs: []string{filepath.Join(c.src, "golab")}, Name: "labgo",
			Python: py.Exe, OutDir: dir, Stderr: &log})
		if err != nil {
			return built{Err: fmt.Sprintf("hpp build failed: %v %s", err, lastLine(log.String()))}
		}
		product = so
	}
	for _, a := range cmds {
		cmd := exec.CommandContext(ctx, a[0], a[1:]...)
		var msg bytes.Buffer
		cmd.Stdout, cmd.Stderr = &msg, &msg
		if err := cmd.Run(); err != nil {
			e := fmt.Sprintf("%s failed (%v): %s", a[0], err, firstError(msg.String()))
			if kind == "cython" {
				e += fmt.Sprintf(" (does this cython3 know Python %s?)", py.Version)
			}
			return built{Err: e}
		}
	}
	if err := os.Rename(product, filepath.Join(c.build, filepath.Base(product))); err != nil {
		return built{Err: err.Error()}
	}
	return built{Seconds: time.Since(t0).Seconds()}
}

// firstError is a compiler's first error line ("FILE:LINE:COL: error:";
// the rest often follows from it), or its last line when there is none.
func firstError(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, ": error:") || strings.Contains(l, ": fatal error:") {
			return strings.TrimSpace(l)
		}
	}
	return lastLine(s)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
