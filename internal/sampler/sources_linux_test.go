package sampler

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hpp/internal/profile"
)

// sourcesProfile is a recording whose stacks name files, the first the
// hottest (in most samples).
func sourcesProfile(files ...string) *profile.Profile {
	p := &profile.Profile{Samples: &profile.SampleSet{Unit: "samples"}}
	for i, f := range files {
		p.Funcs = append(p.Funcs, profile.Function{Func: profile.Func{File: f, Line: 1, Name: "f"}})
		for n := 0; n < len(files)-i; n++ {
			p.Samples.Samples = append(p.Samples.Samples, profile.Sample{Weight: 1,
				Stack: []profile.Frame{{Func: profile.FuncID(i), Line: 1}, {Func: profile.FuncID(i), Line: 2}}})
		}
	}
	return p
}

// startSleeper starts a Python that sleeps.
func startSleeper(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	time.Sleep(300 * time.Millisecond) // past chroot's exec
	return cmd.Process.Pid
}

func texts(fs []profile.SourceFile) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Path] = string(f.Text)
	}
	return m
}

// TestSourcesChroot: a target in another root gives its own files, not
// the host's at the same path; a symlink in it cannot lead out to a host
// file; a file its user cannot read is not copied; and the limits hold.
func TestSourcesChroot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("chroot needs root")
	}
	py := sidChroot + "/usr/bin/python3.13"
	if _, err := os.Stat(py); err != nil {
		t.Skipf("no %s: run scripts/sid-chroot", py)
	}
	inRoot, err := os.MkdirTemp(sidChroot+"/tmp", "hpp-sources-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inRoot) })
	dir := strings.TrimPrefix(inRoot, sidChroot) // the same path on the host
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	write := func(path, text string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode)
	}
	write(inRoot+"/hot.py", "in the chroot\n", 0o644)
	write(dir+"/hot.py", "on the host\n", 0o644)
	write(dir+"/secret.py", "host secret\n", 0o644)
	write(inRoot+"/private.py", "root only\n", 0o600)
	write(inRoot+"/big.py", strings.Repeat("#\n", 600), 0o644)
	if err := os.Symlink(dir+"/secret.py", inRoot+"/link.py"); err != nil {
		t.Fatal(err)
	}
	pid := startSleeper(t, exec.Command("chroot", "--userspec=65534:65534", sidChroot, "python3.13", "-c", "import time; time.sleep(60)"))
	p := sourcesProfile(dir+"/hot.py", dir+"/link.py", dir+"/private.py", dir+"/big.py", "<string>", "~")

	got := texts(Sources(pid, p, DefaultSourceLimits))
	want := map[string]string{dir + "/hot.py": "in the chroot\n", dir + "/big.py": strings.Repeat("#\n", 600)}
	if len(got) != len(want) || got[dir+"/hot.py"] != want[dir+"/hot.py"] || got[dir+"/big.py"] != want[dir+"/big.py"] {
		t.Errorf("got %q\nwant %q", got, want)
	}
	// Limits: one file; or files up to 1000 bytes (big.py is 1200).
	if got := texts(Sources(pid, p, SourceLimits{Files: 1, FileBytes: 1 << 20, TotalBytes: 1 << 20})); len(got) != 1 || got[dir+"/hot.py"] == "" {
		t.Errorf("one file: got %q", got)
	}
	if got := texts(Sources(pid, p, SourceLimits{Files: 64, FileBytes: 1000, TotalBytes: 1 << 20})); len(got) != 1 {
		t.Errorf("files up to 1000 bytes: got %q", got)
	}
}

// TestSourcesRelative: a relative path is read beneath the target's
// working directory; a pyenv (or any) python outside a chroot.
func TestSourcesRelative(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rel.py"), []byte("x = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", "import time; time.sleep(60)")
	cmd.Dir = dir
	pid := startSleeper(t, cmd)
	got := texts(Sources(pid, sourcesProfile("rel.py", "../escape.py", filepath.Join(dir, "rel.py")), DefaultSourceLimits))
	if got["rel.py"] != "x = 1\n" || got[filepath.Join(dir, "rel.py")] != "x = 1\n" || len(got) != 2 {
		t.Errorf("got %q", got)
	}
}
