package sampler

import "hpp/internal/profile"

// GroupStats count what a recording of a process and its Python
// descendants saw. The embedded counts add up the processes' (Ticks is
// the sum of their rounds); Elapsed is the wall time of the whole
// recording and Exited says that every process ended.
type GroupStats struct {
	RecordStats
	Processes []ProcessStats // in the order they were attached
	// NotPython counts descendants that were not CPython processes (a
	// shell, a compiler) or that hpp cannot read; Vanished those that
	// exited before hpp attached to them.
	NotPython int
	Vanished  int
}

// ProcessStats are one process's share of a group recording.
type ProcessStats struct {
	profile.Process
	RecordStats
	Err string // why its recording stopped early, "" when it did not
}
