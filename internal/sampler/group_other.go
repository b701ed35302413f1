//go:build !linux

package sampler

import (
	"context"

	"hpp/internal/profile"
)

// RecordGroup samples a process and its Python descendants; Linux only.
func RecordGroup(ctx context.Context, pid int, opts RecordOptions) (*profile.Profile, GroupStats, error) {
	return nil, GroupStats{}, errNotLinux
}
