// Package lab runs the same kernels in every way there is to make Python
// fast — threads, processes, numpy, numexpr, numba, Cython, C, ctypes,
// cffi, PyPy and Go — one way at a time on this machine, checks each
// result against the pure-Python reference, and reports medians, spread,
// start-up and what the numbers say.
package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"hpp/internal/outfile"
)

// Options says what to run.
type Options struct {
	Kernels []string // default: all
	Ways    []string // default: all
	Python  string   // default python3
	Size    Size
	Repeat  int     // timed repeats after the warm-up; default 5
	Budget  float64 // seconds of repeats per way and kernel before fewer are run; default 3
	// Scheduler is a Dask scheduler's address for the dask way; empty
	// starts a LocalCluster of one worker process per core.
	Scheduler string
	// MPI is the number of ranks for the mpi way; default the cores.
	MPI int
	// CacheDir holds sources and builds; default the user's cache
	// directory + hpp/lab.
	CacheDir string
	Progress func(string) // told what runs now; nil for nothing
	// LookPath finds programs (a test hides one); default exec.LookPath.
	LookPath func(string) (string, error)
}

// Schema names the JSON report's format.
const Schema = "hpp-lab/1"

// Report is a lab run: the machine, and one result per way and kernel.
type Report struct {
	Schema        string            `json:"schema"`
	Started       time.Time         `json:"started"`
	Seconds       float64           `json:"seconds"`
	Python        string            `json:"python"`
	PythonVersion string            `json:"python_version"`
	PyPyVersion   string            `json:"pypy_version,omitempty"`
	Cores         int               `json:"cores"`
	GOOS          string            `json:"goos"`
	Libraries     map[string]string `json:"libraries"`
	Size          string            `json:"size"`
	Repeat        int               `json:"repeat"`
	Load          Load              `json:"load"`
	Kernels       []KernelInfo      `json:"kernels"`
	Ways          []WayInfo         `json:"ways"`
	Results       []Result          `json:"results"`
	Conclusions   []string          `json:"conclusions"`
}

// KernelInfo is a kernel as run.
type KernelInfo struct {
	Name    string         `json:"name"`
	Title   string         `json:"title"`
	Args    map[string]int `json:"args"`
	PerCall bool           `json:"per_call"`
}

// WayInfo is a way as run, or why it was skipped.
type WayInfo struct {
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	Skipped string  `json:"skipped,omitempty"` // why, with the package to install
	Build   float64 `json:"build_seconds"`     // compiling, 0 when cached
	Load1   float64 `json:"load1"`             // load average as the way started
	// Startup is the time from starting the way's process until it was
	// ready (interpreter, imports, and an engine's cluster or ranks).
	Startup float64 `json:"startup_seconds"`
	// PerTask is an engine's overhead per task, timed on empty tasks.
	PerTask float64 `json:"per_task_seconds,omitempty"`
	Cores   int     `json:"cores,omitempty"` // workers or ranks, for engines
	Seconds float64 `json:"seconds"`         // the way's whole run, start-up included
}

// Result is one way on one kernel.
type Result struct {
	Way    string `json:"way"`
	Kernel string `json:"kernel"`
	// Status: ok (checked and timed), wrong (result differs: no time
	// counts), error, n/a (the way has no version of the kernel),
	// skipped (its tool is missing).
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
	// Seconds per run (per call for per-call kernels), repeats after the
	// warm-up; Median, Min and Max of them.
	Times  []float64 `json:"times,omitempty"`
	Median float64   `json:"median,omitempty"`
	Min    float64   `json:"min,omitempty"`
	Max    float64   `json:"max,omitempty"`
	// Startup is the way's set-up (pool, loading) plus what the first
	// call took beyond the median (JIT compiling), in seconds.
	Startup float64 `json:"startup"`
	Speedup float64 `json:"speedup,omitempty"` // pure Python's median / this one
	Value   any     `json:"result,omitempty"`
}

