package top

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is the kernel's USER_HZ, the unit of utime and stime in
// /proc/PID/stat: 100 on every Linux architecture Go runs on.
const clockTicks = 100

// procStat reads the CPU seconds (user + system) of a process (tid 0) or
// one of its threads from /proc, -1 when it cannot.
func procStat(pid, tid int) float64 {
	path := fmt.Sprintf("/proc/%d/stat", pid)
	if tid != 0 {
		path = fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	// After "pid (comm)": state is field 3; utime and stime are 14 and 15.
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return float64(u+st) / clockTicks
}

// cpuClock turns successive CPU readings into the CPU used between them.
type cpuClock struct {
	last float64
	ok   bool
}

// mark takes a reading (-1: none) and returns the CPU seconds since the
// previous one.
func (c *cpuClock) mark(v float64) float64 {
	if v < 0 {
		return 0
	}
	d := 0.0
	if c.ok {
		d = v - c.last
	}
	c.last, c.ok = v, true
	return d
}
