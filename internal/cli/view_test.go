package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// urlWriter collects output and reports the first URL written to it.
type urlWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	url chan string
}

var urlPat = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

func (w *urlWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if u := urlPat.FindString(w.buf.String()); u != "" && w.url != nil {
		w.url <- u
		w.url = nil
	}
	return len(b), nil
}

func TestViewCommand(t *testing.T) {
	py := "/usr/bin/python3" // Debian's
	if _, err := os.Stat(py); err != nil {
		t.Fatal("/usr/bin/python3 not found: apt-get install python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "w.py")
	os.WriteFile(script, []byte("def f(n):\n    return n if n < 2 else f(n-1) + f(n-2)\nf(15)\n"), 0o644)
	prof := filepath.Join(dir, "w.prof")
	if out, err := exec.Command(py, "-m", "cProfile", "-o", prof, script).CombinedOutput(); err != nil {
		t.Fatalf("python3 -m cProfile: %v\n%s", err, out)
	}
	html := filepath.Join(dir, "out.html")
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"html", []string{"view", "--html", html, prof}, 0, ""},
		{"html diff", []string{"view", "--html", html, "--diff", prof, prof}, 0, ""},
		{"diff needs two", []string{"view", "--diff", prof}, 2, "two files"},
		{"no file", []string{"view"}, 2, "no profile file"},
		{"missing file", []string{"view", "--no-browser", filepath.Join(dir, "nope.prof")}, 3, "no such file"},
		{"not a profile", []string{"view", "--no-browser", script}, 4, "not a readable profile"},
		{"bad port", []string{"view", "--no-browser", "-p", "70000", prof}, 2, "port"},
		{"missing browser", []string{"view", "-b", "/nonexistent/browser", prof}, 5, "browser"},
		{"unwritable html", []string{"view", "--html", filepath.Join(dir, "no", "such", "dir.html"), prof}, 1, "cannot write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(context.Background(), tc.args, &Env{Stdout: &out, Stderr: &errb})
			if code != tc.code || !strings.Contains(errb.String(), tc.err) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), tc.code, tc.err)
			}
		})
	}
	b, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(b, []byte(`<script type="application/json" id="hpp-data">{"v":1`)) {
		t.Errorf("--html wrote no page with data (%v)", err)
	}

	t.Run("run --view", func(t *testing.T) {
		// No display: the viewer must not open a browser here.
		t.Setenv("DISPLAY", "")
		t.Setenv("WAYLAND_DISPLAY", "")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		urls := make(chan string, 1)
		out := &urlWriter{url: urls}
		errb := &urlWriter{url: urls} // hpp run prints its report on stderr
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, []string{"run", "--python", py, "--view", "-o", filepath.Join(dir, "run.prof"), script},
				&Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb})
		}()
		select {
		case url := <-urls:
			resp, err := http.Get(url + "data.json")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET data.json: %d", resp.StatusCode)
			}
		case code := <-done:
			t.Fatalf("hpp run --view exited %d without serving", code)
		case <-time.After(30 * time.Second):
			t.Fatal("hpp run --view printed no URL")
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("hpp run --view: exit %d", code)
		}
	})

	t.Run("serve until cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		urls := make(chan string, 1)
		out := &urlWriter{url: urls}
		var errb bytes.Buffer
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, []string{"view", "--no-browser", prof, prof}, &Env{Stdout: out, Stderr: &errb})
		}()
		var url string
		select {
		case url = <-urls:
		case code := <-done:
			t.Fatalf("exit %d before serving: %s", code, errb.String())
		case <-time.After(20 * time.Second):
			t.Fatal("no URL printed")
		}
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", url, resp.StatusCode)
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d after cancel: %s", code, errb.String())
			}
		case <-time.After(5 * time.Second):
			t.Fatal("hpp view did not stop")
		}
		out.mu.Lock()
		defer out.mu.Unlock()
		if !strings.Contains(out.buf.String(), "w.prof + w.prof") {
			t.Errorf("output %q does not name the merged files", out.buf.String())
		}
	})
}
