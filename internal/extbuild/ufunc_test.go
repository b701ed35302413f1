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
)

func TestInspectRejectsUfunc(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"slice param", "package p\n//hpp:export ufunc\nfunc F(x []float64) float64 { return 0 }\n", "ufunc parameter x has type []float64; a ufunc takes float64"},
		{"string result", "package p\n//hpp:export ufunc\nfunc F(x float64) string { return \"\" }\n", "ufunc result type string"},
		{"int8", "package p\n//hpp:export ufunc\nfunc F(x int8) int8 { return x }\n", "ufunc parameter x has type int8"},
		{"error", "package p\n//hpp:export ufunc\nfunc F(x float64) (float64, error) { return x, nil }\n", "a ufunc cannot return an error"},
		{"no result", "package p\n//hpp:export ufunc\nfunc F(x float64) {}\n", "a ufunc needs a result"},
		{"no parameter", "package p\n//hpp:export ufunc\nfunc F() float64 { return 0 }\n", "at least one parameter"},
		{"holdgil", "package p\n//hpp:export ufunc holdgil\nfunc F(x float64) float64 { return x }\n", "drop holdgil/releasegil"},
		{"identity without ufunc", "package p\n//hpp:export identity=0\nfunc F(x, y float64) float64 { return x }\n", "identity= is for ufuncs"},
		{"identity unary", "package p\n//hpp:export ufunc identity=0\nfunc F(x float64) float64 { return x }\n", "identity= is for reduce"},
		{"identity not a number", "package p\n//hpp:export ufunc identity=zero\nfunc F(x, y float64) float64 { return x }\n", "identity=zero is not a number"},
		{"identity nan", "package p\n//hpp:export ufunc identity=nan\nfunc F(x, y float64) float64 { return x }\n", "identity=nan is not a number"},
		{"name of a function", "package p\n//hpp:export ufunc\nfunc F(x float64) float64 { return x }\n//hpp:export name=f\nfunc G() {}\n", `p.go:5: G: Python name "f" is already used by p.go:3`},
		{"loop of another arity", "package p\n//hpp:export ufunc\nfunc F(x float64) float64 { return x }\n//hpp:export ufunc name=f\nfunc G(x, y float32) float32 { return x }\n", "must take 1 parameters and return 1 results"},
		{"same loop twice", "package p\n//hpp:export ufunc\nfunc F(x float64) float64 { return x }\n//hpp:export ufunc name=f\nfunc G(y float64) float64 { return y }\n", "already has a loop d->d (p.go:3)"},
		{"identities differ", "package p\n//hpp:export ufunc identity=0\nfunc F(x, y float64) float64 { return x }\n//hpp:export ufunc name=f identity=1\nfunc G(x, y float32) float32 { return x }\n", "identity=1 differs"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantInspectError(t, tc.src, tc.want) })
	}
}

