package lab

import (
	"context"
	"os"
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
	_ = os.Stderr
}
