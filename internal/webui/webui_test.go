package webui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"hpp/internal/callgraph"
	"hpp/internal/profile"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Host = "127.0.0.1:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestEndpoints(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 10000, 15))
	h := Handler(p, Options{Title: "fib"})
	est := callgraph.NewEstimator(p)
	root0 := strconv.Itoa(int(est.Roots()[0].Func))
	for _, tc := range []struct {
		target, ctype string
		code          int
	}{
		{"/", "text/html; charset=utf-8", 200},
		{"/?x=1", "text/html; charset=utf-8", 200},
		{"/data.json", "application/json", 200},
		{"/tree.json", "application/json", 200},
		{"/tree.json?path=" + root0, "application/json", 200},
		{"/tree.json?path=x", "", 400},
		{"/tree.json?path=-1", "", 400},
		{"/tree.json?path=99999999", "", 400},
		{"/tree.json?path=" + root0 + "," + root0, "", 404}, // recursion is folded: no such node
		{"/index.html", "", 404},
		{"/html/app.js", "", 404},
		{"/data.json/", "", 404},
		{"/favicon.ico", "", 404},
	} {
		t.Run(tc.target, func(t *testing.T) {
			w := get(t, h, tc.target)
			if w.Code != tc.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.ctype != "" && w.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", w.Header().Get("Content-Type"), tc.ctype)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" && tc.code == 200 {
				t.Error("no nosniff header")
			}
		})
	}
	t.Run("page", func(t *testing.T) {
		w := get(t, h, "/")
		csp := w.Header().Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "connect-src 'self'", "script-src 'sha256-"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		body := w.Body.String()
		if !strings.Contains(body, `<script type="application/json" id="hpp-data"></script>`) {
			t.Error("the served page carries data inline; it should fetch data.json")
		}
		if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Error("the page names an external URL")
		}
	})
	t.Run("data", func(t *testing.T) {
		var d struct {
			Total          float64
			Listed, N      int
			Files, Name    []string
			File, Line     []int
			PC, NC         []int64
			TT, CT         []float64
			Ecount         []int
			Ecaller        []int
			Epc, Enc       []int64
			Ett, Ect       []float64
			Eonly          []int
			Base, Tree     any
			Sources        []string
			Title          string
			V              int
			Extra, Missing any
		}
		if err := json.Unmarshal(get(t, h, "/data.json").Body.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		if d.Total != p.TotalTT || d.Listed != p.NumListed || d.N != len(p.Funcs) || d.Title != "fib" || d.Base != nil || d.Tree != nil {
			t.Fatalf("header: total %g listed %d n %d title %q", d.Total, d.Listed, d.N, d.Title)
		}
		e := 0
		for i, f := range p.Funcs {
			if d.Name[i] != f.Name || d.Files[d.File[i]] != f.File || d.Line[i] != f.Line ||
				d.PC[i] != f.PCalls || d.NC[i] != f.NCalls || d.TT[i] != f.TotTime || d.CT[i] != f.CumTime {
				t.Fatalf("function %d: %v %+v differs in the data", i, f.Func, f.Stats)
			}
			if i >= p.NumListed {
				continue
			}
			if d.Ecount[i] != len(f.Callers) {
				t.Fatalf("%v: %d callers in the data, %d in the profile", f.Func, d.Ecount[i], len(f.Callers))
			}
			for _, c := range f.Callers {
				if d.Ecaller[e] != int(c.Caller) || d.Enc[e] != c.NCalls || d.Epc[e] != c.PCalls || d.Ett[e] != c.TotTime || d.Ect[e] != c.CumTime {
					t.Fatalf("edge %d into %v differs", e, f.Func)
				}
				e++
			}
		}
		if e != len(d.Ecaller) {
			t.Errorf("%d edges in the data, %d in the profile", len(d.Ecaller), e)
		}
	})
	t.Run("tree", func(t *testing.T) {
		// Walk /tree.json down the heaviest path and compare every level
		// with the expanded tree.
		tree := est.Tree(callgraph.Options{MinFraction: 1e-9})
		n := tree
		var path []string
		for depth := 0; len(n.Children) > 0 && depth < 6; depth++ {
			var got struct {
				Value, Self float64
				Children    []struct {
					F    int
					Name string
					V    float64
				}
			}
			if err := json.Unmarshal(get(t, h, "/tree.json?path="+strings.Join(path, ",")).Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Value != n.Value || len(got.Children) < len(n.Children) {
				t.Fatalf("path %v: value %g with %d children, tree has %g with %d", path, got.Value, len(got.Children), n.Value, len(n.Children))
			}
			for i, c := range n.Children {
				if got.Children[i].F != int(c.Func) || got.Children[i].V != c.Value || got.Children[i].Name != p.Funcs[c.Func].Name {
					t.Fatalf("path %v child %d: %+v, tree has %v=%g", path, i, got.Children[i], p.Funcs[c.Func].Func, c.Value)
				}
			}
			n = n.Children[0]
			path = append(path, strconv.Itoa(int(n.Func)))
		}
		if len(path) < 3 {
			t.Errorf("walked only %d levels", len(path))
		}
	})
}

// TestNoPathReachesFiles sends raw requests, so that no client cleans the
// path first, for files that exist: only 404s (or 400s) may come back.
func TestNoPathReachesFiles(t *testing.T) {
	profPath, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	srv := httptest.NewServer(Handler(p, Options{}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	secret, _ := os.ReadFile(profPath)
	for _, target := range []string{
		"/../etc/passwd",
		"/../../../../../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
		"/..%2f..%2fetc%2fpasswd",
		"/..\\..\\etc\\passwd",
		"//etc/passwd",
		"/etc/passwd",
		"/data.json/../../../etc/passwd",
		"/./../etc/passwd",
		"/%2fetc%2fpasswd",
		"/.%2e/.%2e/etc/passwd",
		profPath,
		"/" + filepath.Base(profPath),
		"/..;/etc/passwd",
		"http://127.0.0.1/etc/passwd",
		"file:///etc/passwd",
	} {
		t.Run(target, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", target)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 404 && resp.StatusCode != 400 {
				t.Errorf("status %d for %s", resp.StatusCode, target)
			}
			if bytes.Contains(body, []byte("root:")) || len(secret) > 0 && bytes.Contains(body, secret[:min(len(secret), 64)]) {
				t.Errorf("%s returned a file's contents", target)
			}
		})
	}
}

func TestForbidden(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	for _, tc := range []struct {
		name, remoteAddr, host string
		remote                 bool
		code                   int
	}{
		{"loopback", "127.0.0.1:5000", "127.0.0.1:8080", false, 200},
		{"ipv6 loopback", "[::1]:5000", "[::1]:8080", false, 200},
		{"localhost name", "127.0.0.1:5000", "localhost:8080", false, 200},
		{"other client", "192.0.2.7:5000", "127.0.0.1:8080", false, 403},
		{"other client v6", "[2001:db8::1]:5000", "127.0.0.1:8080", false, 403},
		{"DNS rebinding", "127.0.0.1:5000", "evil.example:8080", false, 403},
		{"rebinding without port", "127.0.0.1:5000", "evil.example", false, 403},
		{"bad remote address", "garbage", "127.0.0.1", false, 403},
		{"other client with -H", "192.0.2.7:5000", "myhost:8080", true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{}
			if tc.remote {
				o.Host = "0.0.0.0"
			}
			h := Handler(p, o)
			for _, target := range []string{"/", "/data.json", "/tree.json", "/../etc/passwd"} {
				r := httptest.NewRequest("GET", target, nil)
				r.RemoteAddr, r.Host = tc.remoteAddr, tc.host
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				want := tc.code
				if want == 200 && target == "/../etc/passwd" {
					want = 404
				}
				if w.Code != want {
					t.Errorf("%s: status %d, want %d", target, w.Code, want)
				}
			}
		})
	}
	t.Run("POST", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/data.json", strings.NewReader("x"))
		r.RemoteAddr, r.Host = "127.0.0.1:1", "127.0.0.1"
		w := httptest.NewRecorder()
		Handler(p, Options{}).ServeHTTP(w, r)
		if w.Code != 405 {
			t.Errorf("POST: status %d", w.Code)
		}
	})
}