// Functions exported under one name become the loops of one ufunc, in
// the order numpy should try them.
func TestInspectUfuncLoops(t *testing.T) {
	p, err := Inspect(writePkg(t, `package p

//hpp:export ufunc identity=-inf
func F(x, y float64) float64 { return x }

//hpp:export ufunc name=f
func G(x, y int32) int32 { return x }

//hpp:export ufunc name=f
func H(x, y bool) bool { return x }

//hpp:export ufunc name=f
func K(x, y int) int { return x }
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Funcs) != 1 || !p.Funcs[0].Ufunc || p.Funcs[0].Identity != "-inf" {
		t.Fatalf("funcs = %+v", p.Funcs)
	}
	var got []string
	for _, g := range ufuncLoops(p.Funcs[0]) {
		got = append(got, ufuncTypes(g))
	}
	if want := "??->? ii->i ll->l dd->d"; strings.Join(got, " ") != want {
		t.Fatalf("loops %v, want %s", got, want)
	}
}

// testPythonsWithNumpy are the interpreters of pythons() that can import
// numpy: here only Debian's 3.11 (python3-numpy), pyenv's have none; the
// chroot's 3.14 and 3.15 have numpy 2 (ufuncChroot).
func testPythonsWithNumpy(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, py := range pythons(t) {
		if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
			t.Logf("%s (%s) has no numpy: ufuncs not tested there", name, py)
			continue
		}
		out[name] = py
	}
	if _, ok := out["debian"]; !ok {
		t.Fatal("numpy is needed for Debian's python3: apt-get install python3-numpy")
	}
	return out
}

// TestUfunc builds examples/goext/ufunc and pyext/testdata/ufunctest into
// one module for every Python that has numpy and runs
// testdata/check_ufunc.py, which compares the ufuncs with numpy's own
// on the same inputs; then once more with GOMAXPROCS=1; and Debian's
// abi3 module on the chroot's 3.14 and 3.15 with numpy 2.
func TestUfunc(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an extension per Python")
	}
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	examples := filepath.Join(repo, "examples", "goext")
	dirs := []string{filepath.Join(examples, "ufunc"), filepath.Join(repo, "pyext", "testdata", "ufunctest")}
	check, _ := filepath.Abs("testdata/check_ufunc.py")
	strictC(t)
	for name, py := range testPythonsWithNumpy(t) {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			if _, err := Build(ctx, Options{Dirs: dirs, Name: "hppufunc", Python: py, OutDir: out, Stderr: os.Stderr}); err != nil {
				t.Fatal(err)
			}
			for _, env := range []string{"", "GOMAXPROCS=1"} {
				cmd := exec.CommandContext(ctx, py, check, out, examples)
				cmd.Env = append(os.Environ(), env)
				b, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(b), "all ufunc checks passed") {
					t.Fatalf("%s %s %s: %v\n%s", env, py, check, err, b)
				}
				t.Logf("%s\n%s", env, b)
			}
			// The stub types the ufuncs as numpy's ufunc.
			stub, err := os.ReadFile(filepath.Join(out, "hppufunc.pyi"))
			if err != nil || !strings.Contains(string(stub), "\npoly_sin: np.ufunc\n") {
				t.Errorf("stub: %v\n%s", err, stub)
			}
			if name == "debian" {
				ufuncChroot(t, out, filepath.Join(examples, "ufunc"), check)
			}
		})
	}
}

// ufuncChroot runs check_ufunc.py against the abi3 module in mod, built
// with Debian's python3 (3.11, numpy 1.24's headers), on each CPython of
// the Debian unstable chroot whose numpy (2.4) imports: one module for
// both numpy ABIs, as a wheel would be.
func ufuncChroot(t *testing.T, mod, example, check string) {
	t.Helper()
	var vs []string
	for _, v := range sidVersions {
		if sidHasNumpy(v) {
			vs = append(vs, v)
		} else {
			t.Logf("no numpy for python%s in %s (sid's python3-numpy 2.4.6 is built for 3.14 and 3.15; scripts/sid-chroot installs it): ufuncs not tested there", v, sidChroot)
		}
	}
	if len(vs) == 0 {
		return
	}
	t.Run("sid", func(t *testing.T) {
		work, inside := sidWork(t)
		if err := os.Mkdir(filepath.Join(work, "goext"), 0o755); err != nil {
			t.Fatal(err)
		}
		copyInto(t, work, mod, check)
		copyInto(t, filepath.Join(work, "goext"), example)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		for _, v := range vs {
			t.Run(v, func(t *testing.T) {
				b, err := exec.CommandContext(ctx, "chroot", sidChroot, "python"+v, inside+"/check_ufunc.py",
					inside+"/"+filepath.Base(mod), inside+"/goext").CombinedOutput()
				if err != nil || !strings.Contains(string(b), "all ufunc checks passed") {
					t.Fatalf("python%s in %s: %v\n%s", v, sidChroot, err, b)
				}
				t.Logf("%s", b)
			})
		}
	})
}

// A module without ufuncs does not import numpy; one with ufuncs cannot
// be built for a Python without numpy, and says how to get it.
func TestUfuncNeedsNumpyOnlyWithUfuncs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an extension")
	}
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := Build(ctx, Options{Dirs: []string{filepath.Join(repo, "examples", "goext", "fib")}, Python: "/usr/bin/python3", OutDir: out, Stderr: os.Stderr}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "-c", "import sys, fib; fib.fib(3); print(sorted(m for m in sys.modules if m.startswith('numpy')))")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("a module without ufuncs imported numpy: %v\n%s", err, b)
	}
	noNumpy := ""
	for _, v := range []string{"3.12", "3.10", "3.9", "3.8"} {
		if py := pythons(t)[v]; py != "" && exec.Command(py, "-c", "import numpy").Run() != nil {
			noNumpy = py
			break
		}
	}
	if noNumpy == "" {
		t.Skip("no pyenv Python without numpy")
	}
	_, err := Build(ctx, Options{Dirs: []string{filepath.Join(repo, "examples", "goext", "ufunc")}, Python: noNumpy, OutDir: out, Stderr: os.Stderr})
	var te *ToolError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "cannot import numpy (ModuleNotFoundError: No module named 'numpy'): install numpy for it") {
		t.Fatalf("err = %v, want a ToolError saying to install numpy", err)
	}
}

// The stub of a module with ufuncs passes mypy --strict when the ufuncs
// are used as numpy's, and fails when one is used as something else.
func TestUfuncStubMypy(t *testing.T) {
	if _, err := exec.LookPath("mypy"); err != nil {
		t.Fatal("mypy is needed: apt-get install mypy")
	}
	_, file, _, _ := runtime.Caller(0)
	p, err := Inspect(filepath.Join(filepath.Dir(file), "..", "..", "examples", "goext", "ufunc"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := &Module{Name: "hppufunc", Packages: []*Package{p}}
	if err := os.WriteFile(filepath.Join(dir, "hppufunc.pyi"), mod.Stub(), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		src  string
		pass bool
	}{
		"good": {"import numpy as np\nimport hppufunc\nu: np.ufunc = hppufunc.add\nn: int = hppufunc.divmod.nout\nhppufunc.add.reduce(np.ones(3))\n", true},
		"call": {"import hppufunc\nhppufunc.poly_sin.no_such_method()\n", false},
		"type": {"import hppufunc\nn: str = hppufunc.add.nin\n", false},
	} {
		path := filepath.Join(dir, name+".py")
		os.WriteFile(path, []byte(tc.src), 0o644)
		cmd := exec.Command("mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", path)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "MYPYPATH="+dir)
		b, err := cmd.CombinedOutput()
		if (err == nil) != tc.pass {
			t.Errorf("%s: mypy --strict: %v (want pass=%v)\n%s\n%s", name, err, tc.pass, tc.src, b)
		}
	}
}
