package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lockedBuilder is a strings.Builder that two goroutines may write.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTopPlainSubprocesses: hpp top --subprocesses shows a forked
// child's function (first in cpu mode: the parent waits), counts both
// processes, and gives each thread's pid.
func TestTopPlainSubprocesses(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	script := filepath.Join(t.TempDir(), "t.py")
	os.WriteFile(script, []byte(`
import os, time
def hot_child():
    end = time.time() + 1.6
    while time.time() < end:
        pass
time.sleep(0.2)
pid = os.fork()
if pid == 0:
    hot_child()
    os._exit(0)
print("child", pid, flush=True)
os.waitpid(pid, 0)
`), 0o644)
	var out lockedBuilder // top and the copy of the target's output both write
	var errb strings.Builder
	code := Main(t.Context(), []string{"top", "--subprocesses", "--mode", "cpu", "--interval", "0.5", "--python", py, script}, &Env{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	o := out.String()
	m := regexp.MustCompile(`child (\d+)`).FindStringSubmatch(o)
	if m == nil {
		t.Fatalf("the target did not name its child:\n%s", o)
	}
	last := o[strings.LastIndex(o, "hpp top: process"):]
	if !strings.Contains(last, "2 processes:") {
		t.Errorf("the last snapshot does not count 2 processes:\n%s", last)
	}
	if !regexp.MustCompile(`(?m)^ +\d+ pid ` + m[1] + ` +thread ` + m[1] + ` `).MatchString(last) {
		t.Errorf("no thread line of the child, pid %s:\n%s", m[1], last)
	}
	if row := firstFuncRow(last); !strings.Contains(row, "hot_child") {
		t.Errorf("the last snapshot's first row is %q, want hot_child's:\n%s", row, o)
	}
}
