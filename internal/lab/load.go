package lab

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Load is how busy the machine was around the run.
type Load struct {
	Before   LoadAvg  `json:"before"`
	After    LoadAvg  `json:"after"`
	Busy     bool     `json:"busy"`
	Warnings []string `json:"warnings,omitempty"`
}

// LoadAvg is /proc/loadavg's three averages; zero where there is none.
type LoadAvg struct {
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	Load15 float64 `json:"load15"`
}

func readLoad() LoadAvg {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return LoadAvg{}
	}
	return parseLoad(string(b))
}

func parseLoad(s string) LoadAvg {
	f := strings.Fields(s)
	var l LoadAvg
	if len(f) >= 3 {
		l.Load1, _ = strconv.ParseFloat(f[0], 64)
		l.Load5, _ = strconv.ParseFloat(f[1], 64)
		l.Load15, _ = strconv.ParseFloat(f[2], 64)
	}
	return l
}

// judge flags a busy machine: before the run, the one-minute load above
// half the cores means other work shares the CPUs (as hpp machine does).
func (l *Load) judge(cores int) {
	if cores <= 0 {
		return
	}
	if l.Before.Load1 > 0.5*float64(cores) {
		l.Busy = true
		l.Warnings = append(l.Warnings, fmt.Sprintf("The machine was busy before the run: load average %.2f on %d cores; times are upper bounds and speed-ups over several cores understated, run again when idle.", l.Before.Load1, cores))
	}
	// The lab itself adds up to one busy core (more for the parallel
	// ways), so only load beyond the cores counts afterwards.
	if l.After.Load1 > float64(cores)+0.5*float64(cores) {
		l.Busy = true
		l.Warnings = append(l.Warnings, fmt.Sprintf("The load average reached %.2f on %d cores during the run: other programs competed for the CPUs.", l.After.Load1, cores))
	}
}
