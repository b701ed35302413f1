package pyrun

import (
	"os"
	"syscall"
	"unsafe"
)

// inForeground reports whether this process is in the foreground process
// group of its controlling terminal. Then a Ctrl-C typed there reached
// the program too (it shares hpp's process group), and passing the
// SIGINT on would deliver it twice.
func inForeground() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false // no controlling terminal
	}
	defer tty.Close()
	var pgrp int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, tty.Fd(), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp)))
	return errno == 0 && int(pgrp) == syscall.Getpgrp()
}
