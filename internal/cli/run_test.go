package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hpp/internal/pstats"
	"hpp/internal/pyfind"
)

// buildHPP builds the hpp binary once for tests that need a process.
func buildHPP(t *testing.T) string {
	t.Helper()
	hppBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hpp-bin")
		if err != nil {
			hppBinErr = err
			return
		}
		// Readable by all: the output tests run it as nobody too.
		if err := os.Chmod(dir, 0o755); err != nil {
			hppBinErr = err
			return
		}
		hppBin = filepath.Join(dir, "hpp")
		cmd := exec.Command("go", "build", "-o", hppBin, "hpp/cmd/hpp")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			hppBinErr = err
			t.Logf("%s", out)
		}
	})
	if hppBinErr != nil {
		t.Fatalf("building hpp: %v", hppBinErr)
	}
	return hppBin
}

const runScript = `import sys
sys.stdout.write("args=%r stdin=%r\n" % (sys.argv[1:], sys.stdin.read()))
def work(n):
    return sum(i * i for i in range(n))
work(1000)
if "touch" in sys.argv:
    open(sys.argv[sys.argv.index("touch") + 1], "w").close()
if "raise" in sys.argv:
    raise ValueError("boom")
if "exit" in sys.argv:
    sys.exit(7)
if "spin" in sys.argv:
    import time
    sys.stdout.write("spinning\n"); sys.stdout.flush()
    t = time.time()
    while time.time() - t < 60:
        work(100)
`

func writeScript(t *testing.T) (dir, script string) {
	t.Helper()
	dir = t.TempDir()
	script = filepath.Join(dir, "prog.py")
	if err := os.WriteFile(script, []byte(runScript), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, script
}

// hasFunc reports whether the profile at path has a function named name.
func hasFunc(t *testing.T, path, name string) bool {
	t.Helper()
	p, err := pstats.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the profile hpp run wrote: %v", err)
	}
	for _, f := range p.Listed() {
		if f.Name == name {
			return true
		}
	}
	return false
}

func TestRunPassesThrough(t *testing.T) {
	pys := []string{"python3"}
	if py27 := pyfind.Pyenv("2.7"); py27 != "" {
		pys = append(pys, py27)
	}
	cases := []struct {
		name       string
		args       []string
		wantStatus int
		wantStderr string
	}{
		{"ok", []string{"a", "--flag", "-x"}, 0, ""},
		{"exit", []string{"exit"}, 7, ""},
		{"raise", []string{"raise"}, 1, "ValueError: boom"},
	}
	for _, py := range pys {
		for _, c := range cases {
			t.Run(filepath.Base(filepath.Dir(filepath.Dir(py)))+"/"+c.name, func(t *testing.T) {
				dir, script := writeScript(t)
				var stdout, stderr bytes.Buffer
				args := append([]string{"run", "--python", py, "-q", script}, c.args...)
				code := Main(context.Background(), args, &Env{Stdin: strings.NewReader("input!"), Stdout: &stdout, Stderr: &stderr})
				if code != c.wantStatus {
					t.Fatalf("exit %d, want %d; stderr:\n%s", code, c.wantStatus, stderr.String())
				}
				want := "args=" + pyList(c.args) + " stdin='input!'\n"
				if py != "python3" {
					want = strings.Replace(want, "'input!'", "'input!'", 1)
				}
				if stdout.String() != want {
					t.Errorf("stdout %q, want %q", stdout.String(), want)
				}
				if !strings.Contains(stderr.String(), c.wantStderr) {
					t.Errorf("stderr lacks %q:\n%s", c.wantStderr, stderr.String())
				}
				if strings.Contains(stderr.String(), "_hpp_run") {
					t.Errorf("traceback shows hpp's runner:\n%s", stderr.String())
				}
				prof := filepath.Join(dir, "prog.prof")
				if !hasFunc(t, prof, "work") {
					t.Errorf("profile %s lacks work()", prof)
				}
			})
		}
	}
}

