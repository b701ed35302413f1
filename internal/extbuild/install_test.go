package extbuild

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// built writes a stand-in for a freshly built library in a directory of
// its own and returns its path.
func built(t *testing.T, data string) string {
	t.Helper()
	lib := filepath.Join(t.TempDir(), "m.abi3.so")
	if err := os.WriteFile(lib, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return lib
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// A symlink planted where hpp build used to write its temporary file
// (NAME.tmp, a fixed name) must not be followed.
func TestInstallIgnoresPlantedTmpSymlink(t *testing.T) {
	out, elsewhere := t.TempDir(), t.TempDir()
	victim := filepath.Join(elsewhere, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(out, "m.abi3.so.tmp")); err != nil {
		t.Fatal(err)
	}
	dst, err := install(built(t, "module"), out, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, victim); got != "precious" {
		t.Errorf("the symlink's target was overwritten: %q", got)
	}
	if got := readString(t, dst); got != "module" {
		t.Errorf("%s holds %q", dst, got)
	}
	fi, err := os.Lstat(dst)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s: %v, %v; want an executable regular file", dst, fi.Mode(), err)
	}
	if got := strings.Join(names(t, out), " "); got != "m.abi3.so m.abi3.so.tmp" {
		t.Errorf("output directory holds %s", got)
	}
}

// A failed rename (here: a directory where the module goes) leaves no
// temporary file behind.
func TestInstallFailureLeavesNoTmp(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "m.abi3.so"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "m.abi3.so", "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := install(built(t, strings.Repeat("x", 1<<20)), out, 0o755)
	if err == nil || !strings.Contains(err.Error(), "m.abi3.so") {
		t.Fatalf("err = %v, want one naming the module", err)
	}
	if got := strings.Join(names(t, out), " "); got != "m.abi3.so" {
		t.Errorf("output directory holds %s after a failed install", got)
	}
}

// A symlink at the output itself is followed: its target gets the module.
func TestInstallFollowsOutputSymlink(t *testing.T) {
	out, real := t.TempDir(), t.TempDir()
	target := filepath.Join(real, "m.so")
	if err := os.WriteFile(target, []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(out, "m.abi3.so")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := install(built(t, "new"), out, 0o755); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the output symlink was replaced")
	}
	if got := readString(t, target); got != "new" {
		t.Errorf("the link's target holds %q", got)
	}
	if got := strings.Join(names(t, real), " "); got != "m.so" {
		t.Errorf("target directory holds %s", got)
	}
}

// A new module is 0755 less the umask, as os.WriteFile would make it; a
// module replaced keeps the mode it had.
func TestInstallMode(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	out := t.TempDir()
	dst, err := install(built(t, "v1"), out, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("new module: mode %v (%v), want 0750 under umask 027", fi.Mode(), err)
	}
	if err := os.Chmod(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := install(built(t, "v2"), out, 0o755); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o700 || readString(t, dst) != "v2" {
		t.Errorf("replaced module: mode %v (%v), want 0700 kept", fi.Mode(), err)
	}
}
