package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"hpp/internal/hppfile"
	"hpp/internal/profile"
	"hpp/internal/pstats"
)

// loadProfiles reads every named file, hpp's own profile files and
// pstats files alike (told apart by their first bytes), and merges them
// as pstats.add merges them.
func loadProfiles(paths []string) (*profile.Profile, error) {
	if len(paths) == 0 {
		return nil, Usagef("no profile file named")
	}
	ps := make([]*profile.Profile, 0, len(paths))
	for _, path := range paths {
		p, err := loadProfile(path)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return profile.Merge(ps...), nil
}

func loadProfile(path string) (*profile.Profile, error) {
	if !isHppFile(path) {
		p, err := pstats.ReadFile(path)
		if err != nil {
			return nil, inputError(path, err)
		}
		return p, nil
	}
	p, _, err := hppfile.ReadFile(path)
	var fe *hppfile.FormatError
	if errors.As(err, &fe) {
		return nil, &Error{Code: ExitBadInput, Err: fmt.Errorf("%s: not a readable hpp profile: %v", path, fe)}
	}
	if err != nil {
		return nil, inputError(path, err)
	}
	mod := ""
	if fi, err := os.Stat(path); err == nil {
		mod = fi.ModTime().Format(time.ANSIC)
	}
	p.Sources = []string{mod + "    " + path}
	return p, nil
}

// isHppFile reports whether the regular file at path starts with hpp's
// magic; any error is left for the reader to report. Pipes and devices go
// to the pstats reader, since looking would consume their first bytes.
func isHppFile(path string) bool {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(hppfile.Magic))
	n, _ := io.ReadFull(f, head)
	return hppfile.Is(head[:n])
}