func pyList(args []string) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, "'"+a+"'")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestRunModuleAndReport(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "m.prof")
	code := Main(context.Background(), []string{"run", "-o", out, "--limit", "5", "-m", "json.tool", "--sort-keys"},
		&Env{Stdin: strings.NewReader(`{"b": 1, "a": 2}`), Stdout: &stdout, Stderr: &stderr})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := stdout.String(); !strings.HasPrefix(got, "{\n    \"a\": 2,") {
		t.Errorf("json.tool --sort-keys output %q: flags after -m MODULE must reach the module", got)
	}
	rep := stderr.String()
	for _, want := range []string{"function calls", "Ordered by: cumulative time", "List reduced from", "filename:lineno(function)"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	if !hasFunc(t, out, "main") {
		t.Error("profile lacks json.tool's main()")
	}
}

// TestRunInterrupt sends SIGINT and SIGTERM to a running hpp process (not
// a terminal): the program stops and its profile is still written.
func TestRunInterrupt(t *testing.T) {
	hpp := buildHPP(t)
	for _, tc := range []struct {
		sig   syscall.Signal
		stdin string // a pipe, or a file opened on stdin
	}{
		{syscall.SIGINT, ""}, {syscall.SIGTERM, ""},
		// /dev/null is a character device, but not a terminal that
		// would have sent the program the SIGINT too.
		{syscall.SIGINT, "/dev/null"},
	} {
		sig := tc.sig
		t.Run(sig.String()+tc.stdin, func(t *testing.T) {
			dir, script := writeScript(t)
			cmd := exec.Command(hpp, "run", "-q", script, "spin")
			cmd.Stdin = strings.NewReader("")
			if tc.stdin != "" {
				f, err := os.Open(tc.stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				cmd.Stdin = f
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, _ := stdout.Read(buf) // wait until the program runs
			for !strings.Contains(string(buf[:n]), "spinning") {
				m, err := stdout.Read(buf[n:])
				if err != nil {
					t.Fatalf("program did not start: %v %s", err, stderr.String())
				}
				n += m
			}
			start := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				// Seen once in about ten runs of the whole suite on a loaded
				// machine; not understood yet. Say so, and try once more.
				t.Logf("hpp run still running 10 s after %v; sending it again; stderr so far:\n%s", sig, stderr.String())
				cmd.Process.Signal(sig)
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("hpp run did not stop after two signals; stderr:\n%s", stderr.String())
				}
			}

			t.Logf("stopped %v after the signal", time.Since(start).Round(time.Millisecond))
			// SIGINT raises KeyboardInterrupt; SIGTERM reaches the program
			// as SIGTERM, which ends it as it would without hpp.
			want, wantErr := 130, "KeyboardInterrupt"
			if sig == syscall.SIGTERM {
				want, wantErr = 128+int(syscall.SIGTERM), "hpp: wrote"
			}
			if code := cmd.ProcessState.ExitCode(); code != want && !(sig == syscall.SIGINT && code == 1) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, want, stderr.String())
			}
			if !strings.Contains(stderr.String(), wantErr) {
				t.Errorf("stderr lacks %q:\n%s", wantErr, stderr.String())
			}
			if !hasFunc(t, filepath.Join(dir, "prog.prof"), "work") {
				t.Error("profile lacks work()")
			}
		})
	}
}

// hppRun runs hpp run in-process with args and returns the exit code and
// stderr.
func hppRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"run"}, args...), &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	return code, stderr.String()
}

// TestRunKeepsFiles: hpp run replaces only a profile, and only with a
// new one.
func TestRunKeepsFiles(t *testing.T) {
	dir, script := writeScript(t)
	src, _ := os.ReadFile(script)
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("my notes\n"), 0o644)
	link := filepath.Join(dir, "link.py")
	os.Symlink("prog.py", link)

	for _, tc := range []struct {
		name, out, want string
		code            int
	}{
		{"the script", script, "is the script itself", ExitUsage},
		{"a link to the script", link, "is the script itself", ExitUsage},
		{"a text file", notes, "exists and is not a profile", ExitUsage},
		{"a missing directory", filepath.Join(dir, "no", "such.prof"), "cannot write", ExitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			marker := filepath.Join(dir, "ran")
			os.Remove(marker)
			code, stderr := hppRun(t, "-q", "-o", tc.out, script, "touch", marker)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the program ran: the output must be checked before the run")
			}
		})
	}
	if b, _ := os.ReadFile(script); !bytes.Equal(b, src) {
		t.Error("the script was changed")
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Error("notes.txt was changed")
	}

	// A profile is replaced, and an empty file too.
	prof := filepath.Join(dir, "prog.prof")
	for _, setup := range []func(){func() { os.WriteFile(prof, nil, 0o644) }, func() {}} {
		setup()
		if code, stderr := hppRun(t, "-q", script); code != 0 || !hasFunc(t, prof, "work") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	}
}