func TestServe(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	t.Run("loopback", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb bytes.Buffer
		urls := make(chan string, 1)
		done := make(chan error, 1)
		go func() {
			done <- Serve(ctx, p, Options{Title: "fib", NoBrowser: true, Stdout: &out, Stderr: &errb, Ready: func(u string) { urls <- u }})
		}()
		var url string
		select {
		case url = <-urls:
		case err := <-done:
			t.Fatal(err)
		}
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Errorf("URL %q", url)
		}
		resp, err := http.Get(url + "data.json")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("data.json: %d", resp.StatusCode)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve after cancel: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not stop when its context ended")
		}
		if !strings.Contains(out.String(), url) || errb.Len() != 0 {
			t.Errorf("stdout %q, stderr %q", out.String(), errb.String())
		}
		// The port is free again.
		port := strings.TrimSuffix(strings.TrimPrefix(url, "http://127.0.0.1:"), "/")
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Errorf("port %s still taken after Serve returned: %v", port, err)
		} else {
			ln.Close()
		}
	})
	t.Run("other host warns and accepts others", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var errb bytes.Buffer
		urls := make(chan string, 1)
		go Serve(ctx, p, Options{Host: "0.0.0.0", NoBrowser: true, Stderr: &errb, Ready: func(u string) { urls <- u }})
		url := <-urls
		if !strings.Contains(errb.String(), "warning") || !strings.Contains(errb.String(), "0.0.0.0") {
			t.Errorf("no warning on stderr: %q", errb.String())
		}
		req, _ := http.NewRequest("GET", strings.Replace(url, "0.0.0.0", "127.0.0.1", 1), nil)
		req.Host = "myhost.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("with -H, a foreign Host header got %d", resp.StatusCode)
		}
	})
	t.Run("port taken", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		err = Serve(context.Background(), p, Options{Port: ln.Addr().(*net.TCPAddr).Port, NoBrowser: true})
		if err == nil || !strings.Contains(err.Error(), "-p") {
			t.Errorf("Serve on a taken port: %v", err)
		}
	})
	t.Run("missing browser", func(t *testing.T) {
		err := Serve(context.Background(), p, Options{Browser: "/nonexistent/browser"})
		if err == nil || !strings.Contains(err.Error(), "browser") {
			t.Errorf("Serve with a missing browser: %v", err)
		}
	})
}

