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

// SourceRoot is a target's view of its files; Linux only.
type SourceRoot struct{}

// OpenSourceRoot holds a target's root open; Linux only.
func OpenSourceRoot(pid int) (*SourceRoot, error) { return nil, errNotLinux }

// Close does nothing.
func (r *SourceRoot) Close() {}

// Read reads nothing.
func (r *SourceRoot) Read(p *profile.Profile, l SourceLimits) []profile.SourceFile { return nil }

// Sources reads the hottest source files of a recording; Linux only.
func Sources(pid int, p *profile.Profile, l SourceLimits) []profile.SourceFile { return nil }
