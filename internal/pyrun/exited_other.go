//go:build !linux

package pyrun

// untilExited returns at once where there is no ptrace to protect.
func untilExited(pid int) {}
