package cli

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// users are the users the output tests run hpp as: this one, and nobody
// when this one is root (the cases differ: root may replace anything,
// nobody cannot create files in /dev).
func users(t *testing.T) []string {
	t.Helper()
	us := []string{"self"}
	if os.Geteuid() != 0 {
		t.Log("not root: the cases as nobody are skipped")
		return us
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Log("setpriv not found (apt-get install util-linux): the cases as nobody are skipped")
		return us
	}
	return append(us, "nobody")
}

// hppAs returns a command that runs the hpp binary as user.
func hppAs(t *testing.T, user string, args ...string) *exec.Cmd {
	t.Helper()
	hpp := buildHPP(t)
	if user == "nobody" {
		return exec.Command("setpriv", append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", hpp}, args...)...)
	}
	return exec.Command(hpp, args...)
}

// sharedDir is a temporary directory that nobody may write in, with a
// copy of a profile in it.
func sharedDir(t *testing.T) (dir, prof string) {
	t.Helper()
	dir = t.TempDir()
	// t.TempDir's parent is private to root.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "export", "testdata", "recursion.prof"))
	if err != nil {
		t.Fatal(err)
	}
	prof = filepath.Join(dir, "in.prof")
	if err := os.WriteFile(prof, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, prof
}

// chownTo gives path to user, so that user owns what the test prepared.
func chownTo(t *testing.T, user, path string) {
	t.Helper()
	if user == "nobody" {
		if err := os.Lchown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConvertOutputKinds writes hpp convert's output to each kind of file
// an -o may name, as root and as nobody, and checks the file system
// afterwards with the kernel's own view (lstat).
func TestConvertOutputKinds(t *testing.T) {
	for _, user := range users(t) {
		t.Run(user, func(t *testing.T) {
			dir, prof := sharedDir(t)
			want, err := hppAs(t, user, "convert", "--to", "collapsed", prof).Output()
			if err != nil || len(want) == 0 {
				t.Fatalf("convert to stdout: %v", err)
			}
			convert := func(t *testing.T, out string) *exec.Cmd {
				return hppAs(t, user, "convert", "--to", "collapsed", "-o", out, prof)
			}
			run := func(t *testing.T, cmd *exec.Cmd) {
				t.Helper()
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.String())
				}
			}

			t.Run("device", func(t *testing.T) {
				// Root gets a node of its own, the null device's twin: a
				// broken hpp must not replace the machine's /dev/null.
				dev := "/dev/null"
				if os.Geteuid() == 0 {
					dev = filepath.Join(dir, "null")
					if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
						t.Skipf("mknod: %v", err)
					}
					os.Chmod(dev, 0o666)
				}
				run(t, convert(t, dev))
				fi, err := os.Lstat(dev)
				if err != nil || fi.Mode()&fs.ModeCharDevice == 0 || fi.Mode()&fs.ModeDevice == 0 {
					t.Fatalf("%s is now %v: the device was replaced", dev, fi.Mode())
				}
			})
			t.Run("fifo", func(t *testing.T) {
				fifo := filepath.Join(dir, "fifo")
				if err := syscall.Mkfifo(fifo, 0o666); err != nil {
					t.Skipf("mkfifo: %v", err)
				}
				chownTo(t, user, fifo)
				got := make(chan []byte, 1)
				go func() {
					b, _ := os.ReadFile(fifo) // opens once hpp has it open
					got <- b
				}()
				run(t, convert(t, fifo))
				select {
				case b := <-got:
					if !bytes.Equal(b, want) {
						t.Errorf("the FIFO's reader got %d bytes, want %d", len(b), len(want))
					}
				case <-time.After(20 * time.Second):
					t.Fatal("the FIFO's reader got nothing")
				}
				if fi, _ := os.Lstat(fifo); fi.Mode()&fs.ModeNamedPipe == 0 {
					t.Errorf("the FIFO became %v", fi.Mode())
				}
			})
			t.Run("symlink", func(t *testing.T) {
				target := filepath.Join(dir, "target.folded")
				os.WriteFile(target, []byte("old"), 0o644)
				chownTo(t, user, target)
				link := filepath.Join(dir, "link.folded")
				os.Symlink("target.folded", link)
				chownTo(t, user, link)
				run(t, convert(t, link))
				if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
					t.Fatalf("the symlink became %v", fi.Mode())
				}
				if b, _ := os.ReadFile(target); !bytes.Equal(b, want) {
					t.Errorf("the link's target holds %q", b)
				}
			})
			t.Run("mode 0600", func(t *testing.T) {
				out := filepath.Join(dir, "private.folded")
				os.WriteFile(out, []byte("old"), 0o600)
				os.Chmod(out, 0o600)
				chownTo(t, user, out)
				run(t, convert(t, out))
				fi, _ := os.Stat(out)
				if fi.Mode() != 0o600 {
					t.Errorf("mode %v, want -rw-------", fi.Mode())
				}
				if st := fi.Sys().(*syscall.Stat_t); user == "nobody" && st.Uid != 65534 {
					t.Errorf("owner %d, want nobody", st.Uid)
				}
				if b, _ := os.ReadFile(out); !bytes.Equal(b, want) {
					t.Errorf("holds %q", b)
				}
			})
			t.Run("dev stdout pipe", func(t *testing.T) {
				cmd := convert(t, "/dev/stdout")
				var stdout bytes.Buffer
				cmd.Stdout = &stdout // a pipe
				run(t, cmd)
				if !bytes.Equal(stdout.Bytes(), want) {
					t.Errorf("stdout got %d bytes, want %d", stdout.Len(), len(want))
				}
			})
			t.Run("dev stdout file", func(t *testing.T) {
				// As the shell's >> does: the output follows what is there.
				path := filepath.Join(dir, "append.folded")
				os.WriteFile(path, []byte("first line\n"), 0o666)
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				cmd := convert(t, "/dev/stdout")
				cmd.Stdout = f
				run(t, cmd)
				if b, _ := os.ReadFile(path); string(b) != "first line\n"+string(want) {
					t.Errorf("file holds %d bytes, want the first line and then %d", len(b), len(want))
				}
			})
			t.Run("unwritable file", func(t *testing.T) {
				if user != "nobody" {
					t.Skip("root may write any file")
				}
				out := filepath.Join(dir, "roots.folded")
				os.WriteFile(out, []byte("root's"), 0o644)
				cmd := convert(t, out)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				if code := cmd.ProcessState.ExitCode(); code != ExitFailure || !strings.Contains(stderr.String(), "cannot write "+out+": permission denied") {
					t.Errorf("exit %d (%v), stderr %q; want 1 and permission denied", code, err, stderr.String())
				}
				if b, _ := os.ReadFile(out); string(b) != "root's" {
					t.Error("root's file was replaced")
				}
			})
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".tmp") {
					t.Errorf("temporary file left behind: %s", e.Name())
				}
			}
		})
	}
}

