package pstats_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
)

// TestRoundTrip has hpp rewrite an interpreter's corpus files and that
// interpreter's pstats read them back: the numbers, sort orders and
// printed reports must equal what it read from its own files.
func TestRoundTrip(t *testing.T) {
	corpus := pstatstest.CorpusDir(t)
	for _, py := range pstatstest.Interpreters(t) {
		t.Run(py.Label, func(t *testing.T) {
			if py.Python2 {
				t.Skip("hpp writes marshal version 4, which Python 2 does not read")
			}
			if py.Path == "" {
				t.Skipf("pyenv Python %s is not installed", py.Minor)
			}
			t.Parallel()
			src := filepath.Join(corpus, py.Label)
			if !exists(filepath.Join(src, "expect.json.gz")) {
				src = filepath.Join(corpus, "debian-python3") // a version the corpus lacks
			}
			want := pstatstest.Load(t, src)
			dir := t.TempDir()
			for name := range want.Files {
				p := pstatstest.Read(t, src, name)
				if err := pstats.WriteFile(filepath.Join(dir, name), p); err != nil {
					t.Fatal(err)
				}
			}
			pstatstest.Expectations(t, py.Path, dir)
			got := pstatstest.Load(t, dir)
			for name, w := range want.Files {
				sameExpect(t, name, got.Files[name], w)
			}
			for i, w := range want.Merge {
				sameExpect(t, strings.Join(w.Inputs, "+"), got.Merge[i], w)
			}
			sameExpect(t, "strip_dirs", got.Strip, want.Strip)
		})
	}
}

// sameExpect compares what pstats read from hpp's file with what it read
// from its own; texts differ only in the files' modification times.
func sameExpect(t *testing.T, name string, got, want *pstatstest.Stats) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no expectations from the rewritten file", name)
		return
	}
	if !reflect.DeepEqual(got.Functions, want.Functions) || got.TotalTT != want.TotalTT ||
		got.TotalCalls != want.TotalCalls || got.PrimCalls != want.PrimCalls {
		t.Errorf("%s: pstats reads different numbers from hpp's file", name)
	}
	if !reflect.DeepEqual(got.Orders, want.Orders) {
		t.Errorf("%s: pstats sorts hpp's file differently", name)
	}
	if len(got.Views) != len(want.Views) {
		t.Errorf("%s: %d reports, want %d", name, len(got.Views), len(want.Views))
		return
	}
	for i := range got.Views {
		g, w := got.Views[i].Text, want.Views[i].Text
		if got.Views[i].Kind == "stats" {
			n := max(1, len(want.Inputs)) // the files, with their modification times
			g, w = dropFirstLines(g, n), dropFirstLines(w, n)
		}
		if g != w {
			t.Errorf("%s: pstats prints hpp's file differently (%s %v)", name, got.Views[i].Kind, got.Views[i].Sort)
		}
	}
}

func dropFirstLines(s string, n int) string {
	parts := strings.SplitAfterN(s, "\n", n+1)
	return parts[len(parts)-1]
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
