package cli

import (
	"bufio"
	"io"
	"os/exec"
	"testing"
)

// startPython starts python3 with args as a live target for dump, record
// and top tests, and returns it with its stdout; the test reads what the
// target announces (a "ready" line, where its threads block). The target
// is killed and reaped when the test ends (not before: a zombie counts as
// exited). The test is skipped without python3.
func startPython(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	return startCmd(t, py, args...)
}

// startCmd starts a live target as startPython does, with any command.
func startCmd(t *testing.T, name string, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(stdout)
}

// waitReady reads the target's first line, its sign that it is set up.
func waitReady(r io.Reader) { bufio.NewReader(r).ReadString('\n') }
