package sampler

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// interpreters lists the Pythons the live tests run on: pyenv's 3.6 and
// later, Debian's stripped python3, and Debian unstable's in a chroot.
func interpreters(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	if root, err := exec.Command("pyenv", "root").Output(); err == nil {
		dirs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(root)), "versions", "3.*"))
		for _, d := range dirs {
			out["pyenv-"+filepath.Base(d)] = filepath.Join(d, "bin", "python3")
		}
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		out["debian-python3"] = "/usr/bin/python3"
	}
	// Targets in a pid namespace of their own: one that has native thread
	// ids in its thread states (3.11+), one whose ids come from glibc's
	// struct pthread.
	if _, err := exec.LookPath("unshare"); err == nil {
		if py, ok := out["pyenv-3.9.18"]; ok {
			out["pidns-pyenv-3.9.18"] = "pidns:" + py
		}
		if py, ok := out["debian-python3"]; ok {
			out["pidns-debian-python3"] = "pidns:" + py
		}
	}
	// Debian unstable's 3.13, 3.14 and 3.15 in a chroot (scripts/sid-chroot
	// makes it).
	for _, v := range []string{"3.13", "3.14", "3.15"} {
		if _, err := os.Stat(sidChroot + "/usr/bin/python" + v); err == nil {
			out["sid-python"+v] = "chroot:" + sidChroot + ":python" + v
		} else {
			t.Logf("no python%s in %s: run scripts/sid-chroot to test targets in another root", v, sidChroot)
		}
	}
	if len(out) == 0 {
		t.Skip("no Python interpreters")
	}
	return out
}

// selfReport is what the target says about itself.
type selfReport struct {
	Reporter uint64
	PID      int
	Threads  map[string]struct {
		NativeID int `json:"native_id"`
		Frames   [][3]any
	}
	Roles map[string]uint64

	hostPID int // the target's pid as seen here (set by startTarget)
}

// sidChroot is where scripts/sid-chroot puts Debian unstable's 3.13, 3.14
// and 3.15.
const sidChroot = "/var/cache/hpp/sid"

