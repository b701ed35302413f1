package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"hpp/internal/outfile"
)

// writeFile writes an output file through outfile: all or nothing for
// regular files, in place for devices, FIFOs and /dev/stdout.
func writeFile(path string, write func(io.Writer) error) error {
	if err := outfile.Write(path, write); err != nil {
		return writeError(path, err)
	}
	return nil
}

// createFile starts an output file, for commands that must know it can be
// written before they do their work.
func createFile(path string) (*outfile.File, error) {
	f, err := outfile.Create(path)
	if err != nil {
		return nil, writeError(path, err)
	}
	return f, nil
}

// writeError is the error for an output file that could not be written.
func writeError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		err = pe.Err
	}
	return &Error{Code: ExitFailure, Err: fmt.Errorf("cannot write %s: %v", path, err)}
}