func TestStaticHTML(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "evil.prof")
	runPython(t, dir, evilSrc, out, dir)
	p := readProf(t, out)
	var b bytes.Buffer
	if err := WriteHTML(&b, p, Options{Title: "</script><script>alert(1)</script>"}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	// Three scripts: the data, the source texts, the code.
	if n := strings.Count(strings.ToLower(s), "</script"); n != 3 {
		t.Errorf("%d </script in the file, want the 3 that close its scripts", n)
	}
	if n := strings.Count(strings.ToLower(s), "<script"); n != 3 {
		t.Errorf("%d <script in the file, want 3", n)
	}
	for _, bad := range []string{"http://", "https://", "<img", "\u2028", "\u2029"} {
		if strings.Contains(s, bad) {
			t.Errorf("the file holds %q", bad)
		}
	}
	if !strings.Contains(s, "connect-src 'none'") {
		t.Error("the static file's CSP allows connections")
	}
	for name, src := range map[string][]byte{"app.js": appJS(), "style.css": styleCSS} {
		if bytes.Contains(bytes.ToLower(src), []byte("</script")) || bytes.Contains(bytes.ToLower(src), []byte("</style")) {
			t.Errorf("%s would close its element early", name)
		}
	}
}

// TestStaticSize checks that a 9k-function profile gives a file of a few
// MB at most.
func TestStaticSize(t *testing.T) {
	dir := t.TempDir()
	p := readProf(t, genProfile(t, dir, 9000))
	var b bytes.Buffer
	if err := WriteHTML(&b, p, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d functions, %d edges: %.2f MB", p.NumListed, countEdges(p), float64(b.Len())/1e6)
	if b.Len() > 4e6 {
		t.Errorf("static file for 9k functions is %.1f MB", float64(b.Len())/1e6)
	}
}

func countEdges(p *profile.Profile) int {
	n := 0
	for _, f := range p.Listed() {
		n += len(f.Callers)
	}
	return n
}

func FuzzHandler(f *testing.F) {
	for _, s := range []string{"/", "/data.json", "/tree.json?path=0", "/tree.json?path=0,1,2", "/../x", "/tree.json?path=,"} {
		f.Add(s)
	}
	b := profile.NewBuilder(4)
	a, c := b.Func(profile.Func{File: "a.py", Line: 1, Name: "a"}), b.Func(profile.Func{File: "a.py", Line: 5, Name: "c"})
	b.Entry(a, profile.Stats{PCalls: 1, NCalls: 1, TotTime: 1, CumTime: 3}, nil)
	b.Entry(c, profile.Stats{PCalls: 2, NCalls: 2, TotTime: 2, CumTime: 2}, []profile.Edge{{Caller: a, Stats: profile.Stats{PCalls: 2, NCalls: 2, TotTime: 2, CumTime: 2}}})
	h := Handler(b.Profile(), Options{})
	f.Fuzz(func(t *testing.T, target string) {
		r, err := http.NewRequest("GET", "http://127.0.0.1"+target, nil)
		if err != nil || r.URL.Host != "127.0.0.1" {
			return
		}
		r.RemoteAddr = "127.0.0.1:1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200:
			if p := r.URL.Path; p != "/" && p != "/data.json" && p != "/tree.json" {
				t.Errorf("200 for %q", p)
			}
		case 400, 404:
		default:
			t.Errorf("status %d for %q", w.Code, target)
		}
	})
}

