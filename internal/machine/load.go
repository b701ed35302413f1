package machine

import (
	"fmt"
	"strconv"
	"strings"
)

// Load is how busy the machine was: the load averages and CPU pressure
// (PSI) that others' work puts on the cores we measure.
type Load struct {
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	PSI10  float64 `json:"cpu_pressure_some_avg10"` // % of time some task waited for a CPU
	HasPSI bool    `json:"has_pressure"`
}

// parsePSI returns the "some avg10" of a /proc/pressure file.
func parsePSI(s string) (float64, bool) {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "some" {
			continue
		}
		for _, kv := range f[1:] {
			if v, ok := strings.CutPrefix(kv, "avg10="); ok {
				x, err := strconv.ParseFloat(v, 64)
				return x, err == nil
			}
		}
	}
	return 0, false
}

// busyWarnings says when other work competed for the CPUs: then every
// number is a lower bound on what the machine can do.
func busyWarnings(before, after Load, ncpu int) []string {
	var w []string
	// The probes themselves load one CPU (all of them in the all-thread
	// tests), so the 1-minute average after the run includes our own work;
	// the one before does not.
	if before.Load1 > 0.5*float64(ncpu) {
		w = append(w, fmt.Sprintf("machine was busy before the run: load average %.2f on %d CPUs; numbers are lower bounds, run again when idle", before.Load1, ncpu))
	}
	if before.HasPSI && (before.PSI10 > 10 || after.PSI10 > 25) {
		w = append(w, fmt.Sprintf("CPU pressure %.0f%% before, %.0f%% after (tasks waiting for a CPU); numbers are noisy, run again when idle", before.PSI10, after.PSI10))
	}
	return w
}
