package sampler

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionFromBinary reads the version of every interpreter binary on
// the machine as hpp does (Py_Version, else PY_VERSION in .rodata) and
// checks it against what the interpreter says of itself.
func TestVersionFromBinary(t *testing.T) {
	var bins []string
	if root, err := exec.Command("pyenv", "root").Output(); err == nil {
		libs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(root)), "versions", "*", "lib", "libpython*.so.1.0"))
		bins = append(bins, libs...)
	}
	bins = append(bins, "/usr/bin/python3")
	for _, v := range []string{"3.13", "3.14", "3.15"} {
		bins = append(bins, sidChroot+"/usr/bin/python"+v)
	}
	checked := 0
	for _, bin := range bins {
		f, err := os.Open(bin)
		if err != nil {
			continue
		}
		info, err := readBinary(f, bin)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", bin, err)
			continue
		}
		py := filepath.Join(filepath.Dir(filepath.Dir(bin)), "bin", "python")
		cmd := exec.Command(py, "-c", "import platform; print(platform.python_version())")
		if strings.HasPrefix(bin, sidChroot) {
			cmd = exec.Command("chroot", sidChroot, filepath.Base(bin), "-c", "import platform; print(platform.python_version())")
		} else if !strings.Contains(bin, "libpython") {
			cmd = exec.Command(bin, "-c", "import platform; print(platform.python_version())")
		}
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: %v", cmd, err)
			continue
		}
		if want := strings.TrimSpace(string(out)); info.version != want {
			t.Errorf("%s: version %q, the interpreter says %q", bin, info.version, want)
		}
		checked++
	}
	if checked < 2 {
		t.Skipf("only %d interpreters", checked)
	}
	t.Logf("%d interpreters checked", checked)
}
