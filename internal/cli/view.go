package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"hpp/internal/profile"
	"hpp/internal/webui"
)

var viewCommand = &Command{
	Name:         "view",
	UsageLine:    "view [flags] FILE...",
	Short:        "open a profile in the browser: icicle, sunburst, flame graph, callers, table, diff",
	Interspersed: true,
	Long: `View serves the profile on this machine and opens it in the browser: an
icicle and a sunburst (click to zoom), a flame graph, the callers of a
function as an inverted tree, and the stats table (sort, search, click a
row to make that function the root). Several files are merged. A
cProfile file is a call graph, not a tree: the trees are estimated from
it as docs/tree.md describes, and the page says so.

The server listens on 127.0.0.1 at a free port and answers only this
machine; -H with another address makes the profile visible to the
network. Ctrl-C stops it. With --html, nothing is served: one
self-contained HTML file is written that shows the same views without a
server or network. With --diff, the first file is the base and the second
the new profile: boxes are coloured by the change in time, and the table
is sorted by it.

Examples:
  hpp view fib.prof
  hpp view --no-browser -p 8080 fib.prof
  hpp view --html report.html fib.prof
  hpp view --diff before.prof after.prof`,
	Setup: setup((*viewOptions).flags, runView),
}

type viewOptions struct {
	port                int
	host, browser, html string
	noBrowser, diff     bool
}

func (o *viewOptions) flags(fs *flag.FlagSet) {
	fs.IntVar(&o.port, "p", 0, "serve on `PORT` (0: a free port)")
	fs.StringVar(&o.host, "H", "127.0.0.1", "serve on `HOST`; anything but a loopback address exposes the profile to the network")
	fs.StringVar(&o.browser, "b", "", "open the page with `BROWSER` (default: the desktop's, when there is a display)")
	fs.BoolVar(&o.noBrowser, "no-browser", false, "do not open a browser; just print the URL")
	fs.StringVar(&o.html, "html", "", "write a self-contained HTML report to `FILE` instead of serving")
	fs.BoolVar(&o.diff, "diff", false, "compare two profiles: BASE.prof NEW.prof")
}

// runView is hpp view: load the profiles, then write the page (--html)
// or serve it until interrupted.
func runView(ctx context.Context, env *Env, o *viewOptions, args []string) error {
	wo := webui.Options{Host: o.host, Port: o.port, Browser: o.browser, NoBrowser: o.noBrowser,
		Stdout: env.Stdout, Stderr: env.Stderr}
	var p *profile.Profile
	if o.diff {
		if len(args) != 2 {
			return Usagef("view: --diff takes two files, BASE.prof NEW.prof (got %d)", len(args))
		}
		base, err := loadProfiles(args[:1])
		if err != nil {
			return err
		}
		if p, err = loadProfiles(args[1:]); err != nil {
			return err
		}
		wo.Base = base
		wo.Title = filepath.Base(args[0]) + " \u2192 " + filepath.Base(args[1])
	} else {
		var err error
		if p, err = loadProfiles(args); err != nil {
			return err
		}
		var bases []string
		for _, a := range args {
			bases = append(bases, filepath.Base(a))
		}
		wo.Title = strings.Join(bases, " + ")
	}
	if o.html != "" {
		return writeHTML(o.html, p, wo, env)
	}
	if o.port < 0 || o.port > 65535 {
		return Usagef("view: -p %d: a port is 0 to 65535", o.port)
	}
	return serve(ctx, p, wo)
}

// serve runs the viewer until Ctrl-C or SIGTERM.
func serve(ctx context.Context, p *profile.Profile, o webui.Options) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := webui.Serve(ctx, p, o)
	if errors.Is(err, webui.ErrNoBrowser) {
		return &Error{Code: ExitNoTool, Err: err}
	}
	if err != nil {
		return &Error{Code: ExitFailure, Err: err}
	}
	return nil
}

func writeHTML(path string, p *profile.Profile, o webui.Options, env *Env) error {
	if err := writeFile(path, func(w io.Writer) error { return webui.WriteHTML(w, p, o) }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", path)
	return nil
}
