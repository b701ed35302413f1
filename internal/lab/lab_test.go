package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smallRun runs the lab at the small size once per test binary: every
// way on every kernel.
func smallRun(t *testing.T, o Options) *Report {
	t.Helper()
	o.Size = Small
	if o.Repeat == 0 {
		o.Repeat = 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLabEveryWayChecked(t *testing.T) {
	r := smallRun(t, Options{Python: "/usr/bin/python3"})
	var sb strings.Builder
	Text(&sb, r)
	t.Log("\n" + sb.String())
	for _, x := range r.Results {
		switch x.Status {
		case "ok", "n/a":
		case "skipped":
			t.Errorf("%s skipped: %s (install the packages in scripts/apt-packages.txt)", x.Way, x.Note)
		default:
			t.Errorf("%s on %s: %s: %s", x.Way, x.Kernel, x.Status, x.Note)
		}
	}
}

// TestLabSkipsMissingTool hides cython3 and gcc: the ways that need them
// are shown as skipped with the Debian package that brings each, and
// the others still run.
func TestLabSkipsMissingTool(t *testing.T) {
	hidden := map[string]bool{"cython3": true, "gcc": true}
	r := smallRun(t, Options{Python: "/usr/bin/python3", Kernels: []string{"pi"}, Ways: []string{"python", "cython", "cext"},
		LookPath: func(name string) (string, error) {
			if hidden[name] {
				return "", exec.ErrNotFound
			}
			return exec.LookPath(name)
		}})
	want := map[string]string{"python": "ok", "cython": "skipped", "cext": "skipped"}
	for _, x := range r.Results {
		if x.Status != want[x.Way] {
			t.Errorf("%s: %s (%s), want %s", x.Way, x.Status, x.Note, want[x.Way])
		}
	}
	for _, w := range r.Ways {
		pkg := map[string]string{"cython": "apt-get install cython3", "cext": "apt-get install gcc"}[w.Name]
		if !strings.Contains(w.Skipped, pkg) {
			t.Errorf("%s skipped as %q, want it to name %q", w.Name, w.Skipped, pkg)
		}
	}
	var sb strings.Builder
	Text(&sb, r)
	if !strings.Contains(sb.String(), "skipped:\n  Cython: cython3 is not on PATH (apt-get install cython3)") {
		t.Errorf("the table does not list the skipped way with its package:\n%s", sb.String())
	}
}

// TestLabJudge: a wrong result is shown as wrong and gets no time.
func TestLabJudge(t *testing.T) {
	k := kernelByName("pi")
	w := wayByName("cext")
	ref := json.RawMessage(`3.141592653589793`)
	tests := []struct {
		result string
		status string
	}{
		{`3.1415926535897936`, "ok"}, // another summation order
		{`3.1415926`, "wrong"},       // off by 5e-8
		{`"3.14"`, "wrong"},          // a string
		{`NaN`, "wrong"},             // not JSON at all
		{`[3.141592653589793]`, "wrong"},
	}
	for _, tt := range tests {
		r := judge(w, k, line{Kernel: "pi", Times: []float64{0.01, 0.02, 0.03}, First: 0.05, Result: json.RawMessage(tt.result)}, ref)
		if r.Status != tt.status {
			t.Errorf("%s: %s (%s), want %s", tt.result, r.Status, r.Note, tt.status)
		}
		if r.Status != "ok" && (r.Median != 0 || len(r.Times) != 0) {
			t.Errorf("%s: a wrong result kept its time %v", tt.result, r.Median)
		}
		if r.Status == "ok" && (r.Median != 0.02 || r.Min != 0.01 || r.Max != 0.03 || math.Abs(r.Startup-0.03) > 1e-12) {
			t.Errorf("%s: median %v min %v max %v startup %v", tt.result, r.Median, r.Min, r.Max, r.Startup)
		}
	}
	// Integers compare exactly, word lists exactly.
	if m := check(json.RawMessage(`33219981`), json.RawMessage(`33219980`), 0); m == "" {
		t.Error("julia total off by one passed")
	}
	if m := check(json.RawMessage(`[2, [["ka", 3], ["lo", 1]]]`), json.RawMessage(`[2, [["ka", 3], ["lo", 2]]]`), 0); m == "" {
		t.Error("word count off by one passed")
	}
	if m := check(json.RawMessage(`[1.0000001, 2]`), json.RawMessage(`[1, 2]`), 1e-6); m != "" {
		t.Errorf("n-body within tolerance failed: %s", m)
	}
}

func TestLabParseLoad(t *testing.T) {
	l := parseLoad("15.83 16.05 11.11 12/310 9850\n")
	if l.Load1 != 15.83 || l.Load5 != 16.05 || l.Load15 != 11.11 {
		t.Errorf("parseLoad: %+v", l)
	}
	var ld Load
	ld.Before = l
	ld.judge(2)
	if !ld.Busy || len(ld.Warnings) == 0 {
		t.Errorf("load 15.8 on 2 cores not flagged: %+v", ld)
	}
	ld = Load{Before: LoadAvg{Load1: 0.3}, After: LoadAvg{Load1: 1.9}}
	ld.judge(2)
	if ld.Busy {
		t.Errorf("an idle machine flagged: %+v", ld)
	}
}

// TestLabDaskScheduler runs the dask way on a scheduler and a worker
// that the test starts on 127.0.0.1, as --scheduler does.
func TestLabDaskScheduler(t *testing.T) {
	for _, tool := range []string{"dask-scheduler", "dask-worker"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing: apt-get install python3-distributed", tool)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr := fmt.Sprintf("tcp://127.0.0.1:%d", port)
	start := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
	start("dask-scheduler", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--no-dashboard")
	start("dask-worker", addr, "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1")
	r := smallRun(t, Options{Python: "/usr/bin/python3", Kernels: []string{"pi", "julia", "text"}, Ways: []string{"python", "dask"}, Scheduler: addr})
	for _, x := range r.Results {
		if x.Status != "ok" {
			t.Errorf("%s on %s: %s: %s", x.Way, x.Kernel, x.Status, x.Note)
		}
	}
	for _, w := range r.Ways {
		if w.Name == "dask" && (w.PerTask <= 0 || w.Startup <= 0) {
			t.Errorf("dask: start-up %v, per task %v: not measured", w.Startup, w.PerTask)
		}
	}
}

// TestLabMPI runs the mpi way on 2 ranks.
func TestLabMPI(t *testing.T) {
	r := smallRun(t, Options{Python: "/usr/bin/python3", Kernels: []string{"pi", "nbody", "text"}, Ways: []string{"python", "mpi"}, MPI: 2})
	for _, x := range r.Results {
		if x.Status != "ok" {
			t.Errorf("%s on %s: %s: %s", x.Way, x.Kernel, x.Status, x.Note)
		}
	}
	for _, w := range r.Ways {
		if w.Name == "mpi" && (w.PerTask <= 0 || w.Cores != 2) {
			t.Errorf("mpi: %d ranks, per task %v", w.Cores, w.PerTask)
		}
	}
}

// TestLabMPIWrongLibrary puts MPICH's mpirun first on PATH: Debian's
// mpi4py is built on Open MPI, so each rank starts alone, and the lab
// must say so rather than time a single rank.
func TestLabMPIWrongLibrary(t *testing.T) {
	if _, err := os.Stat("/usr/bin/mpirun.mpich"); err != nil {
		t.Skip("mpich not installed: nothing to mismatch")
	}
	dir := t.TempDir()
	for _, f := range []string{"mpirun.mpich", "hydra_pmi_proxy"} {
		name := strings.TrimSuffix(f, ".mpich")
		if err := os.Symlink("/usr/bin/"+f, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	r := smallRun(t, Options{Python: "/usr/bin/python3", Kernels: []string{"pi"}, Ways: []string{"mpi"}, MPI: 2})
	x := r.Results[0]
	if x.Status != "error" || !strings.Contains(x.Note, "mpi4py sees 1 rank(s) under mpirun -n 2") {
		t.Errorf("mpi under MPICH: %s: %s", x.Status, x.Note)
	}
}

// TestLabConcludeFlagsImpossibleSpeedups: processes cannot beat pure Python
// by more than the cores; a report where they do says it cannot be trusted.
func TestLabConcludeFlagsImpossibleSpeedups(t *testing.T) {
	r := &Report{Cores: 2, Ways: []WayInfo{{Name: "python"}, {Name: "futures"}}, Results: []Result{
		{Way: "python", Kernel: "julia", Status: "ok", Median: 21},
		{Way: "futures", Kernel: "julia", Status: "ok", Median: 1.5},
	}}
	speedups(r)
	text := strings.Join(conclude(r), "\n")
	if !strings.Contains(text, "Not trustworthy: futures on julia 14.0×") {
		t.Errorf("a 14× speed-up on 2 cores not flagged:\n%s", text)
	}
	r.Results[1].Median = 11
	speedups(r)
	if text := strings.Join(conclude(r), "\n"); strings.Contains(text, "Not trustworthy") || !strings.Contains(text, "approaching the 2 cores") {
		t.Errorf("1.9× on 2 cores:\n%s", text)
	}
}

// TestLabConcurrentBuilds starts two runs at once on an empty cache, as
// two test packages do: each build works apart and renames its product
// into place, so both runs load whole modules.
func TestLabConcurrentBuilds(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			r, err := Run(ctx, Options{Python: "/usr/bin/python3", Size: Small, Repeat: 1, CacheDir: dir,
				Kernels: []string{"pi"}, Ways: []string{"cext", "ctypes", "cython"}})
			if err == nil {
				for _, x := range r.Results {
					if x.Status != "ok" {
						err = fmt.Errorf("%s: %s: %s", x.Way, x.Status, x.Note)
					}
				}
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "build-*", "tmp-*"))
	if len(left) > 0 {
		t.Errorf("build directories left behind: %v", left)
	}
}

// TestLabConcludePyPyLoop: a call that costs under 5 ns was optimised
// away, and the conclusions say so instead of claiming a fast call.
func TestLabConcludePyPyLoop(t *testing.T) {
	r := &Report{Cores: 2, Results: []Result{{Way: "pypy", Kernel: "fib0", Status: "ok", Median: 0.6e-9}}}
	if text := strings.Join(conclude(r), "\n"); !strings.Contains(text, "PyPy's fib0 (0.6 ns a call) is not a call's cost") {
		t.Errorf("conclusions:\n%s", text)
	}
}

func TestLabFirstError(t *testing.T) {
	out := "labcy.c: In function 'f':\n  6289 | __PYX_ERR(1, 13, __pyx_L1_error)\nlabcy.c:12:5: error: 'PyFrameObject' has no member named 'f_lineno'\n   12 | x\n      |     ^~\n"
	if got := firstError(out); got != "labcy.c:12:5: error: 'PyFrameObject' has no member named 'f_lineno'" {
		t.Errorf("firstError = %q", got)
	}
	if got := firstError("ld: cannot find -lm\n"); got != "ld: cannot find -lm" {
		t.Errorf("firstError without 'error' = %q", got)
	}
}

// TestLabConcludeNamesWhatRan: the compiled-code claim names only the
// ways and kernels that ran.
func TestLabConcludeNamesWhatRan(t *testing.T) {
	r := &Report{Cores: 2, Ways: []WayInfo{{Name: "python", Title: "pure Python"}, {Name: "cext", Title: "C extension"}}, Results: []Result{
		{Way: "python", Kernel: "pi", Status: "ok", Median: 1},
		{Way: "cext", Kernel: "pi", Status: "ok", Median: 0.02},
	}}
	speedups(r)
	text := strings.Join(conclude(r), "\n")
	if !strings.Contains(text, "C extension runs pi 50× faster than pure Python: the claimed one to two orders of magnitude hold.") {
		t.Errorf("conclusions:\n%s", text)
	}
}