// startTarget runs testdata/target.py and waits for its self-report. An
// interpreter named "chroot:DIR:PYTHON" runs inside that chroot, as a
// process in another root.
func startTarget(t testing.TB, py string) (*exec.Cmd, *selfReport) {
	t.Helper()
	src, err := os.ReadFile("testdata/target.py")
	if err != nil {
		t.Fatal(err)
	}
	root, inner := "", t.TempDir()
	var cmd *exec.Cmd
	if bin, ok := strings.CutPrefix(py, "pidns:"); ok {
		// A pid namespace of its own, as in a container: the target's
		// thread ids are not the ones /proc shows here.
		cmd = exec.Command("unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", bin, inner+"/target.py", inner+"/report.json")
	} else if rest, ok := strings.CutPrefix(py, "chroot:"); ok {
		dir, bin, _ := strings.Cut(rest, ":")
		root = dir
		inner, err = os.MkdirTemp(dir+"/tmp", "hpp-sampler-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(inner) })
		inner = strings.TrimPrefix(inner, dir)
		cmd = exec.Command("chroot", dir, bin, inner+"/target.py", inner+"/report.json")
	} else {
		cmd = exec.Command(py, inner+"/target.py", inner+"/report.json")
	}
	if err := os.WriteFile(root+inner+"/target.py", src, 0o644); err != nil {
		t.Fatal(err)
	}
	out := root + inner + "/report.json"
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(out)
		if err == nil {
			var r selfReport
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			// The reporter blocks right after writing; give it the moment.
			time.Sleep(50 * time.Millisecond)
			r.hostPID = cmd.Process.Pid
			if strings.HasPrefix(py, "pidns:") {
				// unshare forks the target: its only child.
				b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", r.hostPID, r.hostPID))
				if err != nil {
					t.Fatalf("unshare's child: %v", err)
				}
				if r.hostPID, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
					t.Fatalf("unshare's child: %q", b)
				}
				// The first process of a pid namespace ignores SIGTERM; kill
				// it for sure, whatever becomes of unshare.
				pid := r.hostPID
				t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			}
			return cmd, &r
		}
		if time.Now().After(deadline) {
			t.Fatal("target wrote no report in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func frameString(f Frame) string { return f.File + ":" + strconv.Itoa(f.Line) + " " + f.Name }

// TestDumpLive compares Dump with the target's own view of its stacks:
// same functions, files and lines in every thread, a 200-deep recursion,
// a method's qualified name, a generator, a coroutine and a non-ASCII
// name, the CPU-bound thread holding the GIL and the sleeper idle.
func TestDumpLive(t *testing.T) {
	for label, py := range interpreters(t) {
		t.Run(label, func(t *testing.T) {
			_, self := startTarget(t, py)
			tg, err := Attach(self.hostPID)
			if err != nil {
				t.Fatal(err)
			}
			// A first walk finds the thread lists; the dump then reads
			// them as that walk found them (threadsKnown), the way every
			// round of a recording after the first does.
			if _, err := tg.Threads(); err != nil {
				t.Fatal(err)
			}
			if tg.shape == nil {
				t.Error("the first walk left no thread lists to check the next against")
			}
			threads, err := tg.Dump()
			if err != nil {
				t.Fatal(err)
			}
			if _, _, ok := tg.threadsKnown(); !ok {
				t.Error("the thread lists, standing still, do not read as the first walk found them")
			}
			byID := map[uint64]Thread{}
			holders := 0
			for _, th := range threads {
				byID[th.ID] = th
				if th.GIL {
					holders++
				}
			}
			if len(threads) != len(self.Threads)+1 { // the report leaves out the reporter
				t.Errorf("dump has %d threads, the target %d and its reporter", len(threads), len(self.Threads))
			}
			for idStr, want := range self.Threads {
				id, _ := strconv.ParseUint(idStr, 10, 64)
				if id == self.Reporter {
					continue // it has moved on since it wrote the report
				}
				th, ok := byID[id]
				if !ok {
					t.Errorf("thread %d missing from the dump", id)
					continue
				}
				if th.Err != "" {
					t.Errorf("thread %d: %s", id, th.Err)
					continue
				}
				if want.NativeID != 0 && th.NativeID != want.NativeID {
					t.Errorf("thread %d: native id %d, target says %d", id, th.NativeID, want.NativeID)
				}
				var got, exp []string
				for _, f := range th.Frames {
					got = append(got, frameString(f))
				}
				for _, f := range want.Frames {
					exp = append(exp, frameString(Frame{File: f[0].(string), Line: int(f[1].(float64)), Name: f[2].(string)}))
				}
				if strings.Join(got, "\n") != strings.Join(exp, "\n") {
					t.Errorf("thread %d:\ndump:\n  %s\ntarget:\n  %s", id, strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
				}
			}
			role := func(r string) Thread { return byID[self.Roles[r]] }
			// <module>, recurse ×201, leaf_wait, then threading's own frames.
			if n := len(role("main").Frames); n < 203 {
				t.Errorf("main thread: %d frames, want at least 203", n)
			}
			if sp := role("spin"); !sp.GIL || sp.State != "running" {
				t.Errorf("spinning thread: gil %v, state %q; want it holding the GIL and running", sp.GIL, sp.State)
			}
			if holders != 1 {
				t.Errorf("%d threads hold the GIL", holders)
			}
			if sl := role("sleeper"); sl.GIL || sl.State != "idle" {
				t.Errorf("sleeping thread: gil %v, state %q", sl.GIL, sl.State)
			}
			checkName := func(r, name string) {
				for _, f := range role(r).Frames {
					if f.Name == name {
						return
					}
				}
				t.Errorf("%s thread: no frame named %q in %v", r, name, role(r).Frames)
			}
			method := "Worker.method"
			if tg.Minor <= 10 {
				method = "method" // no co_qualname before 3.11
			}
			checkName("method", method)
			checkName("generator", "gen")
			checkName("coroutine", "coro")
			checkName("nonascii", "naïve_函数")
		})
	}
}
