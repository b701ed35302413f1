package webui

import (
	"fmt"
	"os/exec"
)

// ErrNoBrowser is wrapped by Serve's error when the browser named in
// Options.Browser cannot be run.
var ErrNoBrowser = fmt.Errorf("browser not found")

func lookBrowser(name string) error {
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("%w: %s (name an installed browser with -b, or pass --no-browser)", ErrNoBrowser, name)
	}
	return nil
}

// openBrowser starts browser (or the desktop's opener) on url without
// waiting for it. With no browser named and nothing to open a window on,
// it does nothing and says why.
func openBrowser(browser, url string) error {
	if browser == "" {
		var err error
		if browser, err = defaultOpener(); err != nil {
			return err
		}
	}
	cmd := exec.Command(browser, url)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start %s: %v", browser, err)
	}
	go cmd.Wait()
	return nil
}
