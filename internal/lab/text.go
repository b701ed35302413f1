package lab

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Text writes the report as terminal tables: the header, one table per
// kernel, the skipped ways, and the conclusions.
func Text(w io.Writer, r *Report) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "hpp lab: %d cores, Python %s (%s)", r.Cores, r.PythonVersion, r.Python)
	if r.PyPyVersion != "" {
		fmt.Fprintf(b, ", PyPy %s", r.PyPyVersion)
	}
	fmt.Fprintf(b, "\nlibraries: %s\n", libs(r.Libraries))
	fmt.Fprintf(b, "size %s, medians of up to %d repeats after a warm-up, one way at a time; load average %.2f before, %.2f after",
		r.Size, r.Repeat, r.Load.Before.Load1, r.Load.After.Load1)
	if r.Load.Busy {
		b.WriteString(" — BUSY")
	}
	b.WriteString("\n")
	for _, k := range r.Kernels {
		fmt.Fprintf(b, "\n%s — %s (%s)\n", k.Name, k.Title, describe(k.Args))
		unit := "time"
		if k.PerCall {
			unit = "per call"
		}
		fmt.Fprintf(b, "  %-30s %10s %8s %9s %10s  %s\n", "way", unit, "spread", "speed-up", "start-up", "result")
		for _, x := range r.Results {
			if x.Kernel != k.Name || x.Status == "skipped" || x.Status == "n/a" {
				continue
			}
			title := wayTitle(r, x.Way)
			switch x.Status {
			case "ok":
				sp := "-"
				if x.Speedup > 0 {
					sp = fmt.Sprintf("%.2f×", x.Speedup)
				}
				fmt.Fprintf(b, "  %-30s %10s %8s %9s %10s  ok\n", title, secs(x.Median), spread(x), sp, secs(x.Startup))
			default:
				fmt.Fprintf(b, "  %-30s %10s %8s %9s %10s  %s: %s\n", title, "-", "-", "-", "-", strings.ToUpper(x.Status), x.Note)
			}
		}
	}
	var skipped []string
	for _, wi := range r.Ways {
		if wi.Skipped != "" {
			skipped = append(skipped, fmt.Sprintf("  %s: %s", wi.Title, wi.Skipped))
		}
	}
	for _, wi := range r.Ways {
		if w := wayByName(wi.Name); w != nil && w.Kind == "engine" && wi.Skipped == "" {
			fmt.Fprintf(b, "\n%s: ready %s after its process started (start-up), %s per task (empty tasks)", wi.Title, secs(wi.Startup), secs(wi.PerTask))
			if wi.Cores > 0 {
				fmt.Fprintf(b, ", %d ranks", wi.Cores)
			}
			b.WriteString("\n")
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\nskipped:\n" + strings.Join(skipped, "\n") + "\n")
	}
	if len(r.Conclusions) > 0 {
		b.WriteString("\nWhat the numbers say:\n")
		for _, c := range r.Conclusions {
			b.WriteString("  - " + c + "\n")
		}
	}
	fmt.Fprintf(b, "\n(%.0f s in all)\n", r.Seconds)
	_, err := io.WriteString(w, b.String())
	return err
}

func wayTitle(r *Report, name string) string {
	for _, w := range r.Ways {
		if w.Name == name {
			return w.Title
		}
	}
	return name
}

// spread is the repeats' range as a share of the median.
func spread(x Result) string {
	if x.Median <= 0 || len(x.Times) < 2 {
		return "-"
	}
	return fmt.Sprintf("±%.0f%%", 50*(x.Max-x.Min)/x.Median)
}

func libs(m map[string]string) string {
	if len(m) == 0 {
		return "none of numpy, numexpr, numba, cffi, Cython"
	}
	var s []string
	for k, v := range m {
		s = append(s, k+" "+v)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}
