package extbuild

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadProjectRejects(t *testing.T) {
	for _, tc := range []struct{ name, toml, want string }{
		{"no version", "[project]\nname = \"a\"\n", `version "" is not a PEP 440 version`},
		{"dynamic version", "[project]\nname = \"a\"\ndynamic = [\"version\"]\n", `hpp does not compute dynamic versions`},
		{"bad name", "[project]\nname = \"-a\"\nversion = \"1\"\n", `name "-a" is not a valid distribution name`},
		{"two-line description", "[project]\nname = \"a\"\nversion = \"1\"\ndescription = \"\"\"x\ny\"\"\"\n", "description must be one line"},
		{"missing readme", "[project]\nname = \"a\"\nversion = \"1\"\nreadme = \"NOPE.md\"\n", "readme NOPE.md"},
		{"not TOML", "[project\nname = 1\n", "pyproject.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(tc.toml), 0o644)
			_, err := ReadProject(dir)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an InputError containing %q", err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[project]\nname = \"A.b\"\nversion = \"1.0rc1\"\n"+
		"readme = {text = \"hi\", content-type = \"text/x-rst\"}\n[tool.other]\nx = 2026-01-01T00:00:00Z\n"), 0o644)
	p, err := ReadProject(dir)
	if err != nil || p.ReadmeText != "hi" || p.ReadmeType != "text/x-rst" || p.Packages[0] != "." {
		t.Fatalf("ReadProject = %+v, %v", p, err)
	}
}

