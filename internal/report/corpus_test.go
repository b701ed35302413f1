package report_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
	"hpp/internal/report"
)

// TestCorpus holds hpp's row order for every sort key and its
// print_stats, print_callers and print_callees text against what each
// Python 3's pstats printed for the same files (testdata/pstats).
func TestCorpus(t *testing.T) {
	for _, dir := range pstatstest.CorpusDirs(t) {
		exp := pstatstest.Load(t, dir)
		if exp.Python2() {
			continue // hash-ordered dicts: see pstatstest.Expect.Python2
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			checkViews(t, dir, exp)
		})
	}
}

// checkViews compares orders and texts for every file, merge and
// strip_dirs expectation in exp.
func checkViews(t *testing.T, dir string, exp *pstatstest.Expect) {
	for name, want := range exp.Files {
		t.Run(name, func(t *testing.T) {
			checkStats(t, read(t, dir, name), want)
		})
	}
	for i, want := range exp.Merge {
		t.Run(fmt.Sprint("merge", i), func(t *testing.T) {
			var ps []*profile.Profile
			for _, in := range want.Inputs {
				ps = append(ps, read(t, dir, in))
			}
			checkStats(t, profile.Merge(ps...), want)
		})
	}
	t.Run("strip_dirs", func(t *testing.T) {
		checkStats(t, read(t, dir, exp.Strip.Inputs[0]).StripDirs(), exp.Strip)
	})
}

func read(t *testing.T, dir, name string) *profile.Profile {
	t.Helper()
	p, err := pstats.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	p.Sources = nil // the header's file lines are checked in internal/cli
	return p
}

func checkStats(t *testing.T, p *profile.Profile, want *pstatstest.Stats) {
	if len(want.Orders) < 13 {
		t.Errorf("only %d sort orders in the expectations", len(want.Orders))
	}
	for keys, order := range want.Orders {
		o, err := report.ParseOrder(strings.Split(keys, ","))
		if err != nil {
			t.Errorf("--sort %s: %v", keys, err)
			continue
		}
		got := o.Sort(p)
		if len(got) != len(order) {
			t.Errorf("--sort %s: %d rows, pstats printed %d", keys, len(got), len(order))
			continue
		}
		for i := range got {
			if int(got[i]) != order[i] {
				t.Errorf("--sort %s: row %d is %s, pstats printed %s", keys, i, p.Funcs[got[i]].Func, p.Funcs[order[i]].Func)
				break
			}
		}
	}
	for _, v := range want.Views {
		name := fmt.Sprintf("%s sort=%v %v", v.Kind, v.Sort, v.Restrict)
		t.Run(name, func(t *testing.T) {
			o := options(t, v)
			var buf bytes.Buffer
			var err error
			switch v.Kind {
			case "stats":
				err = report.Stats(&buf, p, report.Select(p, o))
			case "callers":
				err = report.Callers(&buf, p, report.Select(p, o))
			case "callees":
				err = report.Callees(&buf, p, report.Select(p, o))
			}
			if err != nil {
				t.Fatal(err)
			}
			wantText := v.Text
			if v.Kind == "stats" {
				wantText = dropSources(v.Text, len(want.Inputs))
			}
			if got := buf.String(); got != wantText {
				t.Errorf("text differs from pstats'\n%s", pstatstest.FirstDiff(got, wantText))
			}
		})
	}
}

// options builds what hpp stats builds from --sort, --filter and --limit.
func options(t *testing.T, v pstatstest.View) report.Options {
	t.Helper()
	var o report.Options
	if len(v.Sort) > 0 {
		ord, err := report.ParseOrder(v.Sort)
		if err != nil {
			t.Fatal(err)
		}
		o.Order = ord
	}
	for _, r := range v.Restrict {
		var res report.Restriction
		var err error
		if re, ok := r["filter"]; ok {
			res, err = report.ParseFilter(re)
		} else {
			res, err = report.ParseLimit(r["limit"])
		}
		if err != nil {
			t.Fatal(err)
		}
		o.Restrictions = append(o.Restrictions, res)
	}
	return o
}

// dropSources removes the lines pstats prints for its input files (their
// modification time and name) and the blank line after them.
func dropSources(text string, n int) string {
	if n == 0 {
		n = 1
	}
	lines := strings.SplitAfterN(text, "\n", n+2)
	if len(lines) < n+2 {
		return text
	}
	return lines[n+1]
}
