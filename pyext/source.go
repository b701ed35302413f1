package pyext

import "embed"

// Source is this package's own source, which hpp build writes next to a
// user's package so that the hpp binary alone can build extensions.
//
//go:embed *.go *.c *.h
var Source embed.FS