func TestDefaultOpener(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("macOS always opens with open")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if err := openBrowser("", "http://127.0.0.1:1/"); err == nil || !strings.Contains(err.Error(), "no display") {
		t.Errorf("no display: %v", err)
	}
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	if b, err := defaultOpener(); b != "xdg-open" || err != nil {
		t.Errorf("with a display: %q, %v", b, err)
	}
}

// serveAsync starts Serve and returns its URL, what it printed on
// stderr once listening, and a function that stops it.
func serveAsync(t *testing.T, p *profile.Profile, o Options) (url string, stderr *bytes.Buffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errb bytes.Buffer
	urls := make(chan string, 1)
	done := make(chan error, 1)
	o.NoBrowser, o.Stderr, o.Ready = true, &errb, func(u string) { urls <- u }
	go func() { done <- Serve(ctx, p, o) }()
	select {
	case url = <-urls:
	case err := <-done:
		cancel()
		t.Fatalf("Serve -H %s: %v", o.Host, err)
	}
	return url, &errb, func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not stop")
		}
	}
}

// rawGet sends one request on conn with the given Host header and
// returns the status.
func rawGet(t *testing.T, conn net.Conn, br *bufio.Reader, host, path string) int {
	t.Helper()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeLoopbackNames: -H with a name or address that binds a
// loopback address keeps the DNS-rebinding check (a Host header naming
// another site gets 403), answers the name it was given, and warns of
// nothing. Before, -H $(hostname) turned the check off because the name
// is not "localhost", and -H 127.0.1.1 answered 403 to its own URL.
func TestServeLoopbackNames(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "127.0.1.1", "::1", hostname} {
		t.Run(host, func(t *testing.T) {
			if ips, err := net.LookupIP(host); err != nil || !ips[0].IsLoopback() {
				t.Skipf("%s does not resolve to a loopback address here: %v %v", host, ips, err)
			}
			if ln, err := net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
				t.Skipf("cannot listen on %s here: %v", host, err)
			} else {
				ln.Close()
			}
			url, errb, stop := serveAsync(t, p, Options{Host: host})
			defer stop()
			hostport := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
			_, port, _ := net.SplitHostPort(hostport)
			conn, err := net.Dial("tcp", hostport) // a loopback address, checked above
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if ra := conn.RemoteAddr().(*net.TCPAddr); !ra.IP.IsLoopback() {
				t.Fatalf("connected to %v", ra)
			}
			br := bufio.NewReader(conn)
			for _, tc := range []struct {
				host string
				code int
			}{
				{hostport, 200},
				{strings.ToUpper(hostport), 200},
				{net.JoinHostPort("localhost", port), 200},
				{"evil.example:" + port, 403},
				{"evil.example", 403},
				{net.JoinHostPort(host+".evil.example", port), 403},
			} {
				if code := rawGet(t, conn, br, tc.host, "/data.json"); code != tc.code {
					t.Errorf("Host: %s: status %d, want %d", tc.host, code, tc.code)
				}
			}
			if errb.Len() != 0 {
				t.Errorf("a loopback server warned: %q", errb.String())
			}
		})
	}
}

