// Package machine measures the hardware a program runs on: clock, cores,
// each cache level and RAM, disk and loopback network, as lmbench, STREAM,
// fio and iperf3 would, so that hpp can show a user their own machine's
// numbers beside the classic latency table.
package machine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Probe names, in the order they run. --only takes these.
var ProbeNames = []string{"cpu", "scaling", "latency", "bandwidth", "disk", "network", "python"}

// Options select what Run measures and how long it may take.
type Options struct {
	Quick bool     // ≤ 30 s: fewer sizes and repeats, smaller files
	Only  []string // probe names; empty means all
	Dir   string   // where the disk probe writes its test file
	// Python is the interpreter whose costs the python probe measures
	// (default python3).
	Python string
	// Progress, when set, receives a short line saying what is being
	// measured now; the command draws it on a terminal's stderr.
	Progress func(string)
}

// Report is everything Run measured. Fields of probes that did not run are
// nil. It is also the JSON document `hpp machine --json` writes.
type Report struct {
	Version   int          `json:"version"`
	Quick     bool         `json:"quick"`
	Probes    []string     `json:"probes"`
	Started   time.Time    `json:"started"`
	Seconds   float64      `json:"seconds"`
	GOARCH    string       `json:"goarch"`
	LoadStart Load         `json:"load_before"`
	LoadEnd   Load         `json:"load_after"`
	CPU       *CPU         `json:"cpu,omitempty"`
	Scaling   *Scaling     `json:"scaling,omitempty"`
	Latency   *Latency     `json:"latency,omitempty"`
	Bandwidth *Bandwidth   `json:"bandwidth,omitempty"`
	Disk      *Disk        `json:"disk,omitempty"`
	Network   *Network     `json:"network,omitempty"`
	Python    *PythonCosts `json:"python,omitempty"`
	Summary   []Row        `json:"summary"`
	Warnings  []string     `json:"warnings"`
	// Failed lists the probes that could not measure (no space for the
	// disk file, no loopback); their fields are nil and the command exits
	// with status 1 after printing the rest.
	Failed []Failure `json:"failed"`
	// ProbeSeconds is the wall time each probe took, the clock included
	// under "cpu".
	ProbeSeconds map[string]float64 `json:"probe_seconds"`
}

// Failure is a probe that ran and failed.
type Failure struct {
	Probe string `json:"probe"`
	Error string `json:"error"`
}

// failed returns the failure of probe p, if it failed.
func (r *Report) failed(p string) *Failure {
	for i := range r.Failed {
		if r.Failed[i].Probe == p {
			return &r.Failed[i]
		}
	}
	return nil
}

// ParseOnly checks a --only list and returns the probe names in run order.
func ParseOnly(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	want := map[string]bool{}
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		if p == "" {
			continue
		}
		if p == "memory" {
			want["latency"], want["bandwidth"] = true, true
			continue
		}
		if !slices.Contains(ProbeNames, p) {
			return nil, fmt.Errorf("unknown probe %q (choose from %s)", p, strings.Join(ProbeNames, ", "))
		}
		want[p] = true
	}
	var out []string
	for _, p := range ProbeNames {
		if want[p] {
			out = append(out, p)
		}
	}
	return out, nil
}

// Run measures the machine. It returns what it measured so far together
// with ctx's error when ctx ends (on Ctrl-C the disk probe's file is gone
// already: it is unlinked as soon as it is opened).
func Run(ctx context.Context, o Options) (*Report, error) {
	probes := o.Only
	if len(probes) == 0 {
		probes = ProbeNames
	}
	r := &Report{Version: 1, Quick: o.Quick, Probes: probes, Started: time.Now().UTC(), GOARCH: runtime.GOARCH,
		Warnings: []string{}, Summary: []Row{}, Failed: []Failure{}, ProbeSeconds: map[string]float64{}}
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	r.LoadStart = readLoad()
	start := time.Now()
	m := &meter{quick: o.Quick, progress: progress}

	// Every probe that reports cycles needs the clock, so the CPU probe
	// runs whenever any of them does; it is cheap.
	cpu := topology()
	needClock := slices.Contains(probes, "cpu") || slices.Contains(probes, "latency") || slices.Contains(probes, "bandwidth")
	if needClock {
		t := time.Now()
		progress("cpu: clock")
		cpu.Clock = measureClock(m)
		if slices.Contains(probes, "cpu") {
			progress("cpu: hardware counters")
			cpu.Counters = measureCounters()
		}
		r.ProbeSeconds["cpu"] = time.Since(t).Seconds()
	}
	if slices.Contains(probes, "cpu") {
		r.CPU = cpu
	}
	var err error
	for _, p := range probes {
		if err = ctx.Err(); err != nil {
			break
		}
		t := time.Now()
		switch p {
		case "scaling":
			r.Scaling, err = measureScaling(ctx, m, cpu)
		case "latency":
			r.Latency, err = measureLatency(ctx, m, cpu)
		case "bandwidth":
			lat := r.Latency
			if lat == nil && r.failed("latency") == nil {
				// Working sets come from measured levels, not sysfs.
				m.progress("bandwidth: sizing the levels by a short latency sweep")
				lat, _ = sizingLatency(ctx, m, cpu) // nil: sysfs sizes, and the report says so
			}
			r.Bandwidth, err = measureBandwidth(ctx, m, cpu, lat)
		case "disk":
			r.Disk, err = measureDisk(ctx, m, o.Dir)
		case "network":
			r.Network, err = measureNetwork(ctx, m, cpu)
		case "python":
			r.Python, err = measurePython(ctx, m, o.Python, pickCPU(cpu))
		}
		if p != "cpu" {
			r.ProbeSeconds[p] = time.Since(t).Seconds()
		}
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
				break
			}
			// One probe failing (no space for the disk file, no loopback)
			// should not lose the others' numbers, nor pass for a result.
			r.Failed = append(r.Failed, Failure{Probe: p, Error: err.Error()})
			r.drop(p)
			err = nil
		}
	}
	r.Seconds = time.Since(start).Seconds()
	r.LoadEnd = readLoad()
	r.Warnings = append(r.Warnings, busyWarnings(r.LoadStart, r.LoadEnd, len(cpu.CPUs))...)
	r.Summary = summarize(r, cpu)
	if errors.Is(err, context.Canceled) {
		return r, fmt.Errorf("interrupted")
	}
	return r, err
}

// drop forgets what a failed probe measured before it failed.
func (r *Report) drop(p string) {
	switch p {
	case "scaling":
		r.Scaling = nil
	case "latency":
		r.Latency = nil
	case "bandwidth":
		r.Bandwidth = nil
	case "disk":
		r.Disk = nil
	case "network":
		r.Network = nil
	case "python":
		r.Python = nil
	}
}

// meter carries what every probe needs to time things the same way.
type meter struct {
	quick    bool
	progress func(string)
}

// reps is how many timed repeats a measurement gets after its warm-up.
func (m *meter) reps() int {
	if m.quick {
		return 3
	}
	return 7
}

// slice is how long one timed repeat should last.
func (m *meter) slice() time.Duration {
	if m.quick {
		return 8 * time.Millisecond
	}
	return 25 * time.Millisecond
}

// sample runs f once to warm up, then reps times, and summarizes the
// values f returns.
func (m *meter) sample(f func() float64) Stat {
	f()
	xs := make([]float64, m.reps())
	for i := range xs {
		xs[i] = f()
	}
	return Summarize(xs)
}