const exitScript = `import os, sys
def work(n):
    return sum(i * i for i in range(n))
work(1000)
sys.stdout.flush()
if sys.argv[1] == "_exit":
    os._exit(3)
if sys.argv[1] == "exec":
    os.execv("/bin/sh", ["sh", "-c", "exit 4"])
if sys.argv[1] == "kill":
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
`

// TestRunNoProfile: a program that leaves without cProfile's exit keeps
// its exit status, hpp says why there is no profile, and the previous
// profile stays.
func TestRunNoProfile(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "leave.py")
	os.WriteFile(script, []byte(exitScript), 0o644)
	prof := filepath.Join(dir, "leave.prof")
	if code, stderr := hppRun(t, "-q", script, "normal"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	old, _ := os.ReadFile(prof)
	for _, tc := range []struct {
		arg, want string
		code      int
	}{
		{"_exit", "os._exit() or replaced itself with exec", 3},
		{"exec", "os._exit() or replaced itself with exec", 4},
		{"kill", "killed by signal 9", 128 + 9},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			code, stderr := hppRun(t, "-q", script, tc.arg)
			if code != tc.code || !strings.Contains(stderr, "no profile written to "+prof+": ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
			if b, _ := os.ReadFile(prof); !bytes.Equal(b, old) {
				t.Error("the previous profile was removed or changed")
			}
		})
	}
}

func TestRunNotPython(t *testing.T) {
	_, script := writeScript(t)
	for _, py := range []string{"/bin/echo", "/bin/false"} {
		code, stderr := hppRun(t, "--python", py, script)
		if code != ExitNoTool || !strings.Contains(stderr, "hpp: run: ") || !strings.Contains(stderr, py+" is not a Python") {
			t.Errorf("--python %s: exit %d, stderr %q; want 5 and a message naming it", py, code, stderr)
		}
	}
}

// TestRunSIGTERMHandler: a program's own SIGTERM handler runs when hpp
// is sent SIGTERM.
func TestRunSIGTERMHandler(t *testing.T) {
	hpp := buildHPP(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "term.py")
	os.WriteFile(script, []byte(`import signal, sys, time
def on_term(signum, frame):
    sys.stdout.write("handled\n"); sys.stdout.flush()
    sys.exit(5)
signal.signal(signal.SIGTERM, on_term)
sys.stdout.write("spinning\n"); sys.stdout.flush()
time.sleep(60)
`), 0o644)
	cmd := exec.Command(hpp, "run", "-q", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 9)
	if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "spinning\n" {
		t.Fatalf("program did not start: %q %v %s", buf, err, stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(stdout)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 5 || string(rest) != "handled\n" {
		t.Errorf("exit %d, stdout %q; want 5 and the handler's output; stderr:\n%s", code, rest, stderr.String())
	}
	if !hasFunc(t, filepath.Join(dir, "term.prof"), "on_term") {
		t.Error("profile lacks on_term()")
	}
}

// TestRunToFIFO: hpp run -o FIFO writes the profile into the FIFO (its
// reader gets a profile Python's pstats reads), and the FIFO stays one.
func TestRunToFIFO(t *testing.T) {
	dir, script := writeScript(t)
	fifo := filepath.Join(dir, "prof.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := filepath.Join(dir, "got.prof")
	read := make(chan error, 1)
	go func() {
		b, err := os.ReadFile(fifo)
		if err == nil {
			err = os.WriteFile(got, b, 0o644)
		}
		read <- err
	}()
	if code, stderr := hppRun(t, "-q", "-o", fifo, script); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "-c", "import pstats, sys; s = pstats.Stats(sys.argv[1]); print(sorted(f[2] for f in s.stats))", got).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "'work'") {
		t.Errorf("Python's pstats on what the FIFO's reader got: %v %s", err, out)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO became %v", fi.Mode())
	}
}
