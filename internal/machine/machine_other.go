//go:build !linux

package machine

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// The probes read sysfs and /proc, pin threads and time them by thread CPU
// time, all of which is Linux's; elsewhere only the clock runs.
var errNotLinux = errors.New("this probe needs Linux (sysfs, /proc, sched_setaffinity)")

func topology() *CPU {
	c := &CPU{Siblings: [][]int{}, Caches: []Cache{}, Threads: runtime.NumCPU(), Cores: runtime.NumCPU(), Sockets: 1}
	for i := 0; i < runtime.NumCPU(); i++ {
		c.CPUs = append(c.CPUs, LogicalCPU{ID: i, Core: i})
	}
	return c
}

func measureCounters() *Counters {
	return &Counters{Reason: "not available here (" + errNotLinux.Error() + ")"}
}
func readLoad() Load { return Load{} }

// threadTime falls back to the wall clock.
var epoch = time.Now()

func threadTime() time.Duration { return time.Since(epoch) }

func lockThread()   { runtime.LockOSThread() }
func pin(int) error { return errNotLinux }

type region struct{ b []byte }

func mapRegion(int64, bool) (*region, error)                         { return nil, errNotLinux }
func (r *region) free()                                              {}
func (r *region) hugeBytes() int64                                   { return 0 }
func thpMode() string                                                { return "unknown" }
func memAvailable() int64                                            { return 0 }
func measureDisk(context.Context, *meter, string) (*Disk, error)     { return nil, errNotLinux }
func measureNetwork(context.Context, *meter, *CPU) (*Network, error) { return nil, errNotLinux }
