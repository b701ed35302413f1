// Package webui serves a profile to the browser as an icicle, sunburst,
// flame graph, callers tree and stats table, and writes the same views as
// one self-contained HTML file.
package webui

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hpp/internal/callgraph"
	"hpp/internal/jsonw"
	"hpp/internal/profile"
)

// Options configure Serve and Handler.
type Options struct {
	Title string           // shown in the page; the file names, say
	Base  *profile.Profile // when set, the page shows the change from Base to the profile
	Host  string           // default 127.0.0.1
	Port  int              // 0 picks a free port
	// Browser names the program that opens the page; "" uses the
	// desktop's default (xdg-open) when there is a display.
	Browser   string
	NoBrowser bool
	Stdout    io.Writer // the URL is printed here
	Stderr    io.Writer // warnings
	// Ready, if set, is called with the URL once the server listens.
	Ready func(url string)

	// Tests shorten these; 0 means the defaults.
	headerTimeout, idleTimeout time.Duration
}

// Loopback reports whether host names this machine only: empty,
// localhost, a loopback address, or a name that resolves to loopback
// addresses only (Debian maps the machine's own name to 127.0.1.1).
// Serve decides from the address it actually bound instead.
func Loopback(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "" || strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// The server's limits. A browser keeps a handful of connections to a
// page's host; without an idle timeout every one it ever opened, and
// every one a careless script opened, stays open for the server's life.
const (
	defaultHeaderTimeout = 10 * time.Second
	defaultIdleTimeout   = 60 * time.Second
	maxHeaderBytes       = 64 << 10 // the page's requests carry a few hundred bytes
	maxConns             = 128      // a browser uses about six per host
)

// Serve serves p until ctx ends, then shuts the server down. It prints
// the URL to o.Stdout and opens a browser unless told not to. When the
// address it listens on is not a loopback one, the profile is visible to
// the network: Serve warns on o.Stderr and then accepts every client.
// On a loopback address (-H localhost, or a name such as the machine's
// own that resolves to 127.0.1.1) it keeps answering only this machine,
// under the names it was given.
func Serve(ctx context.Context, p *profile.Profile, o Options) error {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if !o.NoBrowser && o.Browser != "" {
		if err := lookBrowser(o.Browser); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(o.Port)))
	if err != nil {
		return fmt.Errorf("cannot listen on %s port %d: %v (pick another port with -p, or 0 for a free one)", host, o.Port, err)
	}
	bound := ln.Addr().(*net.TCPAddr)
	// The address bound, not the name asked for, says who can connect: a
	// name may resolve to several addresses, and Listen picks one.
	remote := !bound.IP.IsLoopback()
	h := newHandler(p, o.Base, o.Title, remote, host, bound.IP.String())
	url := "http://" + net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(bound.Port)) + "/"
	if remote {
		fmt.Fprintf(o.Stderr, "hpp: warning: serving on %s: other machines can connect and read the profile "+
			"(its function and file names); serve on 127.0.0.1, the default, to keep it to this machine\n", describeBind(host, bound.IP))
	}
	fmt.Fprintf(o.Stdout, "hpp: serving %s at %s (Ctrl-C to stop)\n", o.Title, url)
	srv := newServer(h, o)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(newLimitListener(ln, maxConns)) }()
	if o.Ready != nil {
		o.Ready(url)
	}
	if !o.NoBrowser {
		if err := openBrowser(o.Browser, url); err != nil {
			fmt.Fprintf(o.Stderr, "hpp: %v; open %s yourself\n", err, url)
		}
	}
	select {
	case err := <-done:
		return fmt.Errorf("server stopped: %v", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	return nil
}

// describeBind names the address a server listens on for a warning.
func describeBind(host string, ip net.IP) string {
	switch {
	case ip.IsUnspecified():
		return host + ", every address of this machine"
	case net.ParseIP(strings.Trim(host, "[]")) != nil:
		return host + ", which is not a loopback address"
	}
	return host + " (" + ip.String() + "), which is not a loopback address"
}

// newServer sets the timeouts that close idle and slow connections.
func newServer(h http.Handler, o Options) *http.Server {
	header, idle := o.headerTimeout, o.idleTimeout
	if header == 0 {
		header = defaultHeaderTimeout
	}
	if idle == 0 {
		idle = defaultIdleTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: header,
		IdleTimeout:       idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// Handler returns the viewer's HTTP handler for p. Unless o.Host names
// another machine than this one (see Loopback), it answers only loopback
// clients that name this machine in the Host header (which stops DNS
// rebinding): localhost, a loopback address, or o.Host itself.
func Handler(p *profile.Profile, o Options) http.Handler {
	return newHandler(p, o.Base, o.Title, !Loopback(o.Host), o.Host)
}

type handler struct {
	p    *profile.Profile
	est  *callgraph.Estimator
	page []byte
	data []byte
	// sources are the source texts read when the handler was made: the
	// files p's functions name, never a file a request names.
	sources []byte
	csp     string
	remote  bool
	// hosts are the names a Host header may carry besides localhost and
	// the loopback addresses: those the server was started with.
	hosts []string
}

func newHandler(p, base *profile.Profile, title string, remote bool, hosts ...string) *handler {
	h := &handler{p: p, remote: remote}
	for _, n := range hosts {
		if n = strings.Trim(n, "[]"); n != "" {
			h.hosts = append(h.hosts, n)
		}
	}
	h.data = encodeData(p, base, title)
	h.sources = encodeSources(sourceTexts(p))
	h.page, h.csp = assemble(nil, nil, "'self'")
	if p.Samples == nil || len(p.Samples.Samples) == 0 {
		h.est = callgraph.NewEstimator(p)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.remote && (!loopbackAddr(r.RemoteAddr) || !h.localHostHeader(r.Host)) {
		http.Error(w, "hpp: forbidden: the viewer answers only this machine (start it with -H to serve others)", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "hpp: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	// Exact paths only: there is no file-system handler, so no URL can
	// reach a file.
	switch r.URL.Path {
	case "/":
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Content-Security-Policy", h.csp)
		hd.Set("X-Frame-Options", "DENY")
		w.Write(h.page)
	case "/data.json":
		hd.Set("Content-Type", "application/json")
		w.Write(h.data)
	case "/source.json":
		hd.Set("Content-Type", "application/json")
		w.Write(h.sources)
	case "/tree.json":
		h.serveTree(w, r)
	default:
		http.Error(w, "hpp: not found", http.StatusNotFound)
	}
}

// serveTree answers /tree.json?path=ID,ID,... with the node that path
// reaches in callgraph's estimated tree and its children: the numbers the
// page computes for itself, for scripts and for checking the page.
func (h *handler) serveTree(w http.ResponseWriter, r *http.Request) {
	if h.est == nil {
		http.Error(w, "hpp: this profile has real stacks; the page draws them exactly", http.StatusNotFound)
		return
	}
	var path []profile.FuncID
	if s := r.URL.Query().Get("path"); s != "" {
		for _, part := range strings.Split(s, ",") {
			id, err := strconv.Atoi(part)
			if err != nil || id < 0 || id >= len(h.p.Funcs) || len(path) > 10000 {
				http.Error(w, "hpp: bad path: want function ids separated by commas", http.StatusBadRequest)
				return
			}
			path = append(path, profile.FuncID(id))
		}
	}
	value, children, self, err := h.node(path)
	if err != nil {
		http.Error(w, "hpp: "+err.Error(), http.StatusNotFound)
		return
	}
	b := []byte(`{"value":`)
	b = jsonw.AppendFloat(b, value)
	b = append(b, `,"self":`...)
	b = jsonw.AppendFloat(b, self)
	b = append(b, `,"children":[`...)
	for i, c := range children {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"f":`...)
		b = strconv.AppendInt(b, int64(c.Func), 10)
		b = append(b, `,"name":`...)
		b = jsonw.AppendString(b, h.p.Funcs[c.Func].Name)
		b = append(b, `,"v":`...)
		b = jsonw.AppendFloat(b, c.Value)
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// node walks path down the estimated tree from the top.
func (h *handler) node(path []profile.FuncID) (float64, []callgraph.Child, float64, error) {
	value := h.est.Total()
	children := h.est.Roots()
	self := 0.0
	if len(path) == 0 {
		var sum float64
		for _, c := range children {
			sum += c.Value
		}
		return value, children, max(value-sum, 0), nil
	}
	for i, id := range path {
		found := false
		for _, c := range children {
			if c.Func == id {
				value, found = c.Value, true
				break
			}
		}
		if !found {
			return 0, nil, 0, fmt.Errorf("no such node in the tree: path element %d (function %d)", i, id)
		}
		children, self = h.est.Expand(path[:i+1], value)
	}
	return value, children, self, nil
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// localHostHeader reports whether a Host header names this machine as
// the server knows it. A DNS-rebinding page sends its own name, which no
// one started the server with.
func (h *handler) localHostHeader(hdr string) bool {
	host := hdr
	if hh, _, err := net.SplitHostPort(hdr); err == nil {
		host = hh
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "::1" {
		return true
	}
	for _, n := range h.hosts {
		if strings.EqualFold(host, n) {
			return true
		}
	}
	return false
}

// WriteHTML writes the viewer for p as one HTML file with its data
// inside: it needs no server and makes no request.
func WriteHTML(w io.Writer, p *profile.Profile, o Options) error {
	data := encodeData(p, o.Base, o.Title)
	b, _ := assemble(data, encodeSources(sourceTexts(p)), "'none'")
	_, err := w.Write(b)
	return err
}
