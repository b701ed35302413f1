//go:build !linux

package pyrun

// inForeground is false where the terminal is not asked: every SIGINT is
// passed on.
func inForeground() bool { return false }
