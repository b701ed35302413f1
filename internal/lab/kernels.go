package lab

import "fmt"

// Kernel is one computation that every way runs; its inputs are made
// from Args in each process (labkern.prepare).
type Kernel struct {
	Name  string
	Title string
	// Args at each size: the full run, --quick, and the tests' small one.
	Full, Quick, Small map[string]int
	// PerCall: the time is per call of a function (fib), not per run.
	PerCall bool
	// Rel is the relative tolerance for floating-point results: ways sum
	// in different orders (blocks, threads, vector lanes).
	Rel float64
	// Known gives the reference result without running it, for sizes
	// whose answer is published (the book's Julia total).
	Known func(args map[string]int) (any, bool)
}

// Kernels are the lab's kernels, in the order tables list them.
var Kernels = []*Kernel{
	{Name: "fib0", Title: "fib(0): the cost of one call", PerCall: true, Rel: 0,
		Full: map[string]int{"calls": 500000}, Quick: map[string]int{"calls": 100000}, Small: map[string]int{"calls": 1000}},
	{Name: "fib90", Title: "fib(90): a 90-step float loop per call", PerCall: true, Rel: 1e-12,
		Full: map[string]int{"calls": 50000}, Quick: map[string]int{"calls": 10000}, Small: map[string]int{"calls": 100}},
	{Name: "pi", Title: "pi by the midpoint rule", Rel: 1e-9,
		Full: map[string]int{"n": 20000000}, Quick: map[string]int{"n": 2000000}, Small: map[string]int{"n": 20000}},
	{Name: "julia", Title: "Julia set, total of escape counts",
		Full: map[string]int{"width": 1000, "maxiter": 300}, Quick: map[string]int{"width": 200, "maxiter": 300},
		Small: map[string]int{"width": 40, "maxiter": 50},
		Known: func(a map[string]int) (any, bool) {
			// High Performance Python, chapter 2: 1000×1000, 300 iterations.
			if a["width"] == 1000 && a["maxiter"] == 300 {
				return int64(33219980), true
			}
			return nil, false
		}},
	{Name: "nbody", Title: "n-body, symplectic Euler steps", Rel: 1e-6,
		Full: map[string]int{"bodies": 64, "steps": 300}, Quick: map[string]int{"bodies": 32, "steps": 100},
		Small: map[string]int{"bodies": 8, "steps": 5}},
	{Name: "mem-seq", Title: "memory: sum of a large int64 array, in order",
		Full: map[string]int{"n": 1 << 23}, Quick: map[string]int{"n": 1 << 20}, Small: map[string]int{"n": 1 << 10}},
	{Name: "mem-random", Title: "memory: the same sum in scattered order",
		Full: map[string]int{"n": 1 << 23}, Quick: map[string]int{"n": 1 << 20}, Small: map[string]int{"n": 1 << 10}},
	{Name: "text", Title: "text: word frequencies of a generated corpus",
		Full: map[string]int{"bytes": 8 << 20}, Quick: map[string]int{"bytes": 1 << 20}, Small: map[string]int{"bytes": 16 << 10}},
}

// Size picks a kernel's arguments.
type Size int

const (
	Full Size = iota
	Quick
	Small
)

func (k *Kernel) args(s Size) map[string]int {
	switch s {
	case Quick:
		return k.Quick
	case Small:
		return k.Small
	}
	return k.Full
}

func kernelByName(name string) *Kernel {
	for _, k := range Kernels {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// describe is a kernel's size in words: "n=20,000,000".
func describe(args map[string]int) string {
	s := ""
	for _, key := range []string{"calls", "n", "width", "maxiter", "bodies", "steps", "bytes"} {
		if v, ok := args[key]; ok {
			if s != "" {
				s += " "
			}
			s += fmt.Sprintf("%s=%s", key, group(v))
		}
	}
	return s
}

// group writes n with thousands separators.
func group(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
