package sampler

import (
	"bufio"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// lineTarget spins in a function whose loop spans several lines, so its
// samples fall on more than one line.
const lineTarget = `import sys
def spread():
    a = b = c = 0
    while True:
        a += 1
        b += a
        c += b
        a, b, c = c % 7, a % 5, b % 3
print("ready", flush=True)
spread()
`

// TestRecordNoLineNo: with NoLineNo every frame has line 0, and the
// samples of spread() at different lines merge into one; without it they
// fall on several lines (its loop's: 4 to 8).
func TestRecordNoLineNo(t *testing.T) {
	for label, py := range interpreters(t) {
		if strings.Contains(label, "pidns") || strings.Contains(label, "sid") {
			continue
		}
		t.Run(label, func(t *testing.T) {
			cmd := exec.Command(py, "-c", lineTarget)
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			bufio.NewReader(stdout).ReadString('\n')
			tg, err := Attach(cmd.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			lines := func(noLines bool) map[int32]int64 {
				p, _, err := tg.Record(context.Background(), RecordOptions{Rate: 500, Duration: 400 * time.Millisecond, NoLineNo: noLines})
				if err != nil {
					t.Fatal(err)
				}
				out := map[int32]int64{}
				for _, s := range p.Samples.Samples {
					for _, f := range s.Stack {
						if noLines && f.Line != 0 {
							t.Errorf("NoLineNo: a frame of %s has line %d", p.Funcs[f.Func].Name, f.Line)
						}
						if p.Funcs[f.Func].Name == "spread" {
							out[f.Line] += s.Weight
						}
					}
				}
				return out
			}
			with := lines(false)
			for l := range with {
				if l < 4 || l > 8 {
					t.Errorf("spread sampled at line %d, outside its loop (4-8): %v", l, with)
				}
			}
			if len(with) < 2 {
				t.Errorf("with lines, spread's samples fall on %v; want several lines", with)
			}
			if without := lines(true); len(without) != 1 || without[0] == 0 {
				t.Errorf("NoLineNo: spread's samples by line %v, want all on line 0", without)
			}
		})
	}
}

// BenchmarkThreadsLines reads every thread's stack of the test target on
// Debian's python3 (9 threads, one 200 frames deep), with and without
// line numbers; cpu-ns/op is this process's CPU time (user + system, from
// getrusage) per walk, which a loaded machine does not inflate as it does
// wall time.
func BenchmarkThreadsLines(b *testing.B) {
	for _, noLines := range []bool{false, true} {
		name := "lines"
		if noLines {
			name = "nolineno"
		}
		b.Run(name, func(b *testing.B) {
			cmd, _ := startTarget(b, "/usr/bin/python3")
			tg, err := Attach(cmd.Process.Pid)
			if err != nil {
				b.Fatal(err)
			}
			tg.noLines = noLines
			b.ReportAllocs()
			before := cpuTime()
			for b.Loop() {
				if _, err := tg.Threads(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(int64(cpuTime()-before))/float64(b.N), "cpu-ns/op")
		})
	}
}
