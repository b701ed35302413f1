//go:build !linux

package sampler

// blocker is --blocking's ptrace stopper; Linux only, where Record runs.
type blocker struct{}
