// Package outfile writes the files hpp produces, so that a failed write
// never destroys what the user had: a regular file is replaced atomically
// (a randomly named temporary file in the same directory, synced, then
// renamed over it) and keeps its mode and, for root, its owner; a symlink
// is followed and stays a link; devices, FIFOs, sockets and the
// process's own streams (/dev/stdout, /dev/fd/N) are written in place.
package outfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File is an output being written. Nothing is visible at its path until
// Commit succeeds (in-place outputs excepted: a device or pipe gets the
// bytes as they are written).
type File struct {
	name   string   // the path as the caller named it, for messages
	target string   // the file that will be replaced (symlinks followed)
	tmp    string   // the temporary file's path, or "" when writing in place
	f      *os.File // the temporary file, or the target opened in place
	w      *bufio.Writer
	done   bool
}

// maxLinks bounds symlink chains, as the kernel's ELOOP does.
const maxLinks = 40

// Create starts writing the output named path. It fails now, before any
// work is done, when path cannot be written: a missing directory, a
// directory, a file or directory without write permission.
func Create(path string) (*File, error) {
	if path == "" {
		return nil, &fs.PathError{Op: "write", Path: path, Err: fs.ErrInvalid}
	}
	target, fi, fd, err := resolve(path)
	if err != nil {
		return nil, err
	}
	out := &File{name: path, target: target}
	switch {
	case fd >= 0:
		out.f, err = dupFD(fd)
	case fi == nil: // a new file
		out.f, out.tmp, err = createTemp(target, 0o666, nil)
	case fi.IsDir():
		return nil, &fs.PathError{Op: "write", Path: path, Err: errIsDir}
	case fi.Mode().IsRegular():
		if err := checkWritable(target); err != nil {
			return nil, &fs.PathError{Op: "write", Path: path, Err: err}
		}
		out.f, out.tmp, err = createTemp(target, 0o600, fi)
		if errors.Is(err, fs.ErrPermission) {
			// The file may be writable, but replacing it whole needs a
			// new file beside it.
			err = fmt.Errorf("replacing it needs a new file in %s: %w", filepath.Dir(target), unwrapPath(err))
		}
	default: // device, FIFO, socket: write into it, never replace it
		out.f, err = os.OpenFile(target, os.O_WRONLY, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "write", Path: path, Err: unwrapPath(err)}
	}
	out.w = bufio.NewWriterSize(named{out}, 1<<16)
	return out, nil
}

// named writes to the file, with errors naming the user's path, not the
// temporary file's.
type named struct{ f *File }

func (n named) Write(p []byte) (int, error) {
	k, err := n.f.f.Write(p)
	return k, n.f.wrap(err)
}

var errIsDir = errors.New("is a directory")

// unwrapPath drops an *fs.PathError's path, which would name the
// temporary file rather than the user's.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// resolve follows path's symlinks to the file an atomic replacement must
// replace. fi is nil when that file does not exist yet (a new file, or a
// dangling link whose target will be created). fd is the descriptor to
// write to, or -1, when the chain ends in one of the process's own
// streams (/dev/stdout, /dev/fd/N, /proc/self/fd/N): those are written
// through the open descriptor, which keeps its offset and append mode.
func resolve(path string) (target string, fi fs.FileInfo, fd int, err error) {
	fail := func(err error) (string, fs.FileInfo, int, error) {
		return "", nil, -1, &fs.PathError{Op: "write", Path: path, Err: err}
	}
	p := path
	for range maxLinks {
		if fd, ok := streamFD(p); ok {
			return p, nil, fd, nil
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			dir := filepath.Dir(p)
			if _, err := os.Stat(dir); err != nil {
				return fail(fmt.Errorf("directory %s: %w", dir, unwrapPath(err)))
			}
			return p, nil, -1, nil
		}
		if err != nil {
			return fail(unwrapPath(err))
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, fi, -1, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return fail(unwrapPath(err))
		}
		if !filepath.IsAbs(link) {
			// Relative to the link's real directory: joining with a
			// path through other links would take ".." the wrong way.
			dir, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil {
				return fail(unwrapPath(err))
			}
			link = filepath.Join(dir, link)
		}
		p = link
	}
	return fail(errors.New("too many levels of symbolic links"))
}

// streamFD recognises the names of the process's own descriptors.
func streamFD(p string) (int, bool) {
	p = filepath.Clean(p)
	switch p {
	case "/dev/stdin":
		return 0, true
	case "/dev/stdout":
		return 1, true
	case "/dev/stderr":
		return 2, true
	}
	for _, dir := range []string{"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/"} {
		if n, ok := strings.CutPrefix(p, dir); ok {
			fd, err := strconv.Atoi(n)
			return fd, err == nil && fd >= 0
		}
	}
	return -1, false
}

// createTemp creates a new file beside target with a random name, with
// perm (less the umask), and the mode and owner of old when replacing it.
func createTemp(target string, perm fs.FileMode, old fs.FileInfo) (*os.File, string, error) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	if len(base) > 200 {
		base = base[:200] // room for the suffix within NAME_MAX
	}
	for try := 0; ; try++ {
		name := filepath.Join(dir, fmt.Sprintf(".%s.%08x.tmp", base, rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if old != nil {
			if err := keepOwnerAndMode(f, old); err != nil {
				f.Close()
				os.Remove(name)
				return nil, "", err
			}
		}
		return f, name, nil
	}
}

// Write writes p to the output.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// WriteString writes s to the output.
func (f *File) WriteString(s string) (int, error) { return f.w.WriteString(s) }

// ReadFrom copies r to the output.
func (f *File) ReadFrom(r io.Reader) (int64, error) { return f.w.ReadFrom(r) }

// Commit finishes the output: flushed, synced, and renamed over the
// target. On error the target is left as it was.
func (f *File) Commit() error {
	if f.done {
		return errors.New("outfile: Commit after Commit or Abort")
	}
	f.done = true
	err := f.w.Flush()
	if f.tmp == "" {
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
		return f.wrap(err)
	}
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp, f.target)
	}
	if err != nil {
		os.Remove(f.tmp)
		return f.wrap(err)
	}
	syncDir(filepath.Dir(f.target))
	return nil
}

// Abort drops the output: the temporary file is removed and the target
// left as it was. It does nothing after Commit, so it may be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	if f.tmp != "" {
		os.Remove(f.tmp)
	}
}

func (f *File) wrap(err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: "write", Path: f.name, Err: unwrapPath(err)}
}

// Write writes the output named path with write, all or nothing: if write
// or anything after it fails, the file at path is left as it was.
func Write(path string, write func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Abort()
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == path {
			return err
		}
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return f.Commit()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
