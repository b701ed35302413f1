//go:build !linux

package pstats

import (
	"os"

	"hpp/internal/profile"
)

func readFile(f *os.File, size int64) (*profile.Profile, error) { return readAll(f, size) }
