package lab

import (
	"fmt"
	"slices"
	"strings"
)

// conclude states what the numbers say about the claims the lab tests,
// and where a claim does not hold on this machine.
func conclude(r *Report) []string {
	get := func(way, kernel string) *Result {
		for i := range r.Results {
			x := &r.Results[i]
			if x.Way == way && x.Kernel == kernel && x.Status == "ok" {
				return x
			}
		}
		return nil
	}
	out := []string{}
	numeric := []string{"pi", "julia", "nbody"}

	// Threads and the GIL.
	if s := speedList(get, "threads", numeric); s.n > 0 {
		verdict := "as claimed: the GIL lets one thread run Python at a time"
		if s.max > 1.3 {
			verdict = "the claim of about 1× does not hold here"
			if r.Load.Busy {
				verdict += ": with the machine busy, the single-threaded baseline got less of the CPUs than the threads did"
			} else {
				verdict += ": is this Python free-threaded (no GIL)?"
			}
		}
		out = append(out, fmt.Sprintf("Threads (%d): %s over pure Python on %s — %s.", r.Cores, s.text, s.kernels, verdict))
	}
	// Processes.
	for _, w := range []string{"mp-fork", "mp-spawn", "futures"} {
		s := speedList(get, w, []string{"pi", "julia"})
		if s.n == 0 {
			continue
		}
		st := 0.0
		for _, k := range []string{"pi", "julia"} {
			if x := get(w, k); x != nil {
				st = max(st, x.Startup)
			}
		}
		verdict := fmt.Sprintf("approaching the %d cores, as claimed", r.Cores)
		if s.max < 0.75*float64(r.Cores) {
			verdict = fmt.Sprintf("short of the %d cores here", r.Cores)
		}
		out = append(out, fmt.Sprintf("Processes (%s): %s on %s, %s; start-up %s apart from that.", w, s.text, s.kernels, verdict, secs(st)))
	}
	// Compiled and array ways on the numeric kernels.
	var lo, hi float64
	var lows, ways, kernels []string
	n := 0
	for _, w := range []string{"numpy", "numba", "cython", "cext", "go1"} {
		for _, k := range numeric {
			x := get(w, k)
			if x == nil || x.Speedup == 0 {
				continue
			}
			if n == 0 || x.Speedup < lo {
				lo = x.Speedup
			}
			hi = max(hi, x.Speedup)
			n++
			if !slices.Contains(ways, wayTitle(r, w)) {
				ways = append(ways, wayTitle(r, w))
			}
			if !slices.Contains(kernels, k) {
				kernels = append(kernels, k)
			}
			if x.Speedup < 10 {
				lows = append(lows, fmt.Sprintf("%s on %s %.1f×", w, k, x.Speedup))
			}
		}
	}
	if n > 0 {
		verb, span := "run", fmt.Sprintf("%.0f× to %.0f×", lo, hi)
		if len(ways) == 1 {
			verb = "runs"
		}
		if n == 1 {
			span = fmt.Sprintf("%.0f×", lo)
		}
		s := fmt.Sprintf("%s %s %s %s faster than pure Python", join(ways), verb, join(kernels), span)
		if len(lows) == 0 {
			s += ": the claimed one to two orders of magnitude hold."
		} else {
			s += "; the claim of one to two orders of magnitude does not hold for " + strings.Join(lows, ", ") + "."
		}
		out = append(out, s)
	}
	// numpy and text.
	if x := get("numpy", "text"); x != nil && x.Speedup > 0 {
		if x.Speedup < 1.5 {
			out = append(out, fmt.Sprintf("numpy on the text kernel: %.2f× — it does not help, as claimed: the words are Python strings either way.", x.Speedup))
		} else {
			out = append(out, fmt.Sprintf("numpy on the text kernel: %.2f× — the claim that numpy does not help text does not hold here.", x.Speedup))
		}
	}
	// Memory order.
	var mem []string
	for _, w := range []string{"python", "numpy", "numba", "cext", "go1", "go"} {
		s, q := get(w, "mem-seq"), get(w, "mem-random")
		if s != nil && q != nil && s.Median > 0 {
			mem = append(mem, fmt.Sprintf("%s %.1f×", w, q.Median/s.Median))
		}
	}
	if len(mem) > 0 {
		out = append(out, "Scattered order against sequential, the same sum over the same array: "+strings.Join(mem, ", ")+
			". Compiled loops wait on memory (cache and TLB misses); the interpreter's own overhead hides most of it.")
	}
	// Distributed engines: what a task costs, and when they pay off.
	for _, wi := range r.Ways {
		w := wayByName(wi.Name)
		if w == nil || w.Kind != "engine" || wi.Skipped != "" || wi.PerTask <= 0 {
			continue
		}
		s := fmt.Sprintf("%s: start-up %s, then %s per task; a task must run at least %s (10× that) for the overhead to stay under 10%%",
			wi.Title, secs(wi.Startup), secs(wi.PerTask), secs(10*wi.PerTask))
		if sp := speedList(get, w.Name, []string{"pi", "julia"}); sp.n > 0 {
			s += fmt.Sprintf("; here %s over pure Python on %s", sp.text, sp.kernels)
		}
		out = append(out, s+".")
	}
	// A JIT that sees through the timing loop times nothing.
	if x := get("pypy", "fib0"); x != nil && x.Median < 5e-9 {
		out = append(out, fmt.Sprintf("PyPy's fib0 (%s a call) is not a call's cost: its JIT inlined fib(0) into the timing loop and removed the work.", secs(x.Median)))
	}
	// PyPy.
	if s := speedList(get, "pypy", numeric); s.n > 0 {
		out = append(out, fmt.Sprintf("PyPy runs the same pure Python %s on %s.", s.text, s.kernels))
	}
	// The benchmark targets for Go.
	for _, k := range []string{"pi", "julia"} {
		one, all := get("go1", k), get("go", k)
		if one != nil && all != nil && all.Median > 0 {
			sp := one.Median / all.Median
			verdict := "meets"
			if sp < 1.9 {
				verdict = "misses"
			}
			out = append(out, fmt.Sprintf("Go on %d cores against 1 on %s: %.2f× (%s the target ≥ 1.9×).", r.Cores, k, sp, verdict))
		}
		for _, w := range []string{"cext", "cython"} {
			if x := get(w, k); one != nil && x != nil && x.Median > 0 {
				ratio := one.Median / x.Median
				verdict := "meets"
				if ratio > 1.1 {
					verdict = "misses"
				}
				out = append(out, fmt.Sprintf("Go against %s on one core, %s: %.2f× the time (%s the target ≤ 1.1×).", w, k, ratio, verdict))
			}
		}
	}
	// More than the cores from pure Python on several cores is not
	// physics: the baseline ran while others took more of the CPUs.
	var odd []string
	for _, x := range r.Results {
		if w := wayByName(x.Way); w != nil && x.Speedup > 1.2*float64(r.Cores) && (w.Kind == "threads" || w.Kind == "process" || w.Kind == "engine") {
			odd = append(odd, fmt.Sprintf("%s on %s %.1f×", x.Way, x.Kernel, x.Speedup))
		}
	}
	if len(odd) > 0 {
		out = append(out, fmt.Sprintf("Not trustworthy: %s — more than %d cores can give to the same Python code, so the pure-Python baseline was slowed by other load; run again on an idle machine.",
			strings.Join(odd, ", "), r.Cores))
	}
	out = append(out, r.Load.Warnings...)
	return out
}

type speeds struct {
	n       int
	max     float64
	text    string
	kernels string
}

// speedList collects a way's speed-ups over the given kernels: "1.0× and 0.98×".
func speedList(get func(string, string) *Result, way string, kernels []string) speeds {
	var s speeds
	var parts, ks []string
	for _, k := range kernels {
		if x := get(way, k); x != nil && x.Speedup > 0 {
			s.n++
			s.max = max(s.max, x.Speedup)
			parts = append(parts, fmt.Sprintf("%.2f×", x.Speedup))
			ks = append(ks, k)
		}
	}
	s.text = join(parts)
	s.kernels = join(ks)
	return s
}

func join(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// secs formats seconds for people: 0.012 s, 85 ms, 3.2 µs.
func secs(s float64) string {
	switch {
	case s == 0:
		return "0 s"
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.1f ms", s*1e3)
	case s >= 1e-6:
		return fmt.Sprintf("%.1f µs", s*1e6)
	}
	return fmt.Sprintf("%.1f ns", s*1e9)
}