// Run runs the lab.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Python == "" {
		o.Python = "python3"
	}
	if o.Repeat <= 0 {
		o.Repeat = 5
	}
	if o.Budget <= 0 {
		o.Budget = 3
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	kernels, ways, err := choose(o.Kernels, o.Ways)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	py, err := probePython(ctx, o.Python)
	if err != nil {
		return nil, err
	}
	root := o.CacheDir
	if root == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("no cache directory (%v): set HOME or XDG_CACHE_HOME", err)
		}
		root = filepath.Join(d, "hpp", "lab")
	}
	c, err := openCache(root, py)
	if err != nil {
		return nil, err
	}
	r := &Report{Schema: Schema, Started: start.UTC(), Python: py.Exe, PythonVersion: py.Version, Cores: py.Cores,
		GOOS: runtime.GOOS, Libraries: map[string]string{}, Size: [...]string{"full", "quick", "small"}[o.Size], Repeat: o.Repeat}
	for m, v := range py.Modules {
		if v != "" {
			r.Libraries[m] = v
		}
	}
	r.Load.Before = readLoad()
	for _, k := range kernels {
		r.Kernels = append(r.Kernels, KernelInfo{Name: k.Name, Title: k.Title, Args: k.args(o.Size), PerCall: k.PerCall})
	}
	progress(o.Progress, "the pure-Python reference results (once, then cached)")
	refs, err := references(ctx, c, py, kernels, o.Size)
	if err != nil {
		return nil, err
	}
	for i, w := range ways {
		info := WayInfo{Name: w.Name, Title: w.Title}
		progress(o.Progress, fmt.Sprintf("[%d/%d] %s", i+1, len(ways), w.Title))
		info.Skipped = missing(w, py, o.LookPath)
		if info.Skipped == "" && w.Build != "" {
			if !c.has(w.Build, py) {
				progress(o.Progress, fmt.Sprintf("[%d/%d] %s: building", i+1, len(ways), w.Title))
			}
			b := c.buildOnce(ctx, w.Build, py)
			info.Build = b.Seconds
			if b.Err != "" {
				info.Skipped = "build failed: " + b.Err
			}
		}
		if info.Skipped != "" {
			for _, k := range kernels {
				r.Results = append(r.Results, Result{Way: w.Name, Kernel: k.Name, Status: "skipped", Note: info.Skipped})
			}
			r.Ways = append(r.Ways, info)
			continue
		}
		if w.Interp != "" {
			r.PyPyVersion = interpVersion(ctx, w.Interp)
		}
		info.Load1 = readLoad().Load1
		t0 := time.Now()
		res, err := runWay(ctx, c, py, w, kernels, o, refs, &info, func(k string) {
			progress(o.Progress, fmt.Sprintf("[%d/%d] %s: %s", i+1, len(ways), w.Title, k))
		})
		if err != nil {
			return nil, err
		}
		info.Seconds = time.Since(t0).Seconds()
		r.Results = append(r.Results, res...)
		r.Ways = append(r.Ways, info)
	}
	r.Load.After = readLoad()
	r.Load.judge(py.Cores)
	speedups(r)
	r.Conclusions = conclude(r)
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// choose picks kernels and ways by name, all when none are named.
func choose(kn, wn []string) ([]*Kernel, []*Way, error) {
	kernels, ways := Kernels, Ways
	if len(kn) > 0 {
		kernels = nil
		for _, n := range kn {
			k := kernelByName(n)
			if k == nil {
				return nil, nil, &UsageError{fmt.Sprintf("no kernel %q (kernels: %s)", n, names(Kernels, func(k *Kernel) string { return k.Name }))}
			}
			kernels = append(kernels, k)
		}
	}
	if len(wn) > 0 {
		ways = nil
		for _, n := range wn {
			w := wayByName(n)
			if w == nil {
				return nil, nil, &UsageError{fmt.Sprintf("no way %q (ways: %s)", n, names(Ways, func(w *Way) string { return w.Name }))}
			}
			ways = append(ways, w)
		}
	}
	return kernels, ways, nil
}

func names[T any](xs []T, f func(T) string) string {
	var s []string
	for _, x := range xs {
		s = append(s, f(x))
	}
	return strings.Join(s, ", ")
}

// UsageError is a wrong kernel or way name.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func progress(f func(string), s string) {
	if f != nil {
		f(s)
	}
}

