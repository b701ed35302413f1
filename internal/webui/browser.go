package webui

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
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
// waiting for it. With no browser named and no display it does nothing:
// there is nothing to open a window on.
func openBrowser(browser, url string) error {
	if browser == "" {
		if runtime.GOOS == "darwin" {
			browser = "open"
		} else {
			if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
				return fmt.Errorf("no display to open a browser on")
			}
			browser = "xdg-open"
		}
	}
	cmd := exec.Command(browser, url)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start %s: %v", browser, err)
	}
	go cmd.Wait()
	return nil
}
