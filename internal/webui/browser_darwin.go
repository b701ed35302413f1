package webui

// defaultOpener is macOS's open, which hands a URL to the default
// browser; a Mac always has a display for it.
func defaultOpener() (string, error) { return "open", nil }
