package sampler

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"hpp/internal/procmem"
)

func TestAttachNotPython(t *testing.T) {
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	_, err := Attach(cmd.Process.Pid)
	var np *NotPythonError
	if !errors.As(err, &np) || !strings.Contains(err.Error(), "not a CPython process") {
		t.Errorf("Attach(sleep) = %v, want a NotPythonError", err)
	}
}

func TestAttachGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	_, err := Attach(cmd.Process.Pid)
	var ge *procmem.GoneError
	if !errors.As(err, &ge) {
		t.Errorf("Attach(exited pid) = %v, want a GoneError", err)
	}
}

func TestUnsupportedNamesVersions(t *testing.T) {
	msg := (&UnsupportedError{Version: "2.7.18", Why: "too old"}).Error()
	for _, v := range []string{"2.7.18", "3.6", "3.13"} {
		if !strings.Contains(msg, v) {
			t.Errorf("message lacks %s: %s", v, msg)
		}
	}
}

func TestAttachPython2(t *testing.T) {
	root, err := exec.Command("pyenv", "root").Output()
	if err != nil {
		t.Skip("no pyenv")
	}
	cmd := exec.Command(strings.TrimSpace(string(root))+"/versions/2.7.18/bin/python2.7", "-c", "import sys; sys.stdin.read()")
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Skip("no pyenv 2.7.18")
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	// Wait until the interpreter has mapped its library.
	for i := 0; i < 100; i++ {
		if maps, _ := procmem.ReadMaps(cmd.Process.Pid); len(maps) > 0 && strings.Contains(fmt.Sprint(maps), "libpython2.7") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err = Attach(cmd.Process.Pid)
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Version != "2.7.18" {
		t.Errorf("Attach(python2.7) = %v, want UnsupportedError for 2.7.18", err)
	}
}