// TestOutputsOnFullDisk writes hpp stats -o, hpp view --html and hpp
// convert -o over existing files on a full file system: each must fail
// and leave the old file whole.
func TestOutputsOnFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	_, prof := sharedDir(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	old := bytes.Repeat([]byte("x"), 4<<10)
	for _, tc := range []struct {
		name, out string
		args      []string
	}{
		{"stats -o", "old.prof", []string{"stats", "-o"}},
		{"view --html", "old.html", []string{"view", "--html"}},
		{"convert -o", "old.svg", []string{"convert", "-o"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.out)
			if err := os.WriteFile(out, old, 0o644); err != nil {
				t.Fatal(err)
			}
			fill(t, filepath.Join(dir, "filler"))
			defer os.Remove(filepath.Join(dir, "filler"))
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, tc.args...), out, prof, prof, prof)
			code := Main(context.Background(), args, &Env{Stdout: &stdout, Stderr: &stderr})
			if code != ExitFailure || !strings.Contains(stderr.String(), "no space left on device") {
				t.Errorf("exit %d, stderr %q; want 1 and no space left", code, stderr.String())
			}
			if b, _ := os.ReadFile(out); !bytes.Equal(b, old) {
				t.Errorf("the old file now holds %d bytes, want its %d old ones", len(b), len(old))
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// fill writes path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := bytes.Repeat([]byte("f"), 4096)
	for {
		if _, err := f.Write(page); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}
