//go:build !linux

package pstats

import (
	"os"

	"hpp/internal/profile"
)

func readFile(path string, _ os.FileInfo) (*profile.Profile, error) { return readAll(path) }
