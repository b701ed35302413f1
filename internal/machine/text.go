package machine

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Text writes the report as the terminal tables of `hpp machine`.
func Text(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	p := func(format string, a ...any) { fmt.Fprintf(ew, format, a...) }
	mode := "full run"
	if r.Quick {
		mode = "quick run"
	}
	p("hpp machine: %s of %s in %.1f s; medians of repeats, ± half their range\n", mode, strings.Join(r.Probes, ", "), r.Seconds)
	p("load average %.2f before, %.2f after", r.LoadStart.Load1, r.LoadEnd.Load1)
	if r.LoadStart.HasPSI {
		p("; CPU pressure %.0f%% before, %.0f%% after", r.LoadStart.PSI10, r.LoadEnd.PSI10)
	}
	p("\n")
	if c := r.CPU; c != nil {
		p("\nCPU\n")
		smt := "no SMT siblings"
		if len(c.Siblings) > 0 {
			smt = fmt.Sprintf("SMT siblings %v", c.Siblings)
		}
		p("  %s: %d socket(s), %d core(s), %d hardware thread(s), %s\n", orUnknown(c.Model), c.Sockets, c.Cores, c.Threads, smt)
		var cs []string
		for _, k := range c.Caches {
			name := fmt.Sprintf("L%d", k.Level)
			switch k.Type {
			case "Data":
				name += "d"
			case "Instruction":
				name += "i"
			}
			share := "per core"
			if len(k.SharedBy) > 1 {
				share = fmt.Sprintf("shared by %d", len(k.SharedBy))
			}
			cs = append(cs, fmt.Sprintf("%s %s (%s)", name, FormatBytes(k.Bytes), share))
		}
		if len(cs) > 0 {
			p("  caches (sysfs): %s\n", strings.Join(cs, ", "))
		}
		if cl := c.Clock; cl != nil {
			p("  clock: %.2f GHz measured (fastest run of dependent ADD and IMUL chains; medians %.2f and %.2f GHz)\n", cl.BestGHz, cl.GHz.Median, cl.MulGHz.Median)
			if !cl.Exact {
				p("         approximate: %s\n", cl.Method)
			}
		}
		if c.ReportedMHz > 0 {
			p("  %.0f MHz reported by /proc/cpuinfo: the kernel's TSC or nominal rate, not the running core clock\n", c.ReportedMHz)
		}
		if c.MaxMHz > 0 {
			p("  %.0f MHz maximum per cpufreq\n", c.MaxMHz)
		}
		if k := c.Counters; k != nil {
			if k.Available {
				p("  hardware counters: %.2f instructions per cycle on the ADD chain, %.2f GHz by cycles/time\n", k.IPC, k.GHz)
			} else {
				p("  hardware counters (IPC, cycles): %s\n", k.Reason)
			}
		}
	}
	fail := func(probe, title string) {
		if f := r.failed(probe); f != nil {
			p("\n%s: FAILED: %s\n", title, f.Error)
		}
	}
	fail("scaling", "Cores")
	if s := r.Scaling; s != nil {
		p("\nCores (%s)\n", s.Kernel)
		tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  threads\tCPUs\tM iterations/s\tspeedup\n")
		for _, x := range s.Points {
			fmt.Fprintf(tw, "  %d\t%v\t%s\t%.2f×\n", x.Threads, x.CPUs, statText(x.Rate, "%.0f"), x.Speedup)
		}
		tw.Flush()
		if s.SMT != nil {
			p("  SMT: two siblings %v %s, one thread %s: +%.0f%% from the second hardware thread; two separate cores %v %s\n",
				s.SMT.SibCPUs, statText(s.SMT.Siblings, "%.0f"), statText(s.SMT.One, "%.0f"), 100*s.SMT.Gain, s.SMT.SepCPUs, statText(s.SMT.Separate, "%.0f"))
		}
		if s.Note != "" {
			p("  %s\n", s.Note)
		}
	}
	fail("latency", "Memory latency")
	if l := r.Latency; l != nil && len(l.Series) > 0 {
		p("\nMemory latency (random pointer chase over cache lines; THP policy %q)\n", l.THPPolicy)
		tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  level\tsysfs size\teffective size\tlatency\tcycles\n")
		for _, lv := range l.Levels {
			sys, eff := "-", "-"
			if lv.SysfsBytes > 0 {
				sys = FormatBytes(lv.SysfsBytes)
			}
			if lv.EffectiveBytes > 0 {
				eff = FormatBytes(lv.EffectiveBytes)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%.1f\n", lv.Name, sys, eff, FormatNs(lv.NS), lv.Cycles)
		}
		tw.Flush()
		p("\n")
		tw = tabwriter.NewWriter(ew, 2, 8, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "  working set\t")
		for _, s := range l.Series {
			fmt.Fprintf(tw, "%s pages (%.0f%% huge)\tcycles\t", s.Pages, 100*s.HugeFraction)
		}
		fmt.Fprintf(tw, "\n")
		for i, pt := range l.Series[0].Points {
			fmt.Fprintf(tw, "  %s\t", FormatBytes(pt.Bytes))
			for _, s := range l.Series {
				if i < len(s.Points) {
					fmt.Fprintf(tw, "%s ±%.0f%%\t%.0f\t", FormatNs(s.Points[i].NS.Median), 100*s.Points[i].NS.Spread(), s.Points[i].Cycles)
				}
			}
			fmt.Fprintf(tw, "\n")
		}
		tw.Flush()
	}
	fail("bandwidth", "Memory bandwidth")
	if b := r.Bandwidth; b != nil && len(b.Rows) > 0 {
		p("\nMemory bandwidth, GB/s (%s)\n", b.Kernel)
		if b.WorkingSets != "" {
			p("  working sets: %s\n", b.WorkingSets)
		}
		tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  level\tthreads\tworking set/thread\tseq read\tseq write\tseq copy\trandom read\trandom write\n")
		type key struct {
			lv string
			th int
		}
		var order []key
		cells := map[key]map[string]Stat{}
		for _, x := range b.Rows {
			k := key{x.Level, x.Threads}
			if cells[k] == nil {
				cells[k] = map[string]Stat{"bytes": {Median: float64(x.Bytes)}}
				order = append(order, k)
			}
			cells[k][x.Pattern+x.Op] = x.GBps
		}
		for _, k := range order {
			c := cells[k]
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.lv, k.th, FormatBytes(int64(c["bytes"].Median)),
				statText(c["sequentialread"], "%.1f"), statText(c["sequentialwrite"], "%.1f"), statText(c["sequentialcopy"], "%.1f"), statText(c["randomread"], "%.1f"), statText(c["randomwrite"], "%.1f"))
		}
		tw.Flush()
	}
	fail("disk", "Disk")
	if d := r.Disk; d != nil {
		p("\nDisk: %s (%s), %s test file, %s\n", d.Dir, d.Filesystem, FormatBytes(d.FileBytes), d.Label)
		p("  sequential 1 MiB read   %s GB/s\n", statText(d.SeqRead, "%.2f"))
		p("  sequential 1 MiB write  %s GB/s (including fsync)\n", statText(d.SeqWrite, "%.2f"))
		p("  random 4 KiB read QD1   %s IOPS (%s per read)\n", statText(d.RandQD1, "%.0f"), FormatNs(d.RandQD1Lat.Median))
		p("  random 4 KiB read QD32  %s IOPS (%s)\n", statText(d.RandQD32, "%.0f"), d.QD32Method)
		if d.Removed {
			p("  test file removed\n")
		}
	}
	fail("network", "Network")
	if n := r.Network; n != nil && len(n.Rows) > 0 {
		p("\nNetwork: %s\n", n.Label)
		tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  placement\tCPUs\tround trip\tthroughput\n")
		for _, x := range n.Rows {
			fmt.Fprintf(tw, "  %s\t%d,%d\t%s ±%.0f%%\t%.1f Gbit/s (%.2f GB/s)\n", x.Placement, x.CPUs[0], x.CPUs[1],
				FormatNs(x.RTT.Median), 100*x.RTT.Spread(), x.Throughput.Median*8, x.Throughput.Median)
		}
		tw.Flush()
		if b := r.Bandwidth; b != nil {
			for _, x := range b.Rows {
				if x.Level == "RAM" && x.Op == "read" && x.Pattern == "sequential" && x.Threads == 1 {
					p("  beside the bus: RAM sequential read on one thread %.1f GB/s, %.0f× loopback TCP\n", x.GBps.Median, x.GBps.Median/n.Rows[0].Throughput.Median)
				}
			}
		}
	}
	if len(r.Summary) > 0 {
		p("\nThe classic latency table, measured here\n")
		tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  \tclassic\t×L1\there\t×L1\t×previous\n")
		for _, x := range r.Summary {
			classic, cr, here, hr, pr := "-", "-", "not measured", "", ""
			if x.Failed {
				here = "probe failed"
			}
			if x.ClassicNS > 0 {
				classic, cr = FormatNs(x.ClassicNS), fmt.Sprintf("%.0f", x.Classic)
			}
			if x.NS > 0 {
				here = FormatNs(x.NS)
				hr = fmt.Sprintf("%.0f", x.VsL1)
				if x.VsPrev > 0 {
					pr = fmt.Sprintf("%.1f", x.VsPrev)
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", x.What, classic, cr, here, hr, pr)
		}
		tw.Flush()
	}
	fail("python", "Python costs")
	if py := r.Python; py != nil {
		pythonText(ew, r, py)
	}
	if len(r.Failed) > 0 {
		var names []string
		for _, f := range r.Failed {
			names = append(names, f.Probe)
		}
		p("\nfailed: %s (the report has no numbers from the failed probes; see above)", strings.Join(names, ", "))
	}
	for _, w := range r.Warnings {
		p("\nwarning: %s", w)
	}
	if len(r.Warnings) > 0 || len(r.Failed) > 0 {
		p("\n")
	}
	return ew.err
}

// pythonText prints the Python costs beside the classic table's units:
// each in ns, in cycles at the measured clock, and as a multiple of this
// machine's L1 reference.
func pythonText(w io.Writer, r *Report, py *PythonCosts) {
	head := fmt.Sprintf("%s %s", py.Python, py.Version)
	if py.Numpy != "" {
		head += ", numpy " + py.Numpy
	}
	fmt.Fprintf(w, "\nPython costs, measured here with %s (timeit medians by %s; per call, or per element for sums)\n", head, py.Timer)
	ghz, l1 := pyScale(r)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  \ttime\tcycles\t×L1\n")
	for _, x := range py.Rows {
		cyc, vs := "", ""
		if ghz > 0 {
			cyc = fmt.Sprintf("%.0f", Cycles(x.NS.Median, ghz))
		}
		if l1 > 0 {
			vs = ratio(x.NS.Median / l1)
		}
		what := x.What
		if x.Note != "" {
			what += " (" + x.Note + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s ±%.0f%%\t%s\t%s\n", what, FormatNs(x.NS.Median), 100*x.NS.Spread(), cyc, vs)
	}
	tw.Flush()
	if py.Note != "" {
		fmt.Fprintf(w, "  %s\n", py.Note)
	}
}

// ratio prints a multiple with two significant digits below 10.
func ratio(x float64) string {
	if x < 10 {
		return fmt.Sprintf("%.2g", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// pyScale returns the clock and the L1 latency the Python costs are
// compared with, zero when not measured.
func pyScale(r *Report) (ghz, l1 float64) {
	if r.CPU != nil && r.CPU.Clock != nil {
		ghz = r.CPU.Clock.BestGHz
	}
	if r.Latency != nil {
		ghz = max(ghz, r.Latency.GHz)
	}
	for _, x := range r.Summary {
		if strings.HasPrefix(x.What, "L1") {
			l1 = x.NS
		}
	}
	return ghz, l1
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}

func statText(s Stat, format string) string {
	if s.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf(format+" ±%.0f%%", s.Median, 100*s.Spread())
}

// errWriter keeps the first write error so Text can report it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return len(b), nil
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, nil
}
