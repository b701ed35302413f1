package extbuild

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"hpp/internal/pyfind"
)

func writePkg(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInspectRejects(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no exports", "package p\nfunc F(x int) int { return x }\n", "no function marked //hpp:export"},
		{"main", "package main\n//hpp:export\nfunc F() {}\n", "is package main"},
		{"map param", "package p\n//hpp:export\nfunc F(m map[string]int) {}\n", "parameter type map[string]int cannot be converted"},
		{"pointer param", "package p\n//hpp:export\nfunc F(p *int) {}\n", "parameter type *int cannot be converted"},
		{"float slice result", "package p\n//hpp:export\nfunc F() []float64 { return nil }\n", "result type []float64 cannot be converted"},
		{"array of int16", "package p\nimport \"hpp/pyext\"\n//hpp:export\nfunc F(a pyext.Array[int16]) {}\n", "parameter type pyext.Array[int16] cannot be converted"},
		{"another package's Array", "package p\nimport pyext \"example.com/other\"\n//hpp:export\nfunc F(a pyext.Array[float64]) {}\n", "parameter type pyext.Array[float64] cannot be converted"},
		{"error not last", "package p\n//hpp:export\nfunc F() (error, int) { return nil, 0 }\n", "error must be the last result"},
		{"method", "package p\ntype T int\n//hpp:export\nfunc (T) F() {}\n", "not methods"},
		{"unexported", "package p\n//hpp:export\nfunc f() {}\n", "needs an exported function"},
		{"variadic", "package p\n//hpp:export\nfunc F(x ...int) {}\n", "variadic"},
		{"generic", "package p\n//hpp:export\nfunc F[T any](x int) {}\n", "generic"},
		{"bad option", "package p\n//hpp:export fast\nfunc F() {}\n", `unknown //hpp:export option "fast"`},
		{"bad readonly", "package p\n//hpp:export readonly=y\nfunc F(x []byte) {}\n", "readonly=y names no parameter"},
		{"duplicate name", "package p\n//hpp:export name=g\nfunc F() {}\n//hpp:export\nfunc G() {}\n", `Python name "g" is already used`},
		{"contradictory GIL options", "package p\n//hpp:export holdgil releasegil\nfunc F() {}\n", "contradict"},
		{"reserved name", "package p\n//hpp:export name=GoError\nfunc F() {}\n", "taken by the module's exception class"},
		{"syntax", "package p\nfunc F( {}\n", "expected"},
		{"Goexit", "package p\nimport \"runtime\"\n//hpp:export\nfunc F(n int) {\n\tif n > 0 {\n\t\truntime.Goexit()\n\t}\n}\n", "p.go:6: F: runtime.Goexit would end the goroutine of the Python thread"},
		{"Goexit renamed", "package p\nimport rt \"runtime\"\n//hpp:export\nfunc F() { defer rt.Goexit() }\n", "p.go:4: F: runtime.Goexit"},
		{"keyword clash", "package p\n//hpp:export\nfunc F(aB, a_b int) {}\n", `p.go:3: F: parameters aB and a_b both become the Python keyword "a_b"; rename one`},
		{"unnamed clash", "package p\n//hpp:export\nfunc F(arg1 int, _ int) {}\n", `parameters arg1 and arg1 both become the Python keyword "arg1"`},
		{"dunder name", "package p\n//hpp:export name=__name__\nfunc F() {}\n", `p.go:3: F: Python name "__name__" has the __dunder__ form`},
		{"keyword name", "package p\n//hpp:export name=class\nfunc F() {}\n", `Python name "class" is a Python keyword; pick another with //hpp:export name=...`},
		{"None", "package p\n//hpp:export name=None\nfunc F() {}\n", `Python name "None" is a Python keyword`},
		{"not an identifier", "package p\n//hpp:export name=1x\nfunc F() {}\n", `Python name "1x" is not a Python identifier`},
		{"empty name", "package p\n//hpp:export name=\nfunc F() {}\n", `Python name "" is empty`},
		{"fullwidth function", "package p\n//hpp:export\nfunc Ｆib() {}\n", `p.go:3: Ｆib: Python name "ｆib" is not ASCII`},
		{"fullwidth name=", "package p\n//hpp:export name=ｆib\nfunc F() {}\n", `Python name "ｆib" is not ASCII`},
		{"fullwidth parameter", "package p\n//hpp:export\nfunc F(ｘ int) {}\n", `p.go:3: F: parameter ｘ: its Python keyword "ｘ" is not ASCII`},
	} {
		t.Run(tc.name, func(t *testing.T) { wantInspectError(t, tc.src, tc.want) })
	}
}

