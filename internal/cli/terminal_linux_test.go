package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"hpp/internal/cli"
)

// evilNames defines and calls functions whose names and file hold a
// screen clear, a window title, a carriage return, a NUL and a bidi
// override, and then, given a directory, writes what pstats prints for
// the profile there.
const evilNames = `import sys
EVIL = "\x1b[2J\x1b]0;owned\x07\rhidden\x00\u202egnp.exe"
ns = {}
exec(compile("def f(n):\n    return sum(range(n))\n", "evil\x1b[2J.py", "exec"), ns)
f = ns["f"]
f.__code__ = f.__code__.replace(co_name="f" + EVIL, co_filename="evil" + EVIL + ".py")
for i in range(3):
    f(10)
if len(sys.argv) > 2:
    import cProfile, pstats
    cProfile.run("f(5)", sys.argv[1])
    for kind in ("stats", "callers", "callees"):
        with open("%s.%s" % (sys.argv[1], kind), "w", encoding="utf-8", newline="") as w:
            getattr(pstats.Stats(sys.argv[1], stream=w).sort_stats("cumulative"), "print_" + kind)()
`

// openPTY opens a pseudo-terminal without echo or output processing, so
// that what the program writes arrives unchanged.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ICANON
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// onTerminal runs hpp with the terminal as the stream that choose picks
// and returns what the terminal received and the exit code.
func onTerminal(t *testing.T, choose func(*cli.Env) *io.Writer, args ...string) (string, int) {
	t.Helper()
	master, tty := openPTY(t)
	defer master.Close()
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO once the terminal closes
		got <- b.Bytes()
	}()
	var other bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &other, Stderr: &other}
	*choose(env) = tty
	code := cli.Main(context.Background(), args, env)
	tty.Close()
	return string(<-got), code
}

// TestTerminalEscapes: hpp stats (all three reports) and hpp run's
// report escape the names' controls when they go to a terminal; hpp
// stats into a pipe prints pstats' exact bytes, controls included.
func TestTerminalEscapes(t *testing.T) {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Fatal("/usr/bin/python3 not found: apt-get install python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "evil.py")
	prof := filepath.Join(dir, "evil.prof")
	if err := os.WriteFile(script, []byte(evilNames), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, script, prof, "pstats").CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", py, err, out)
	}
	stdout := func(e *cli.Env) *io.Writer { return &e.Stdout }
	stderr := func(e *cli.Env) *io.Writer { return &e.Stderr }
	escaped := func(t *testing.T, out string) {
		t.Helper()
		for _, bad := range []string{"\x1b", "\x07", "\r", "\x00", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("the terminal received %+q:\n%s", bad, out)
			}
		}
		if !strings.Contains(out, `(f\x1b[2J\x1b]0;owned\x07\rhidden\x00\u202egnp.exe)`) {
			t.Errorf("the escaped name is missing:\n%s", out)
		}
	}
	for _, kind := range []string{"stats", "callers", "callees"} {
		args := []string{"stats", prof}
		if kind != "stats" {
			args = append(args, "--"+kind)
		}
		t.Run(kind+" terminal", func(t *testing.T) {
			out, code := onTerminal(t, stdout, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			escaped(t, out)
		})
		t.Run(kind+" pipe", func(t *testing.T) {
			want, err := os.ReadFile(prof + "." + kind)
			if err != nil {
				t.Fatal(err)
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan []byte)
			go func() { b, _ := io.ReadAll(r); got <- b }()
			code := cli.Main(context.Background(), args, &cli.Env{Stdin: strings.NewReader(""), Stdout: w, Stderr: io.Discard})
			w.Close()
			if b := <-got; code != 0 || !bytes.Equal(b, want) {
				t.Errorf("exit %d; through a pipe, not pstats' bytes:\n%+q\nwant\n%+q", code, b, want)
			}
		})
	}
	t.Run("run terminal", func(t *testing.T) {
		out, code := onTerminal(t, stderr, "run", "--python", py, "-o", filepath.Join(dir, "run.prof"), script)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, out)
		}
		escaped(t, out)
	})
}
