package sampler

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkThreads reads every thread's stack of a live target (the test
// target on Debian's python3: 9 threads, one 200 frames deep) per op.
func BenchmarkThreads(b *testing.B) {
	cmd, _ := startTarget(b, "/usr/bin/python3")
	tg, err := Attach(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		threads, err := tg.Threads()
		if err != nil {
			b.Fatal(err)
		}
		frames = 0
		for _, th := range threads {
			frames += len(th.Frames)
		}
	}
	b.ReportMetric(float64(frames), "frames/op")
}

// spinTarget is scripts/bench-record's target: a thread 22 frames deep
// in a CPU loop, and one asleep.
const spinTarget = `
import threading, time
def bench_leaf(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
def bench_mid(d, n):
    if d == 0:
        return bench_leaf(n)
    return bench_mid(d - 1, n)
def bench_sleeper():
    while True:
        time.sleep(1)
threading.Thread(target=bench_sleeper, daemon=True).start()
print("ready", flush=True)
while True:
    bench_mid(20, 200)
`

// BenchmarkRecord records a target on Debian unstable's 3.15 in the
// chroot (Debian's python3 without it) as fast as it goes, for profiling
// the recorder: go test -bench Record -cpuprofile cpu.out. It reports
// the sampler's CPU per round; each op is one second. "test" is the
// live tests' target (9 threads, generators, a 200-deep recursion),
// "spin" scripts/bench-record's.
func BenchmarkRecord(b *testing.B) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(sidChroot + "/usr/bin/python3.15"); err == nil {
		py = "chroot:" + sidChroot + ":python3.15"
	}
	b.Run("test", func(b *testing.B) {
		_, self := startTarget(b, py)
		benchRecord(b, self.hostPID)
	})
	b.Run("spin", func(b *testing.B) {
		benchRecord(b, startSpin(b, py))
	})
}

// startSpin runs spinTarget on py (as startTarget names interpreters)
// and returns its pid here once it runs.
func startSpin(t testing.TB, py string) int { return startScript(t, py, spinTarget) }

// startScript runs the Python code script, which prints "ready" once it
// runs, on py (as startTarget names interpreters), and returns its pid
// here.
func startScript(t testing.TB, py, script string) int {
	t.Helper()
	args := []string{py, "-c", script}
	if rest, ok := strings.CutPrefix(py, "chroot:"); ok {
		dir, bin, _ := strings.Cut(rest, ":")
		args = []string{"chroot", dir, bin, "-c", script}
	}
	cmd := exec.Command(args[0], args[1:]...)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("target: %q %v", line, err)
	}
	return cmd.Process.Pid
}

func benchRecord(b *testing.B, pid int) {
	tg, err := Attach(pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var ticks, samples int
	var cpu time.Duration
	for b.Loop() {
		before := cpuTime()
		_, st, err := tg.Record(context.Background(), RecordOptions{Rate: 1e6, Duration: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - before
		ticks += st.Ticks
		samples += st.Samples
	}
	b.ReportMetric(float64(ticks)/float64(b.N), "rounds/op")
	b.ReportMetric(float64(samples)/float64(ticks), "stacks/round")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(ticks), "cpu-ns/round")
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