// wantInspectError inspects the one-file package src and fails unless
// that gives an InputError whose text holds want.
func wantInspectError(t *testing.T, src, want string) {
	t.Helper()
	_, err := Inspect(writePkg(t, src))
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want an InputError containing %q", err, want)
	}
}

func TestInspectFinds(t *testing.T) {
	dir := writePkg(t, `// Package p is a test.
package p

import (
	px "hpp/pyext"
	"runtime"
)

// Grid views a 2-D array through pyext imported under another name.
//
//hpp:export readonly=g
func Grid(g px.Array[float64], out px.Array[uint8]) {}

// JuliaSet has a doc.
//
//hpp:export readonly=zs
func JuliaSet(zs []complex128, a, _ float64, out []int32) (int, error) { return 0, nil }

//hpp:export holdgil
func Not(bool) bool { return true }

// F is not exported to Python: no directive.
func F() {}

//hpp:export name=custom
func HTTPGet(s string) (string, []byte) {
	go runtime.Goexit() // another goroutine's: fine
	func() { go func() { runtime.Goexit() }() }()
	return "", nil
}
`)
	p, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Funcs {
		var ps []string
		for _, a := range f.Params {
			s := a.Name + " " + a.Type.Go
			if a.ReadOnly {
				s += " ro"
			}
			ps = append(ps, s)
		}
		got = append(got, f.PyName+"("+strings.Join(ps, ", ")+")"+map[bool]string{true: " gil"}[f.HoldGIL]+map[bool]string{true: " err"}[f.Error])
	}
	want := []string{
		"custom(s string)",
		"grid(g pyext.Array[float64] ro, out pyext.Array[uint8])",
		"julia_set(zs []complex128 ro, a float64, arg2 float64, out []int32) err",
		"not_(arg0 bool) gil",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.Doc != "Package p is a test." || p.Funcs[2].Doc != "JuliaSet has a doc." {
		t.Errorf("docs: %q, %q", p.Doc, p.Funcs[2].Doc)
	}
}

// Functions in a file that uses cgo are exported like any other.
func TestInspectCgoFile(t *testing.T) {
	dir := writePkg(t, "package p\n\n//hpp:export\nfunc Plain() {}\n")
	cgo := "package p\n\n// #include <stdlib.h>\nimport \"C\"\n\n//hpp:export\nfunc Abs(x int) int { return int(C.labs(C.long(x))) }\n"
	if err := os.WriteFile(filepath.Join(dir, "c.go"), []byte(cgo), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Funcs) != 2 || p.Funcs[0].PyName != "abs" || p.Funcs[0].Pos != "c.go:7" {
		t.Errorf("found %+v, want abs (c.go:7) and plain", *p.Funcs[0])
	}
}

// A compile error in a package that hpp build copied (a directory
// outside any module) names the user's file, not the copy.
func TestBuildErrorNamesUserFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	dir := writePkg(t, "package p\n\n//hpp:export\nfunc F(n int) int { return n + \"x\" }\n")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	_, err := Build(ctx, Options{Dirs: []string{dir}, Python: "/usr/bin/python3", OutDir: t.TempDir(), Stderr: os.Stderr})
	if err == nil {
		t.Fatal("the build succeeded")
	}
	msg := err.Error()
	if want := filepath.Join(dir, "p.go") + ":4:"; !strings.Contains(msg, want) || strings.Contains(msg, "hppuser") {
		t.Errorf("error %q: want it to name %s and no temporary path", msg, want)
	}
}