func interpVersion(ctx context.Context, exe string) string {
	out, err := exec.CommandContext(ctx, exe, "-c", "import sys; print(sys.version.split()[0] + ' (PyPy ' + '.'.join(map(str, sys.pypy_version_info[:3])) + ')')").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// line is one JSON line from the harness.
type line struct {
	WayStartup *float64        `json:"way_startup"`
	WayError   string          `json:"way_error"`
	PerTask    float64         `json:"per_task"`
	Kernel     string          `json:"kernel"`
	NA         bool            `json:"na"`
	Error      string          `json:"error"`
	Trace      string          `json:"trace"`
	Setup      float64         `json:"setup"`
	First      float64         `json:"first"`
	Times      []float64       `json:"times"`
	Calls      int             `json:"calls"`
	Result     json.RawMessage `json:"result"`
}

// harness runs labrun.py with spec under exe and calls each for every
// line it prints.
func harness(ctx context.Context, c *cache, argv []string, env []string, pin bool, spec map[string]any, each func(line)) error {
	b, _ := json.Marshal(spec)
	exe := argv[0]
	args := append(argv[1:len(argv):len(argv)], filepath.Join(c.src, "py", "labrun.py"), string(b))
	if pin {
		if ts, err := exec.LookPath("taskset"); err == nil {
			// Pinned, as a one-core C program would be: unpinned, the Go
			// runtime's helper threads wake on the computing CPU and the
			// kernel moves the computing thread between CPUs.
			args = append([]string{"-c", "0", exe}, args...)
			exe = ts
		}
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			continue // a way's own chatter on stdout
		}
		each(l)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%v: %s", err, lastLine(stderr.String()))
	}
	return nil
}

