//go:build unix

package outfile

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// keepOwnerAndMode gives the new file f the mode of the file it replaces
// and, when running as root, its owner and group (others cannot give a
// file away; their new file is theirs, as with any editor's save).
func keepOwnerAndMode(f *os.File, old fs.FileInfo) error {
	if st, ok := old.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		if err := f.Chown(int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	// After the chown, which clears the set-id bits.
	return f.Chmod(old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
}

// checkWritable refuses to replace a file the user may not write: the
// rename would succeed whenever the directory is writable.
func checkWritable(path string) error {
	const wOK = 2
	if err := syscall.Access(path, wOK); err != nil {
		return err
	}
	return nil
}

// dupFD opens the process's descriptor fd for writing, sharing its offset.
func dupFD(fd int) (*os.File, error) {
	nfd, err := syscall.Dup(fd)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(nfd)
	return os.NewFile(uintptr(nfd), "/dev/fd/"+strconv.Itoa(fd)), nil
}
