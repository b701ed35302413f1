package pyrun

import "golang.org/x/sys/unix"

// untilExited blocks until process pid has exited, without waiting for it
// (it stays a zombie for exec.Cmd.Wait to reap). A ptrace tracer in this
// process (hpp record --blocking) must see its tracee's stops itself, and
// a wait(2) started in another thread before the program ends would be
// handed those stops instead; so Wait is called only once the program has
// ended, which a pidfd tells by becoming readable.
func untilExited(pid int) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // an old kernel: wait at once, as before
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			return
		}
	}
}
