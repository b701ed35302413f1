// Package chromiumtest opens a page in headless Chromium for a test and
// collects what the page logs as an error: console errors, uncaught
// exceptions, and log entries such as CSP violations and failed loads.
package chromiumtest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Path is where Debian's chromium package puts the browser.
const Path = "/usr/bin/chromium"

// Page is a page loaded in a headless Chromium that lives until the test
// ends.
type Page struct {
	Ctx  context.Context // for chromedp.Run on the page
	mu   sync.Mutex
	errs []string
}

// Errors returns what the page has logged as errors so far.
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// Open starts Chromium with the flags this machine needs (no sandbox as
// root, no background networking on a closed network, a fresh profile)
// and loads url. It fails the test when Chromium is missing or the page
// does not load within a minute.
func Open(t testing.TB, url string) *Page {
	t.Helper()
	if _, err := os.Stat(Path); err != nil {
		t.Fatalf("%s missing: apt-get install chromium", Path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	p := &Page{Ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				p.errs = append(p.errs, "console.error")
			}
		case *runtime.EventExceptionThrown:
			p.errs = append(p.errs, e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			// CSP violations and failed loads arrive here, not as console calls.
			if e.Entry.Level == log.EntryLevelError {
				p.errs = append(p.errs, e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatalf("starting %s: %v", Path, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return p
}
