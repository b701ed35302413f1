//go:build !linux

package sampler

import (
	"context"
	"errors"

	"hpp/internal/profile"
)

var errNotLinux = errors.New("reading another process's Python stacks works on Linux only")

// Attach finds the interpreter in process pid; Linux only.
func Attach(pid int) (*Target, error) { return nil, errNotLinux }

// Dump reads every thread's stack once; Linux only.
func (t *Target) Dump() ([]Thread, error) { return nil, errNotLinux }

// Record samples the target; Linux only.
func (t *Target) Record(ctx context.Context, opts RecordOptions) (*profile.Profile, RecordStats, error) {
	return nil, RecordStats{}, errNotLinux
}

// HostTIDs maps thread ids to /proc's; Linux only.
func (t *Target) HostTIDs() map[int]int { return nil }
