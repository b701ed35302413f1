package sampler

import "testing"

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
