package machine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CPU is the processor as the kernel describes it, plus the measured clock.
type CPU struct {
	Model   string `json:"model"`
	Sockets int    `json:"sockets"`
	Cores   int    `json:"cores"`
	Threads int    `json:"threads"`
	// CPUs lists the online logical CPUs with their package and core.
	CPUs []LogicalCPU `json:"cpus"`
	// Siblings lists the groups of hardware threads that share one core;
	// empty when no core runs more than one thread (no SMT).
	Siblings [][]int `json:"siblings"`
	Caches   []Cache `json:"caches"`
	// ReportedMHz is /proc/cpuinfo's "cpu MHz": on a VM and on many
	// machines with a constant TSC it is the TSC rate, not the core clock.
	ReportedMHz float64   `json:"reported_mhz"`
	MaxMHz      float64   `json:"cpufreq_max_mhz,omitempty"` // cpufreq's cpuinfo_max_freq, when exposed
	Clock       *Clock    `json:"clock,omitempty"`
	Counters    *Counters `json:"counters,omitempty"`
}

// LogicalCPU is one hardware thread.
type LogicalCPU struct {
	ID      int `json:"id"`
	Package int `json:"package"`
	Core    int `json:"core"`
}

// Cache is one cache as sysfs lists it for cpu0.
type Cache struct {
	Level     int    `json:"level"`
	Type      string `json:"type"` // Data, Instruction, Unified
	Bytes     int64  `json:"bytes"`
	LineBytes int    `json:"line_bytes"`
	Ways      int    `json:"ways,omitempty"`
	SharedBy  []int  `json:"shared_by"` // logical CPUs sharing it
}

// dataCaches returns the caches that hold data, by level: L1d, L2, L3.
func (c *CPU) dataCaches() []Cache {
	var out []Cache
	for _, k := range c.Caches {
		if k.Type != "Instruction" {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Level < out[j].Level })
	return out
}

// lastLevel returns the largest data cache's size, or 32 MiB when sysfs
// lists none (containers that hide it), a size as large as common LLCs so
// that "RAM" sizes stay out of cache.
func (c *CPU) lastLevel() int64 {
	var b int64 = 32 << 20
	if dc := c.dataCaches(); len(dc) > 0 {
		b = dc[len(dc)-1].Bytes
	}
	return b
}

// cpuIDs lists the online logical CPUs.
func (c *CPU) cpuIDs() []int {
	ids := make([]int, len(c.CPUs))
	for i, l := range c.CPUs {
		ids[i] = l.ID
	}
	return ids
}

// separateCores picks one thread from each of up to n distinct cores.
func (c *CPU) separateCores(n int) []int {
	seen := map[[2]int]bool{}
	var out []int
	for _, l := range c.CPUs {
		k := [2]int{l.Package, l.Core}
		if !seen[k] && len(out) < n {
			seen[k] = true
			out = append(out, l.ID)
		}
	}
	return out
}

// ParseCPUList parses a sysfs CPU list such as "0-3,8,10-11". It rejects
// ranges that run backwards and lists longer than 1<<16 CPUs, since it
// reads files a container may have replaced.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		if b-a+len(out) >= 1<<16 {
			return nil, fmt.Errorf("CPU list too long %q", s)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// ParseCacheSize parses sysfs's cache size: "48K", "1024K", "32M", "512".
func ParseCacheSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40/mult {
		return 0, fmt.Errorf("bad cache size %q", s)
	}
	return n * mult, nil
}
