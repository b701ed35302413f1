//go:build !unix

package outfile

import (
	"errors"
	"io/fs"
	"os"
)

func keepOwnerAndMode(f *os.File, old fs.FileInfo) error { return f.Chmod(old.Mode().Perm()) }

func checkWritable(path string) error { return nil }

func dupFD(fd int) (*os.File, error) { return nil, errors.New("not supported on this system") }
