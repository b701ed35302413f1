package machine

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tinyTmpfs mounts a tmpfs of the given size (mount(8)'s syntax, "1m")
// on a temporary directory for the test, or skips when not root.
func tinyTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount -t tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// A test file larger than the filesystem: the write hits ENOSPC. The
// probe used to go on and report 0.00 GB/s and reads of holes past the
// end of the file at a million IOPS.
func TestDiskProbeFullFilesystemFails(t *testing.T) {
	dir := tinyTmpfs(t, "1m")
	d, err := diskProbe(context.Background(), &meter{quick: true, progress: func(string) {}}, dir, 8<<20, 50*time.Millisecond)
	if err == nil {
		t.Fatalf("disk probe on a full filesystem succeeded: %+v", d)
	}
	if d != nil {
		t.Errorf("a failed probe returned numbers: %+v", d)
	}
	if !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("error %q should name ENOSPC and suggest --dir", err)
	}
}

// tmpfs accepts O_DIRECT on recent kernels, but there is no device.
func TestDiskProbeTmpfsLabel(t *testing.T) {
	dir := tinyTmpfs(t, "64m")
	d, err := diskProbe(context.Background(), &meter{quick: true, progress: func(string) {}}, dir, 8<<20, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if d.Filesystem != "tmpfs" || strings.HasPrefix(d.Label, "device") || !strings.Contains(d.Label, "tmpfs") {
		t.Errorf("tmpfs reported as filesystem %q, label %q", d.Filesystem, d.Label)
	}
	if !(d.SeqRead.N > 0 && d.RandQD1.N > 0 && d.RandQD32.N > 0) {
		t.Errorf("tmpfs probe lacks numbers: %+v", d)
	}
}

// Run reports a failed probe as failed, in the report and in its text,
// and keeps no numbers from it.
func TestRunReportsFailedProbe(t *testing.T) {
	dir := tinyTmpfs(t, "1m")
	r, err := Run(context.Background(), Options{Quick: true, Only: []string{"disk"}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Failed) != 1 || r.Failed[0].Probe != "disk" || r.Disk != nil {
		t.Fatalf("failed %+v, disk %+v: want the disk probe failed and no disk numbers", r.Failed, r.Disk)
	}
	var b strings.Builder
	if err := Text(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Disk: FAILED: ") || strings.Contains(b.String(), "GB/s") ||
		!regexp.MustCompile(`SSD random read 4 KB\s+150 µs\s+300000\s+probe failed`).MatchString(b.String()) {
		t.Errorf("text report:\n%s", b.String())
	}
	if h := string(HTML(r)); !strings.Contains(h, "The disk probe failed:") {
		t.Error("HTML report does not say the disk probe failed")
	}
}
