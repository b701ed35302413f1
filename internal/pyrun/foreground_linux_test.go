package pyrun

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestMain lets the test binary act as the helper process of
// TestInForeground.
func TestMain(m *testing.M) {
	if os.Getenv("HPP_PYRUN_FOREGROUND_HELPER") == "1" {
		fmt.Print(inForeground())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// openPTY opens a new pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pts: %v", err)
	}
	return m, s
}

// TestInForeground runs a process that is the foreground of its own
// terminal (Ctrl-C there reaches its children: hpp must not pass SIGINT
// on) and one without a terminal (hpp must).
func TestInForeground(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctty bool
		want string
	}{
		{"foreground of a terminal", true, "true"},
		{"no terminal", false, "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			master, slave := openPTY(t)
			defer master.Close()
			defer slave.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "HPP_PYRUN_FOREGROUND_HELPER=1")
			var out strings.Builder
			cmd.Stdout = &out
			cmd.Stdin = slave
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: tc.ctty, Ctty: 0}
			if err := cmd.Run(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("inForeground() = %s, want %s", out.String(), tc.want)
			}
		})
	}
}
