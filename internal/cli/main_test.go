package cli

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	hppBinOnce sync.Once
	hppBin     string
	hppBinErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if hppBin != "" {
		os.RemoveAll(filepath.Dir(hppBin))
	}
	os.Exit(code)
}