// TestWheelPip builds examples/goext/wheel's kind of project outside the
// hpp module, installs it with Debian's pip into a fresh venv through the
// in-tree PEP 517 backend, imports and runs it, checks its metadata and
// its stub (mypy --strict against the installed package), uninstalls it
// and requires the venv to be as before. It also checks the wheel's
// platform tag against the glibc versions objdump reads.
func TestWheelPip(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hpp and a wheel, and runs pip")
	}
	if b, err := exec.Command("/usr/bin/python3", "-c", "import venv, ensurepip").CombinedOutput(); err != nil {
		t.Fatalf("Debian's python3-venv is needed: apt-get install python3-venv python3-pip\n%s", b)
	}
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	hpp := filepath.Join(tmp, "hpp")
	gobuild := exec.CommandContext(ctx, "go", "build", "-o", hpp, "./cmd/hpp")
	gobuild.Dir = repo
	if b, err := gobuild.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/hpp: %v\n%s", err, b)
	}
	proj := filepath.Join(tmp, "proj")
	os.MkdirAll(filepath.Join(proj, "go"), 0o755)
	backend, err := os.ReadFile(filepath.Join(repo, "examples", "goext", "wheel", "hpp_backend.py"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"hpp_backend.py": string(backend),
		"README.md":      "# Demo\n\nSquares in Go.\n",
		"pyproject.toml": `[project]
name = "Hpp_Demo.pkg"
version = "1.2.3"
description = "Squares, in Go"
requires-python = ">=3.8"
readme = "README.md"

[build-system]
requires = []
build-backend = "hpp_backend"
backend-path = ["."]

[tool.hpp]
packages = ["go"]
module = "squares"
`,
		"go/sq.go": `// Package sq squares.
package sq

import "hpp/pyext"

// Squares returns 0, 1, 4, ... (n values).
//
//hpp:export
func Squares(n int) pyext.Array[float64] {
	a := pyext.NewArray[float64](n)
	for i := range a.Data {
		a.Data[i] = float64(i * i)
	}
	return a
}
`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	venv := filepath.Join(tmp, "venv")
	if b, err := exec.CommandContext(ctx, "/usr/bin/python3", "-m", "venv", "--system-site-packages", venv).CombinedOutput(); err != nil {
		t.Fatalf("python3 -m venv: %v\n%s", err, b)
	}
	vpy := filepath.Join(venv, "bin", "python")
	site, err := exec.Command(vpy, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])").Output()
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, venv)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = proj
		cmd.Env = append(os.Environ(), "HPP="+hpp, "PIP_NO_INDEX=1", "PIP_DISABLE_PIP_VERSION_CHECK=1")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	run(vpy, "-m", "pip", "install", "--no-build-isolation", ".")
	got := run(vpy, "-c", `import squares, importlib.metadata as md, numpy as np
a = squares.squares(5)
assert isinstance(a, np.ndarray) and a.tolist() == [0.0, 1.0, 4.0, 9.0, 16.0], a
m = md.metadata("hpp-demo.pkg")
assert m["Name"] == "Hpp_Demo.pkg" and m["Version"] == "1.2.3" and m["Summary"] == "Squares, in Go", dict(m)
assert m["Requires-Python"] == ">=3.8" and "Squares in Go." in m.get_payload(), dict(m)
print(squares.__file__)`)
	if !strings.Contains(got, filepath.Join(strings.TrimSpace(string(site)), "squares", "__init__.abi3.so")) {
		t.Errorf("imported from %s, want the venv's site-packages", got)
	}
	// The stub and py.typed came along: mypy --strict checks a user of
	// the installed package.
	user := filepath.Join(tmp, "user.py")
	os.WriteFile(user, []byte("import numpy as np\nimport numpy.typing as npt\nimport squares\n\na: npt.NDArray[np.float64] = squares.squares(3)\n"), 0o644)
	run("mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", "--python-executable", vpy, user)
	os.WriteFile(user, []byte("import squares\n\ns: str = squares.squares(3)\n"), 0o644)
	cmd := exec.CommandContext(ctx, "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", "--python-executable", vpy, user)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "Incompatible types") {
		t.Errorf("mypy passed a wrong use of the installed stub:\n%s", b)
	}
	run(vpy, "-m", "pip", "uninstall", "-y", "hpp-demo.pkg")
	after := tree(t, venv)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("the venv differs after pip uninstall:\nbefore %d files, after %d:\n%s", len(before), len(after), diffList(before, after))
	}

	// The platform tag: manylinux_2_N for the newest GLIBC_2.N that objdump
	// lists among the module's dynamic symbols (at least 2.17).
	dist := filepath.Join(tmp, "dist")
	whl := strings.TrimSpace(run(hpp, "build", "--wheel", "-o", dist, "--python", "/usr/bin/python3", "."))
	so := filepath.Join(tmp, "squares.so")
	zr, err := zip.OpenReader(whl)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "squares/__init__.abi3.so" {
			r, _ := f.Open()
			data, _ := io.ReadAll(r)
			os.WriteFile(so, data, 0o644)
		}
	}
	zr.Close()
	dump := run("objdump", "-T", so)
	newest := 17
	for _, m := range regexp.MustCompile(`GLIBC_2\.(\d+)`).FindAllStringSubmatch(dump, -1) {
		var n int
		for _, c := range m[1] {
			n = n*10 + int(c-'0')
		}
		newest = max(newest, n)
	}
	want := "hpp_demo_pkg-1.2.3-cp311-abi3-manylinux_2_" + strconv.Itoa(newest) + "_x86_64.whl"
	if runtime.GOARCH == "amd64" && filepath.Base(whl) != want {
		t.Errorf("wheel %s, want %s", filepath.Base(whl), want)
	}
}

// tree lists the files under dir, without Python's caches.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !strings.Contains(p, "__pycache__") {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func diffList(a, b []string) string {
	in := map[string]int{}
	for _, x := range a {
		in[x]--
	}
	for _, x := range b {
		in[x]++
	}
	var d []string
	for x, n := range in {
		if n < 0 {
			d = append(d, "- "+x)
		} else if n > 0 {
			d = append(d, "+ "+x)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// FuzzReadProject: any pyproject.toml gives a project or an InputError,
// never a panic.
func FuzzReadProject(f *testing.F) {
	f.Add("[project]\nname = \"a\"\nversion = \"1.0\"\nreadme = {text = \"x\"}\n[tool.hpp]\npackages = [\"go\"]\n")
	f.Add("[project]\nname = \"a\"\nversion = \"1\"\nreadme = 3\n")
	f.Add("[project]\nreadme = {file = 1, content-type = [1]}\n")
	f.Add("project = 1\n")
	f.Add("[tool]\nhpp = \"x\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(data), 0o644)
		p, err := ReadProject(dir)
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("error %v is not an InputError", err)
		}
		if err == nil && (p.Name == "" || p.Version == "" || len(p.Packages) == 0) {
			t.Fatalf("accepted %q as %+v", data, p)
		}
	})
}
