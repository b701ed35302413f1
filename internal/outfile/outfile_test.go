package outfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails if a temporary file was left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestRegularFiles(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()

	t.Run("new file takes the umask", func(t *testing.T) {
		p := filepath.Join(dir, "new.txt")
		if err := Write(p, writeString("hello")); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(p)
		if got := fi.Mode(); got != 0o640 {
			t.Errorf("mode %v, want -rw-r----- (0666 less umask 027)", got)
		}
		if readString(t, p) != "hello" {
			t.Error("wrong content")
		}
	})
	t.Run("existing file keeps its mode", func(t *testing.T) {
		p := filepath.Join(dir, "secret.txt")
		os.WriteFile(p, []byte("old old old"), 0o600)
		os.Chmod(p, 0o600)
		if err := Write(p, writeString("new")); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(p)
		if fi.Mode() != 0o600 {
			t.Errorf("mode %v, want -rw-------", fi.Mode())
		}
		if readString(t, p) != "new" {
			t.Error("wrong content")
		}
	})
	t.Run("replaced, not rewritten", func(t *testing.T) {
		// A reader that has the old file open (or mapped) keeps the
		// old bytes: the file is replaced, not truncated under it.
		p := filepath.Join(dir, "read.txt")
		os.WriteFile(p, []byte("old"), 0o644)
		r, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := Write(p, writeString("new!")); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		if string(b) != "old" || readString(t, p) != "new!" {
			t.Errorf("open reader saw %q, path has %q", b, readString(t, p))
		}
	})
	t.Run("symlink stays a link", func(t *testing.T) {
		target := filepath.Join(dir, "target.txt")
		os.WriteFile(target, []byte("old"), 0o600)
		link := filepath.Join(dir, "link.txt")
		os.Symlink("target.txt", link)
		if err := Write(link, writeString("through the link")); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Lstat(link)
		if fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("the link became %v", fi.Mode())
		}
		tfi, _ := os.Stat(target)
		if readString(t, target) != "through the link" || tfi.Mode() != 0o600 {
			t.Errorf("target has %q, mode %v", readString(t, target), tfi.Mode())
		}
	})
	t.Run("dangling symlink creates its target", func(t *testing.T) {
		sub := filepath.Join(dir, "sub")
		os.Mkdir(sub, 0o755)
		link := filepath.Join(dir, "dangling")
		os.Symlink("sub/made.txt", link)
		if err := Write(link, writeString("made")); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
			t.Error("the link was replaced")
		}
		if readString(t, filepath.Join(sub, "made.txt")) != "made" {
			t.Error("target not written")
		}
		noTemps(t, sub)
	})
	t.Run("relative link under a linked directory", func(t *testing.T) {
		// real/sub/f.txt -> ../g.txt means real/g.txt, not via/g.txt.
		real := filepath.Join(dir, "real")
		os.MkdirAll(filepath.Join(real, "sub"), 0o755)
		os.Symlink(filepath.Join(real, "sub"), filepath.Join(dir, "via"))
		os.Symlink("../g.txt", filepath.Join(real, "sub", "f.txt"))
		if err := Write(filepath.Join(dir, "via", "f.txt"), writeString("g")); err != nil {
			t.Fatal(err)
		}
		if readString(t, filepath.Join(real, "g.txt")) != "g" {
			t.Error("real/g.txt not written")
		}
		if _, err := os.Stat(filepath.Join(dir, "g.txt")); err == nil {
			t.Error("wrote g.txt beside the link to the directory")
		}
	})
	t.Run("longest name", func(t *testing.T) {
		p := filepath.Join(dir, strings.Repeat("n", 255))
		os.WriteFile(p, []byte("old"), 0o644)
		if err := Write(p, writeString("new")); err != nil {
			t.Fatal(err)
		}
		if readString(t, p) != "new" {
			t.Error("not replaced")
		}
	})
	t.Run("failed write leaves the old file", func(t *testing.T) {
		p := filepath.Join(dir, "keep.txt")
		os.WriteFile(p, []byte("precious"), 0o644)
		err := Write(p, func(w io.Writer) error {
			io.WriteString(w, "half")
			return errors.New("boom")
		})
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("error %v, want boom", err)
		}
		if readString(t, p) != "precious" {
			t.Error("old file changed")
		}
	})
	t.Run("a directory is refused", func(t *testing.T) {
		err := Write(dir, writeString("x"))
		if err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("error %v, want 'is a directory'", err)
		}
	})
	t.Run("missing directory fails before writing", func(t *testing.T) {
		_, err := Create(filepath.Join(dir, "no", "such", "f.txt"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v, want not exist", err)
		}
	})
	noTemps(t, dir)
}

func TestOwnerKeptAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	p := filepath.Join(t.TempDir(), "owned.txt")
	os.WriteFile(p, []byte("old"), 0o640)
	if err := os.Chown(p, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, writeString("new")); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 65534 || st.Gid != 65534 || fi.Mode() != 0o640 {
		t.Errorf("owner %d:%d mode %v, want 65534:65534 -rw-r-----", st.Uid, st.Gid, fi.Mode())
	}
}

func TestDeviceStaysADevice(t *testing.T) {
	// As root, a twin of the null device in a directory of our own: a
	// broken writer must not replace the machine's /dev/null.
	dir, dev := "/dev", "/dev/null"
	if os.Geteuid() == 0 {
		dir = t.TempDir()
		dev = filepath.Join(dir, "null")
		if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
			t.Skipf("mknod: %v", err)
		}
	}
	if err := Write(dev, writeString("discarded")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dev)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("%s is now %v (%v)", dev, fi.Mode(), err)
	}
	noTemps(t, dir)
}

func TestFIFOReaderGetsTheBytes(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := Write(fifo, writeString("through the pipe")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Errorf("reader got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reader got nothing")
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO became %v", fi.Mode())
	}
}

// TestFullDisk fills a small tmpfs: the old file must survive whole and
// no temporary file may remain.
func TestFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	p := filepath.Join(dir, "old.prof")
	old := strings.Repeat("o", 20000)
	os.WriteFile(p, []byte(old), 0o644)
	err := Write(p, writeString(strings.Repeat("n", 100000)))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v, want ENOSPC", err)
	}
	if !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("error %q should name %s, not the temporary file", err, p)
	}
	if readString(t, p) != old {
		t.Error("the old file was damaged")
	}
	noTemps(t, dir)
}

// TestReadOnlyDirectory: a writable file in a directory the user may not
// write cannot be replaced whole; the error says why.
func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write in any directory")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	os.WriteFile(p, []byte("old"), 0o666)
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	err := Write(p, writeString("new"))
	if err == nil || !strings.Contains(err.Error(), "replacing it needs a new file in "+dir+": permission denied") {
		t.Errorf("error %v", err)
	}
	if readString(t, p) != "old" {
		t.Error("the file changed")
	}
}