// Python keywords are exact: None is one, none is not.
func TestPyNameKeywords(t *testing.T) {
	for in, want := range map[string]string{"Not": "not_", "None": "none", "True": "true", "Class": "class_", "Lambda": "lambda_"} {
		if got := pyName(in); got != want {
			t.Errorf("pyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Module names Python cannot import are refused before anything is built.
func TestBuildRejectsModuleName(t *testing.T) {
	ok := writePkg(t, "package p\n//hpp:export\nfunc F() {}\n")
	pass := writePkg(t, "package pass\n//hpp:export\nfunc F() {}\n")
	for _, tc := range []struct{ dir, name, want string }{
		{ok, "class", `module name "class" is a Python keyword: pick another --name`},
		{ok, "__main__", `module name "__main__" has the __dunder__ form`},
		{ok, "mödule", `module name "mödule" is not ASCII`},
		{ok, "a-b", `module name "a-b" is not a Python identifier`},
		{pass, "", `module name "pass" is a Python keyword: name the module with --name`},
	} {
		_, err := Build(context.Background(), Options{Dirs: []string{tc.dir}, Name: tc.name, Python: "/nonexistent/python"})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--name %q: err = %v, want an InputError containing %q", tc.name, err, tc.want)
		}
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"Fib": "fib", "JuliaSet": "julia_set", "NBodyStep": "n_body_step",
		"HTTPGet": "http_get", "SumF64": "sum_f64", "Pi": "pi", "FibHoldGIL": "fib_hold_gil"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCString compiles the quoted strings with the real C compiler and
// checks that they print back unchanged.
func TestCString(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("gcc is needed: apt-get install gcc")
	}
	in := "a \"quoted\" \\ back\nslash\ttab ??= trigraph é ünïcode \x01"
	dir := t.TempDir()
	src := "#include <stdio.h>\nint main(void) { fputs(" + cString(in) + ", stdout); return 0; }\n"
	os.WriteFile(filepath.Join(dir, "x.c"), []byte(src), 0o644)
	if out, err := exec.Command(gcc, "-trigraphs", "-o", filepath.Join(dir, "x"), filepath.Join(dir, "x.c")).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "x")).Output()
	if err != nil || string(out) != in {
		t.Fatalf("got %q (%v), want %q", out, err, in)
	}
}

// pythons lists the interpreters the build test runs on: each pyenv
// CPython 3.8 to 3.13 that is installed, and Debian's python3, which must be.
func pythons(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Fatal("Debian's python3 is needed: apt-get install python3 python3-dev python3-numpy")
	}
	out["debian"] = "/usr/bin/python3"
	for _, v := range []string{"3.8", "3.9", "3.10", "3.11", "3.12", "3.13"} {
		py := pyfind.Pyenv(v)
		if py == "" {
			t.Logf("pyenv CPython %s not installed: skipped", v)
			continue
		}
		out[v] = py
	}
	return out
}

// strictC makes a call to an undeclared C function an error, as it is
// with GCC 14 and Clang 16, so that the glue cannot rely on headers that
// Python.h includes only outside the limited API. hpp build passes the
// environment's CGO_CFLAGS on.
func strictC(t *testing.T) {
	t.Helper()
	t.Setenv("CGO_CFLAGS", "-Werror=implicit-function-declaration")
}

// TestBuildAndRun builds the examples and the exttest package into one
// module per Python (one Go runtime per process, and one c-shared build
// each, which is the slow part) and runs testdata/check.py against it.
func TestBuildAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an extension per Python")
	}
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	examples := filepath.Join(repo, "examples", "goext")
	dirs := []string{filepath.Join(examples, "fib"), filepath.Join(examples, "pi"), filepath.Join(examples, "julia"),
		filepath.Join(examples, "nbody"), filepath.Join(examples, "blur"), filepath.Join(examples, "laplace"),
		filepath.Join(examples, "counter"), filepath.Join(repo, "pyext", "testdata", "exttest")}
	check, _ := filepath.Abs("testdata/check.py")
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("gcc is needed: apt-get install gcc")
	}
	strictC(t)
	for name, py := range pythons(t) {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			start := time.Now()
			so, err := Build(ctx, Options{Dirs: dirs, Name: "hppcheck", Python: py, OutDir: out, Stderr: os.Stderr})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("built %s in %.1fs", filepath.Base(so), time.Since(start).Seconds())
			if name == "debian" {
				if !strings.HasSuffix(so, ".abi3.so") {
					t.Errorf("%s: CPython 3.11 should get the stable ABI", so)
				}
				if b, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
					t.Fatalf("numpy is needed for Debian's python3: apt-get install python3-numpy\n%s", b)
				}
			}
			cmd := exec.CommandContext(ctx, py, check, out, examples)
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", py, check, err, b)
			}
			if !strings.Contains(string(b), "all checks passed") {
				t.Fatalf("check.py did not finish:\n%s", b)
			}
			t.Logf("%s", b)
		})
	}
}