// references computes each kernel's pure-Python result once (cached).
func references(ctx context.Context, c *cache, py *pyInfo, kernels []*Kernel, size Size) (map[string]json.RawMessage, error) {
	refs := map[string]json.RawMessage{}
	var todo []map[string]any
	for _, k := range kernels {
		args := k.args(size)
		if k.Known != nil {
			if v, ok := k.Known(args); ok {
				b, _ := json.Marshal(v)
				refs[k.Name] = b
				continue
			}
		}
		b, err := os.ReadFile(refPath(c, k, args))
		if err == nil && json.Valid(b) {
			refs[k.Name] = b
			continue
		}
		todo = append(todo, map[string]any{"name": k.Name, "args": args})
	}
	if len(todo) == 0 {
		return refs, nil
	}
	var failed []string
	err := harness(ctx, c, []string{py.Exe}, nil, false, map[string]any{"reference": true, "inputs": c.inputs(), "kernels": todo}, func(l line) {
		if l.Error != "" || l.Result == nil {
			failed = append(failed, l.Kernel+": "+l.Error)
			return
		}
		refs[l.Kernel] = l.Result
		k := kernelByName(l.Kernel)
		// A cache: failing to keep it costs only time.
		outfile.Write(refPath(c, k, k.args(size)), func(w io.Writer) error { _, err := w.Write(l.Result); return err })
	})
	if err == nil && len(failed) > 0 {
		err = fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	if err != nil {
		return nil, fmt.Errorf("computing the pure-Python reference with %s: %v", py.Exe, err)
	}
	return refs, nil
}

func refPath(c *cache, k *Kernel, args map[string]int) string {
	keys := make([]string, 0, len(args))
	for a := range args {
		keys = append(keys, a)
	}
	sort.Strings(keys)
	name := "ref-" + k.Name
	for _, a := range keys {
		name += fmt.Sprintf("-%s%d", a, args[a])
	}
	return filepath.Join(c.inputs(), name+".json")
}

// runWay runs one way on the kernels and checks each result.
func runWay(ctx context.Context, c *cache, py *pyInfo, w *Way, kernels []*Kernel, o Options, refs map[string]json.RawMessage, info *WayInfo, status func(string)) ([]Result, error) {
	var ks []map[string]any
	for _, k := range kernels {
		ks = append(ks, map[string]any{"name": k.Name, "args": k.args(o.Size)})
	}
	cores := py.Cores
	var env []string
	if w.OneCore {
		env = append(env, "GOMAXPROCS=1", "OMP_NUM_THREADS=1", "NUMBA_NUM_THREADS=1")
		cores = 1
	}
	spec := map[string]any{"way": w.Module, "option": w.Option, "build": c.build, "inputs": c.inputs(), "cores": cores,
		"repeat": o.Repeat, "budget": o.Budget, "kernels": ks, "small": o.Size == Small}
	argv := []string{py.Exe}
	switch {
	case w.Interp != "":
		argv = []string{w.Interp}
	case w.Name == "mpi":
		n := o.MPI
		if n <= 0 {
			n = py.Cores
		}
		argv = []string{"mpirun", "-n", fmt.Sprint(n), py.Exe}
		info.Cores = n
		spec["ranks"] = n
		// Open MPI (Debian's mpi4py is built on it) refuses root and
		// more ranks than cores without these; MPICH ignores them.
		env = append(env, "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "OMPI_MCA_rmaps_base_oversubscribe=1",
			// A rank waiting for the others yields its CPU instead of
			// spinning on it, which on a shared machine slows the
			// ranks that compute.
			"OMPI_MCA_mpi_yield_when_idle=1",
			// Unbound, as the other ways' processes are: Open MPI binds
			// each rank to a core when there are few of them.
			"OMPI_MCA_hwloc_base_binding_policy=none")
	case w.Name == "dask":
		spec["scheduler"] = o.Scheduler
		status("starting the cluster")
	}
	got := map[string]Result{}
	wayErr := ""
	t0 := time.Now()
	// The one-core compiled ways are all pinned alike, so that Go, C and
	// Cython are compared on equal terms.
	pin := w.OneCore || w.Kind == "compiled"
	err := harness(ctx, c, argv, env, pin, spec, func(l line) {
		if l.WayError != "" {
			wayErr = l.WayError
			return
		}
		if l.WayStartup != nil {
			info.Startup = time.Since(t0).Seconds()
			info.PerTask = l.PerTask
			if len(kernels) > 0 {
				status(kernels[0].Name)
			}
			return
		}
		k := kernelByName(l.Kernel)
		if k == nil {
			return
		}
		got[k.Name] = judge(w, k, l, refs[k.Name])
		for i, kk := range kernels {
			if kk == k && i+1 < len(kernels) {
				status(kernels[i+1].Name)
			}
		}
	})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var out []Result
	for _, k := range kernels {
		r, ok := got[k.Name]
		if !ok {
			r = Result{Way: w.Name, Kernel: k.Name, Status: "error", Note: "the way's process ended before this kernel"}
			if wayErr != "" {
				r.Note = "the way did not start: " + wayErr
			} else if err != nil {
				r.Note += ": " + err.Error()
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// judge turns a harness line into a result: checked first, timed after.
func judge(w *Way, k *Kernel, l line, ref json.RawMessage) Result {
	r := Result{Way: w.Name, Kernel: k.Name}
	switch {
	case l.NA:
		r.Status = "n/a"
		return r
	case l.Error != "":
		r.Status, r.Note = "error", l.Error
		return r
	}
	var v any
	if err := decode(l.Result, &v); err == nil {
		r.Value = v
	}
	if msg := check(l.Result, ref, k.Rel); msg != "" {
		r.Status, r.Note = "wrong", msg
		return r
	}
	r.Status = "ok"
	div := 1.0
	if l.Calls > 0 {
		div = float64(l.Calls)
	}
	for _, t := range l.Times {
		r.Times = append(r.Times, t/div)
	}
	r.Median, r.Min, r.Max = stats(r.Times)
	r.Startup = l.Setup + max(0, l.First-r.Median*div)
	if k.Name == "nbody" || k.Name == "text" {
		r.Value = nil // long; checked above
	}
	return r
}

func stats(ts []float64) (med, lo, hi float64) {
	if len(ts) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), ts...)
	sort.Float64s(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

// speedups sets each result's speed-up over pure Python on its kernel.
func speedups(r *Report) {
	base := map[string]float64{}
	for _, x := range r.Results {
		if x.Way == "python" && x.Status == "ok" {
			base[x.Kernel] = x.Median
		}
	}
	for i := range r.Results {
		x := &r.Results[i]
		if b := base[x.Kernel]; b > 0 && x.Status == "ok" && x.Median > 0 {
			x.Speedup = b / x.Median
		}
	}
}
