package top

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxSource is the largest source file read for the lines view.
const maxSource = 4 << 20

// FileSource reads the target's source files as the target sees them:
// through /proc/PID/root for an absolute path (a container's or chroot's
// files), /proc/PID/cwd for a relative one. Files are read once; a file
// that cannot be read, or is larger than 4 MiB, shows no text.
func FileSource(pid int) Source {
	cache := map[string][]string{}
	return func(file string, line int) string {
		lines, ok := cache[file]
		if !ok {
			path := fmt.Sprintf("/proc/%d/root%s", pid, file)
			if !filepath.IsAbs(file) {
				path = fmt.Sprintf("/proc/%d/cwd/%s", pid, file)
			}
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() <= maxSource {
				if b, err := os.ReadFile(path); err == nil {
					lines = strings.Split(string(b), "\n")
				}
			}
			cache[file] = lines
		}
		if line < 1 || line > len(lines) {
			return ""
		}
		return lines[line-1]
	}
}