// TestBuildOutsideModule builds a bare directory, outside any module,
// that imports hpp/pyext: the copy embedded in the binary must serve.
func TestBuildOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an extension")
	}
	dir := writePkg(t, `// Package sq squares in parallel.
package sq

import "hpp/pyext"

// Sum returns the sum of i*i for i < n.
//
//hpp:export
func Sum(n int) (int, error) {
	parts := make([]int, n)
	err := pyext.ParallelFor(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			parts[i] = i * i
		}
	})
	s := 0
	for _, p := range parts {
		s += p
	}
	return s, err
}
`)
	strictC(t)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := Build(ctx, Options{Dirs: []string{dir}, Python: "/usr/bin/python3", OutDir: out, Stderr: os.Stderr}); err != nil {
		t.Fatal(err)
	}
	b, err := exec.CommandContext(ctx, "/usr/bin/python3", "-c",
		"import sys; sys.path.insert(0, sys.argv[1]); import sq; print(sq.sum(1000) == sum(i * i for i in range(1000)))", out).CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "True" {
		t.Fatalf("%v\n%s", err, b)
	}
}

// sidChroot is where scripts/sid-chroot keeps a Debian unstable chroot
// with python3.13, 3.14 and 3.15, and sid's python3-numpy (see
// /work/shared/TESTBED.md).
const sidChroot = "/var/cache/hpp/sid"

// sidVersions are the CPython versions in the chroot.
var sidVersions = []string{"3.13", "3.14", "3.15"}

// sidHasNumpy reports whether the chroot's numpy has its extension module
// for CPython v: sid's python3-numpy 2.4.6 is built for 3.14 and 3.15,
// not 3.13. It looks at the files, so that no check runs Python once
// more to find out.
func sidHasNumpy(v string) bool {
	so, _ := filepath.Glob(filepath.Join(sidChroot, "usr", "lib", "python3", "dist-packages", "numpy", "_core",
		"_multiarray_umath.cpython-"+strings.ReplaceAll(v, ".", "")+"-*.so"))
	return len(so) > 0
}

