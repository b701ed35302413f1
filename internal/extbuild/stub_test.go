package extbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// stubModule is the module of the build test: every example and exttest.
func stubModule(t *testing.T) *Module {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	mod := &Module{Name: "hppcheck", Doc: "The \"test\" module."}
	for _, d := range []string{"examples/goext/fib", "examples/goext/blur", "examples/goext/laplace", "examples/goext/julia", "examples/goext/counter", "pyext/testdata/exttest"} {
		p, err := Inspect(filepath.Join(repo, d))
		if err != nil {
			t.Fatal(err)
		}
		mod.Packages = append(mod.Packages, p)
	}
	return mod
}

// TestStubMypy checks the generated stub with Debian's mypy --strict: a
// script that uses the module correctly passes, and each wrong use fails
// with the error mypy should give.
func TestStubMypy(t *testing.T) {
	if _, err := exec.LookPath("mypy"); err != nil {
		t.Fatal("mypy is needed: apt-get install mypy")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hppcheck.pyi"), stubModule(t).Stub(), 0o644); err != nil {
		t.Fatal(err)
	}
	good := `import array
import numpy as np
import numpy.typing as npt
import hppcheck

x: float = hppcheck.fib(10)
n: int = hppcheck.add_ints(1, b=2)
s: str = hppcheck.greet("go")
up: bytes = hppcheck.upper(b"abc")
hppcheck.nothing()
a, b, c = hppcheck.pair(3)
flag: bool = c
img = np.zeros((4, 5))
out: npt.NDArray[np.float64] = hppcheck.blurred(img)
hppcheck.blur(img, out)
lap: npt.NDArray[np.float64] = hppcheck.laplacian(img)
hppcheck.diffuse(img, np.zeros_like(img), steps=3, d=0.1)
total: float = hppcheck.sum_f64(array.array("d", [1.0])) + hppcheck.sum_f64(memoryview(b""))
hppcheck.incr(bytearray(3))
r: npt.NDArray[np.int64] = hppcheck.ramp(2, 3, -1)
u8, c128, k = hppcheck.halves(3)
z: npt.NDArray[np.complex128] = c128
try:
    hppcheck.fail("x")
except hppcheck.GoError as e:
    msg: str = str(e)
ctr = hppcheck.Counter("apples", step=2)
ticks: int = ctr.tick(3) + ctr.count()
ctr.step = 5
ctr.name = "pears"
both = ctr.merged(hppcheck.Counter("figs", 1))
if both is not None:
    label: str = both.name
blob = hppcheck.Blob(3)
size: int = blob.size + hppcheck.blob_size(blob)
blob.ratio = 0.5
same: bool = blob.same(blob)
text: str = blob.describe("-", times=2)
plain: int = hppcheck.Plain().incr()
`
	bad := map[string]string{
		"fib_str":      `import hppcheck; hppcheck.fib("10")`,
		"result_str":   `import hppcheck; s: str = hppcheck.fib(1)`,
		"keyword":      `import hppcheck; hppcheck.add_ints(1, c=2)`,
		"positional":   `import hppcheck; hppcheck.fib(n=1)`,
		"list_buffer":  `import hppcheck; hppcheck.sum_f64([1.0])`,
		"wrong_dtype":  "import numpy as np, numpy.typing as npt, hppcheck\nr: npt.NDArray[np.float64] = hppcheck.ramp(1, 2, 3)",
		"not_a_module": `import hppcheck; hppcheck.no_such()`,
		"ctor_args":    `import hppcheck; hppcheck.Counter("a")`,
		"method_arg":   `import hppcheck; hppcheck.Counter("a", 1).tick("x")`,
		"property":     `import hppcheck; hppcheck.Counter("a", 1).step = "x"`,
		"readonly":     `import hppcheck; hppcheck.Blob(1).size = 2`,
		"class_param":  `import hppcheck; hppcheck.Counter("a", 1).merged(hppcheck.Blob(1))`,
		"nil_result":   `import hppcheck; n: str = hppcheck.Counter("a", 1).merged(hppcheck.Counter("b", 1)).name`,
		"no_method":    `import hppcheck; hppcheck.Blob(1).private()`,
	}
	run := func(name, src string) (string, error) {
		path := filepath.Join(dir, name+".py")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", path)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "MYPYPATH="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("good", good); err != nil {
		t.Fatalf("mypy --strict on a correct script: %v\n%s\nstub:\n%s", err, out, stubModule(t).Stub())
	}
	for name, src := range bad {
		out, err := run(name, src)
		if err == nil || !strings.Contains(out, "error:") {
			t.Errorf("%s: mypy --strict passed a wrong script:\n%s\n%s", name, src, out)
		}
	}
}

// The stub is Python that parses, docstrings with quotes and backslashes
// included.
func TestStubParses(t *testing.T) {
	mod := stubModule(t)
	mod.Packages[0].Funcs[0].Doc = `Tricky: """quotes""", a \ backslash, ends in a quote"`
	path := filepath.Join(t.TempDir(), "m.pyi")
	os.WriteFile(path, mod.Stub(), 0o644)
	out, err := exec.Command("/usr/bin/python3", "-c", `import ast, sys
tree = ast.parse(open(sys.argv[1]).read())
f = [n for n in tree.body if isinstance(n, ast.FunctionDef)][0]
print(ast.get_docstring(f, clean=False))`, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != `Tricky: """quotes""", a \ backslash, ends in a quote"` {
		t.Fatalf("%v\n%s", err, out)
	}
}
