//go:build !darwin

package webui

import (
	"fmt"
	"os"
)

// defaultOpener is the free desktops' opener, xdg-open, when there is a
// display: on a server reached over ssh there is no window to open.
func defaultOpener() (string, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "", fmt.Errorf("no display to open a browser on")
	}
	return "xdg-open", nil
}