// sidWork skips the test unless the chroot is there and we may enter it,
// and makes a directory inside it, removed after the test: its path
// outside the chroot and inside.
func sidWork(t *testing.T) (outside, inside string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	if _, err := os.Stat(filepath.Join(sidChroot, "usr", "bin", "python3.15")); err != nil {
		t.Skipf("no Debian unstable chroot at %s (scripts/sid-chroot makes it): 3.13-3.15 not tested", sidChroot)
	}
	work, err := os.MkdirTemp(filepath.Join(sidChroot, "tmp"), "hpp-ext-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	return work, strings.TrimPrefix(work, sidChroot)
}

// copyInto copies files and directories into dir with cp -r.
func copyInto(t *testing.T, dir string, paths ...string) {
	t.Helper()
	if b, err := exec.Command("cp", append(append([]string{"-r"}, paths...), dir)...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}

// TestBuildAndRunChroot runs check.py on CPython 3.13, 3.14 and 3.15 from
// Debian unstable, in the chroot, against one abi3 module built outside
// it with Debian's python3 (3.11): the stable ABI's promise. On 3.14 and
// 3.15 check.py also compares the N-d array examples and new arrays with
// numpy 2's (sid's python3-numpy); the module was built where numpy is
// 1.24.
func TestBuildAndRunChroot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an extension")
	}
	work, inside := sidWork(t)
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	examples := filepath.Join(repo, "examples", "goext")
	strictC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var dirs []string
	for _, d := range []string{"fib", "pi", "julia", "nbody", "blur", "laplace", "counter"} {
		dirs = append(dirs, filepath.Join(examples, d))
	}
	dirs = append(dirs, filepath.Join(repo, "pyext", "testdata", "exttest"))
	if err := os.Mkdir(filepath.Join(work, "mod"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, Options{Dirs: dirs, Name: "hppcheck", Python: "/usr/bin/python3", OutDir: filepath.Join(work, "mod"), Stderr: os.Stderr}); err != nil {
		t.Fatal(err)
	}
	check, _ := filepath.Abs("testdata/check.py")
	copyInto(t, work, examples, check)
	for _, v := range sidVersions {
		t.Run(v, func(t *testing.T) {
			b, err := exec.CommandContext(ctx, "chroot", sidChroot, "python"+v, inside+"/check.py", inside+"/mod", inside+"/goext").CombinedOutput()
			if err != nil || !strings.Contains(string(b), "all checks passed") {
				t.Fatalf("python%s in %s: %v\n%s", v, sidChroot, err, b)
			}
			// check.py skips its numpy parts when numpy does not
			// import; where the chroot has numpy, they must have run.
			if sidHasNumpy(v) && !strings.Contains(string(b), "as ndarray") {
				t.Fatalf("python%s in %s has numpy, but check.py ran without it:\n%s", v, sidChroot, b)
			}
			t.Logf("%s", b)
		})
	}
}

// TestNoProcPerCall runs 20000 calls in a mount namespace without /proc
// (as in a chroot or container without it) under strace: glibc reads
// /proc/self/maps to answer Go's per-call question about the main
// thread's stack, and before stackWrapper every call tried it (1.5 µs a
// call instead of 0.08). Now glibc tries once.
func TestNoProcPerCall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an extension")
	}
	if os.Geteuid() != 0 {
		t.Skip("unshare -m needs root")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("strace is needed: apt-get install strace")
	}
	_, file, _, _ := runtime.Caller(0)
	fib := filepath.Join(filepath.Dir(file), "..", "..", "examples", "goext", "fib")
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := Build(ctx, Options{Dirs: []string{fib}, Python: "/usr/bin/python3", OutDir: out, Stderr: os.Stderr}); err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(out, "trace")
	script := "import sys; sys.path.insert(0, sys.argv[1]); import fib, os\nassert not os.path.exists('/proc/self')\n" +
		"for _ in range(20000): fib.fib(0)\n"
	cmd := exec.CommandContext(ctx, "unshare", "-m", "sh", "-c", `umount -l /proc && exec "$@"`, "sh",
		strace, "-f", "-qq", "-e", "trace=openat", "-o", trace, "/usr/bin/python3", "-c", script, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	n := strings.Count(readString(t, trace), "/proc/self/maps")
	if n > 5 {
		t.Errorf("20000 calls opened /proc/self/maps %d times; want a few at most", n)
	}
}

// TestTwoModules imports two hpp-built modules, each with its own Go
// runtime, into one process: calls, nil dereferences (each runtime's
// SIGSEGV handler forwards the other's faults), ParallelFor pools, new
// arrays and threads calling both at once must all work, and nothing
// may hang.
func TestTwoModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two extensions")
	}
	_, file, _, _ := runtime.Caller(0)
	pkg := filepath.Join(filepath.Dir(file), "..", "..", "pyext", "testdata", "exttest")
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, name := range []string{"twoa", "twob"} {
		if _, err := Build(ctx, Options{Dirs: []string{pkg}, Name: name, Python: "/usr/bin/python3", OutDir: out, Stderr: os.Stderr}); err != nil {
			t.Fatal(err)
		}
	}
	script := `import sys, threading
sys.path.insert(0, sys.argv[1])
import twoa, twob
for m, other in ((twoa, twob), (twob, twoa)):
    assert m.add_ints(2, 3) == 5
    for kind in ("nil", "index"):
        try:
            m.boom(kind)
        except m.GoPanic as e:
            assert not isinstance(e, other.GoPanic)
        else:
            raise AssertionError("no GoPanic")
    assert m.parallel_noop(100000) is None
    assert m.ramp(2, 3, -1).tolist() == [[0, 1, 2], [3, 4, 5]]
errs = []
def work(m):
    try:
        for _ in range(2000):
            assert m.add_ints(1, 1) == 2
            m.parallel_noop(1000)
        for _ in range(50):
            try:
                m.boom("nil")
            except m.GoPanic:
                pass
    except BaseException as e:
        errs.append(e)
ts = [threading.Thread(target=work, args=(m,)) for m in (twoa, twob, twoa, twob)]
[t.start() for t in ts]
[t.join() for t in ts]
assert not errs, errs
print("two modules ok")
`
	b, err := exec.CommandContext(ctx, "/usr/bin/python3", "-c", script, out).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "two modules ok") {
		t.Fatalf("%v\n%s", err, b)
	}
}
