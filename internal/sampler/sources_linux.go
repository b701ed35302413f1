package sampler

import (
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"hpp/internal/profile"
)

// SourceRoot is a target's view of its files: its root and working
// directory, held open so that they stay readable after it exits, and its
// user, whose permissions decide what may be copied.
type SourceRoot struct {
	root, cwd int // O_PATH descriptors; cwd -1 if unknown
	uid, gid  uint32
}

// OpenSourceRoot holds process pid's root and working directory open, to
// read its source files later with Read, even once it has exited.
func OpenSourceRoot(pid int) (*SourceRoot, error) {
	proc := "/proc/" + strconv.Itoa(pid)
	fi, err := os.Stat(proc)
	if err != nil {
		return nil, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	r := &SourceRoot{uid: st.Uid, gid: st.Gid, cwd: -1}
	r.root, err = unix.Open(proc+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: proc + "/root", Err: err}
	}
	if cwd, err := unix.Open(proc+"/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
		r.cwd = cwd
	}
	return r, nil
}

// Close lets go of the directories.
func (r *SourceRoot) Close() {
	if r == nil {
		return
	}
	unix.Close(r.root)
	if r.cwd >= 0 {
		unix.Close(r.cwd)
	}
}

// Sources reads the texts of the hottest source files of p, a recording of
// process pid, within the limits, as the target sees them (see Read).
func Sources(pid int, p *profile.Profile, l SourceLimits) []profile.SourceFile {
	r, err := OpenSourceRoot(pid)
	if err != nil {
		return nil
	}
	defer r.Close()
	return r.Read(p, l)
}

// Read reads the texts of the hottest source files of p within the limits,
// as the target sees them: through /proc/PID/root, so that a target in a
// container or chroot gives its own files. Paths resolve inside the
// target's root (openat2's RESOLVE_IN_ROOT: a symlink cannot lead out of
// it), relative paths beneath its working directory, and only regular
// files that the target's user could read itself are kept, so that a
// hostile target cannot have hpp copy files it could not read. Files that
// cannot be read (gone, too large) are left out. A nil r reads nothing.
func (r *SourceRoot) Read(p *profile.Profile, l SourceLimits) []profile.SourceFile {
	if r == nil || l.Files <= 0 {
		return nil
	}
	files := hotFiles(p)
	var out []profile.SourceFile
	var total int64
	for _, path := range files {
		if len(out) == l.Files {
			break
		}
		how := &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK}
		dir := r.root
		if strings.HasPrefix(path, "/") {
			how.Resolve = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS
		} else {
			if r.cwd < 0 {
				continue
			}
			dir = r.cwd
			how.Resolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS
		}
		text, ok := readSource(dir, path, how, r.uid, r.gid, min(l.FileBytes, l.TotalBytes-total))
		if !ok {
			continue
		}
		total += int64(len(text))
		out = append(out, profile.SourceFile{Path: path, Text: text})
	}
	return out
}

// readSource reads one file if it is regular, at most max bytes long and
// readable by uid:gid by its permission bits.
func readSource(dir int, path string, how *unix.OpenHow, uid, gid uint32, max int64) ([]byte, bool) {
	fd, err := unix.Openat2(dir, path, how)
	if err != nil {
		return nil, false
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > max {
		return nil, false
	}
	st := fi.Sys().(*syscall.Stat_t)
	m := st.Mode
	if !(m&0o004 != 0 || st.Uid == uid && m&0o400 != 0 || st.Gid == gid && m&0o040 != 0) {
		return nil, false
	}
	text, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil || int64(len(text)) > max {
		return nil, false
	}
	return text, true
}

// SourceLimits bound the source texts a recording keeps.
type SourceLimits struct {
	Files      int   // at most this many files, the ones with most samples
	FileBytes  int64 // skip files larger than this
	TotalBytes int64 // and stop adding files past this in all
}

// DefaultSourceLimits are hpp record's.
var DefaultSourceLimits = SourceLimits{Files: 64, FileBytes: 1 << 20, TotalBytes: 8 << 20}

// hotFiles returns the source files of p's sampled frames, the file in
// most samples first (a sample counts once per file, wherever on its
// stack), ties by path. Built-ins and pseudo-files ("<string>",
// "<frozen ...>") are left out.
func hotFiles(p *profile.Profile) []string {
	if p.Samples == nil {
		return nil
	}
	weight := map[string]int64{}
	seen := map[string]int{}
	for i := range p.Samples.Samples {
		s := &p.Samples.Samples[i]
		for _, fr := range s.Stack {
			if int(fr.Func) >= len(p.Funcs) || fr.Func < 0 {
				continue
			}
			f := p.Funcs[fr.Func].File
			if f == "" || f == "~" || strings.HasPrefix(f, "<") {
				continue
			}
			if seen[f] != i+1 {
				seen[f] = i + 1
				weight[f] += s.Weight
			}
		}
	}
	files := make([]string, 0, len(weight))
	for f := range weight {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool {
		a, b := weight[files[i]], weight[files[j]]
		if a != b {
			return a > b
		}
		return files[i] < files[j]
	})
	return files
}