// TestServeNonLoopbackWarns binds one of this machine's own non-loopback
// addresses (sending it nothing) and checks the warning names it.
func TestServeNonLoopbackWarns(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var ip net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() && n.IP.To4() != nil {
			ip = n.IP
			break
		}
	}
	for _, host := range []string{"0.0.0.0", ip.String()} {
		if host == "<nil>" {
			t.Log("no non-loopback IPv4 address on this machine")
			continue
		}
		t.Run(host, func(t *testing.T) {
			_, errb, stop := serveAsync(t, p, Options{Host: host})
			defer stop()
			msg := errb.String()
			if !strings.HasPrefix(msg, "hpp: warning: serving on "+host+", ") || !strings.Contains(msg, "other machines can connect") {
				t.Errorf("warning %q", msg)
			}
		})
	}
}

// TestIdleConnectionsClosed: a kept-alive connection left idle, and one
// that never finishes its header, are closed by the server. Before, an
// idle connection stayed open for as long as the server ran.
func TestIdleConnectionsClosed(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	const timeout = 200 * time.Millisecond
	url, _, stop := serveAsync(t, p, Options{idleTimeout: timeout, headerTimeout: timeout})
	defer stop()
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	closedWithin := func(t *testing.T, conn net.Conn, br *bufio.Reader, d time.Duration) {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(d))
		start := time.Now()
		_, err := br.ReadByte()
		if err != io.EOF {
			t.Fatalf("after %v: want the server to close the connection, got %v", time.Since(start).Round(time.Millisecond), err)
		}
	}
	t.Run("idle", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		for range 2 {
			if code := rawGet(t, conn, br, "127.0.0.1", "/data.json"); code != 200 {
				t.Fatalf("status %d", code)
			}
		}
		closedWithin(t, conn, br, 10*timeout)
	})
	t.Run("slow header", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		br := bufio.NewReader(conn)
		conn.SetReadDeadline(time.Now().Add(10 * timeout))
		// The server may answer 408 before it closes.
		if resp, err := http.ReadResponse(br, nil); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatal("an unfinished header got 200")
			}
		}
		closedWithin(t, conn, br, 10*timeout)
	})
}

// TestConnectionCap: past maxConns open connections, the next waits for
// one to close instead of costing another file descriptor.
func TestConnectionCap(t *testing.T) {
	_, p := cprofile(t, fmt.Sprintf(fibSrc, 1000, 10))
	url, _, stop := serveAsync(t, p, Options{})
	defer stop()
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// Make sure the server has accepted them all: each answers.
	for _, c := range held {
		if code := rawGet(t, c, bufio.NewReader(c), "127.0.0.1", "/tree.json?path=x"); code != 400 {
			t.Fatalf("status %d", code)
		}
	}
	extra, err := net.Dial("tcp", addr) // the kernel's backlog takes it
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	fmt.Fprintf(extra, "GET /tree.json?path=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	br := bufio.NewReader(extra)
	extra.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := br.ReadByte(); err == nil {
		t.Fatalf("connection %d was served while %d were open", maxConns+1, maxConns)
	}
	held[0].Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("after one closed, the waiting connection: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("status %d", resp.StatusCode)
	}
}
