package sampler

import "syscall"

// hold stops process pid (SIGSTOP) until the function it returns is
// called (SIGCONT).
func hold(pid int) (resume func()) {
	if syscall.Kill(pid, syscall.SIGSTOP) != nil {
		return func() {}
	}
	return func() { syscall.Kill(pid, syscall.SIGCONT) }
}
