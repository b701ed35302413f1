package sampler

import (
	"context"
	"testing"
	"time"
)

// TestRecordLive samples the test target on every interpreter: the
// spinning thread must hold the GIL in at least 95% of its samples, the
// sleeper must be idle in all of its, and nothing may tear while the
// stacks stand still.
func TestRecordLive(t *testing.T) {
	for label, py := range interpreters(t) {
		t.Run(label, func(t *testing.T) {
			_, self := startTarget(t, py)
			tg, err := Attach(self.hostPID)
			if err != nil {
				t.Fatal(err)
			}
			p, st, err := tg.Record(context.Background(), RecordOptions{Rate: 200, Duration: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if st.Ticks < 1 || st.Exited { // a loaded machine (load 12 on 2 cores) gave 1 round in 300 ms
				t.Fatalf("stats %+v", st)
			}
			if st.Torn != 0 {
				t.Errorf("%d torn samples of blocked threads", st.Torn)
			}
			var spinAll, spinGIL, sleepAll, sleepIdle int64
			for _, s := range p.Samples.Samples {
				for _, fr := range s.Stack {
					switch p.Funcs[fr.Func].Name {
					case "spin":
						spinAll += s.Weight
						if s.GIL {
							spinGIL += s.Weight
						}
					case "sleeper":
						sleepAll += s.Weight
						if s.Idle {
							sleepIdle += s.Weight
						}
					}
				}
			}
			if spinAll == 0 || float64(spinGIL) < 0.95*float64(spinAll) {
				t.Errorf("spinning thread held the GIL in %d of %d samples", spinGIL, spinAll)
			}
			if sleepAll == 0 || sleepIdle != sleepAll {
				t.Errorf("sleeper idle in %d of %d samples", sleepIdle, sleepAll)
			}
			if len(p.Samples.Threads) < len(self.Threads) {
				t.Errorf("%d threads sampled, the target has %d", len(p.Samples.Threads), len(self.Threads))
			}
		})
	}
}
