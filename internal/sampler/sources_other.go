//go:build !linux

package sampler

import "hpp/internal/profile"

// SourceLimits bound the source texts a recording keeps.
type SourceLimits struct {
	Files      int
	FileBytes  int64
	TotalBytes int64
}

// DefaultSourceLimits are hpp record's.
var DefaultSourceLimits = SourceLimits{Files: 64, FileBytes: 1 << 20, TotalBytes: 8 << 20}

// Sources reads the hottest source files of a recording; Linux only.
func Sources(pid int, p *profile.Profile, l SourceLimits) []profile.SourceFile { return nil }
