package machine

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestMemAvailable checks /proc/meminfo's figure against the kernel's
// sysinfo: more than nothing, no more than all of RAM.
func TestMemAvailable(t *testing.T) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	total := int64(si.Totalram) * int64(si.Unit)
	if got := memAvailable(); got <= 0 || got > total {
		t.Fatalf("memAvailable() = %d, want in (0, %d]", got, total)
	}
}
