package sampler

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"hpp/internal/procmem"
)

// libpythonRe matches the shared library that holds the interpreter when
// python is linked against it (pyenv's builds, many distributions).
var libpythonRe = regexp.MustCompile(`/libpython[23]\.\d+[a-z]*\.so`)

// Attach finds the interpreter in process pid. It reads the target's
// binaries through /proc/PID/root, so a process in a container or chroot
// works the same as any other.
func Attach(pid int) (*Target, error) {
	proc, err := procmem.Open(pid)
	if err != nil {
		return nil, err
	}
	maps, err := procmem.ReadMaps(pid)
	if err != nil {
		return nil, err
	}
	return attach(pid, proc, maps)
}

func attach(pid int, mem Memory, maps []procmem.Mapping) (*Target, error) {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	// Candidates: libpython first, then the executable; each file once,
	// at its mapping of file offset 0 (where the ELF header is).
	type cand struct {
		path       string
		start, end uint64
		rank       int
	}
	seen := map[string]bool{}
	var cands []cand
	for _, m := range maps {
		if m.Path == "" || m.Path[0] != '/' || m.Offset != 0 || seen[m.Path] {
			continue
		}
		rank := -1
		switch {
		case libpythonRe.MatchString(m.Path):
			rank = 0
		case m.Path == exe || filepath.Base(m.Path) == filepath.Base(exe):
			rank = 1
		case regexp.MustCompile(`/python[0-9.]*$`).MatchString(m.Path):
			rank = 2
		}
		if rank < 0 {
			continue
		}
		seen[m.Path] = true
		cands = append(cands, cand{m.Path, m.Start, m.End, rank})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rank < cands[j].rank })
	why := "no python executable or libpython among its mapped files"
	for _, c := range cands {
		b, err := openBinary(pid, c.path, c.start, c.end)
		if err != nil {
			why = fmt.Sprintf("%s: %v", c.path, err)
			continue
		}
		if b.syms["_PyRuntime"] == 0 && b.syms["interp_head"] == 0 && b.syms["_PyThreadState_Current"] == 0 {
			why = c.path + " has no interpreter symbols (_PyRuntime, interp_head)"
			continue
		}
		t, err := newTarget(pid, mem, c.path, b, c.start-b.loadVaddr)
		if err != nil {
			var np *NotPythonError
			if errors.As(err, &np) {
				why = np.Why
				continue
			}
			return nil, err
		}
		return t, nil
	}
	return nil, &NotPythonError{PID: pid, Exe: exe, Why: why}
}

// openBinary opens a mapped file as the target sees it; a file deleted or
// replaced since (an upgrade under a running process) is still reachable
// through /proc/PID/map_files.
func openBinary(pid int, path string, start, end uint64) (*elfInfo, error) {
	f, err := procmem.OpenFile(pid, strings.TrimSuffix(path, " (deleted)"))
	if err != nil || strings.HasSuffix(path, " (deleted)") {
		if f != nil {
			f.Close()
		}
		var err2 error
		f, err2 = os.Open(fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, start, end))
		if err2 != nil {
			if err == nil {
				err = err2
			}
			return nil, err
		}
	}
	defer f.Close()
	return readBinary(f, path)
}
