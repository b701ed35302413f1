package cli_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"hpp/internal/pstats/pstatstest"
)

// TestStatsMatchesPstats runs hpp stats with the flags that match each
// report Debian's python3 printed for its corpus files (single files,
// pstats.Stats(a, b, c) merges, strip_dirs) and compares the text,
// including the header's file lines.
func TestStatsMatchesPstats(t *testing.T) {
	dir := filepath.Join(pstatstest.CorpusDir(t), "debian-python3")
	exp := pstatstest.Load(t, dir)
	type group struct {
		name  string
		files []string
		strip bool
		want  *pstatstest.Stats
	}
	var groups []group
	for name, s := range exp.Files {
		groups = append(groups, group{name, []string{name}, false, s})
	}
	for _, s := range exp.Merge {
		groups = append(groups, group{strings.Join(s.Inputs, "+"), s.Inputs, false, s})
	}
	groups = append(groups, group{"strip_dirs", exp.Strip.Inputs, true, exp.Strip})
	views := 0
	for _, g := range groups {
		for _, v := range g.want.Views {
			views++
			args := viewArgs(v)
			if g.strip {
				args = append(args, "--strip-dirs")
			}
			var paths []string
			for _, f := range g.files {
				paths = append(paths, filepath.Join(dir, f))
			}
			t.Run(g.name+" "+strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := statsRun(t, append(args, paths...)...)
				if code != 0 {
					t.Fatalf("exit code %d: %s", code, stderr)
				}
				got, want := stdout, v.Text
				if v.Kind == "stats" {
					got, want = checkSources(t, got, paths), checkSources(t, want, g.files)
				}
				if got != want {
					t.Errorf("differs from pstats' text:\n%s", pstatstest.FirstDiff(got, want))
				}
			})
		}
	}
	if views < 20 {
		t.Errorf("only %d reports to compare", views)
	}
}

// viewArgs turns a pstats report into hpp stats flags.
func viewArgs(v pstatstest.View) []string {
	sort := "none"
	if len(v.Sort) > 0 {
		sort = strings.Join(v.Sort, ",")
	}
	args := []string{"--sort", sort}
	for _, r := range v.Restrict {
		if re, ok := r["filter"]; ok {
			args = append(args, "--filter", re)
		} else {
			args = append(args, "--limit", r["limit"])
		}
	}
	if v.Kind != "stats" {
		args = append(args, "--"+v.Kind)
	}
	return args
}

var sourceLine = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123]\d \d\d:\d\d:\d\d \d{4}    (.*)$`)

// checkSources checks print_stats' first lines, one per input file as
// time.ctime(mtime) and the name, and returns the text after them.
func checkSources(t *testing.T, text string, paths []string) string {
	t.Helper()
	lines := strings.SplitAfterN(text, "\n", len(paths)+2)
	if len(lines) < len(paths)+2 {
		t.Errorf("report too short: %q", text)
		return text
	}
	// pstats.Stats(a, b, c) lists a, then c, then b (add walks reversed).
	order := append([]string{paths[0]}, reverse(paths[1:])...)
	for i, p := range order {
		m := sourceLine.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if m == nil || m[3] != p {
			t.Errorf("file line %d is %q, want ctime(mtime) and %s", i+1, lines[i], p)
		}
	}
	if lines[len(paths)] != "\n" {
		t.Errorf("no blank line after the file lines: %q", lines[len(paths)])
	}
	return lines[len(paths)+1]
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// TestStatsJSON checks --json against the numbers Debian's python3 read,
// for a cProfile file, a profile-module file (null caller times) and a
// merge, and checks that -o writes a file hpp reads back the same.
func TestStatsJSON(t *testing.T) {
	dir := filepath.Join(pstatstest.CorpusDir(t), "debian-python3")
	exp := pstatstest.Load(t, dir)
	cases := []struct {
		name  string
		files []string
		want  *pstatstest.Stats
	}{
		{"cprofile", []string{"cprofile.prof"}, exp.Files["cprofile.prof"]},
		{"profile", []string{"profile.prof"}, exp.Files["profile.prof"]},
		{"merge", exp.Merge[0].Inputs, exp.Merge[0]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var paths []string
			for _, f := range c.files {
				paths = append(paths, filepath.Join(dir, f))
			}
			out := filepath.Join(t.TempDir(), "out.prof")
			code, stdout, stderr := statsRun(t, append([]string{"--json", "-o", out}, paths...)...)
			if code != 0 {
				t.Fatalf("exit code %d: %s", code, stderr)
			}
			checkJSON(t, stdout, c.want, true)
			code, again, stderr := statsRun(t, "--json", out)
			if code != 0 {
				t.Fatalf("reading -o output: exit code %d: %s", code, stderr)
			}
			// Read back, total_tt is summed anew (as pstats does on load),
			// which for a merge may differ in the last bits.
			checkJSON(t, again, c.want, len(c.files) == 1)
		})
	}
}

type jsonFunc struct {
	File    string   `json:"file"`
	Line    int      `json:"line"`
	Name    string   `json:"name"`
	PCalls  int64    `json:"pcalls"`
	NCalls  int64    `json:"ncalls"`
	TotTime *float64 `json:"tottime"`
	CumTime *float64 `json:"cumtime"`
}

func checkJSON(t *testing.T, out string, want *pstatstest.Stats, total bool) {
	t.Helper()
	var doc struct {
		TotalTT   float64 `json:"total_tt"`
		Functions []struct {
			jsonFunc
			Callers []jsonFunc `json:"callers"`
		} `json:"functions"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	if total && doc.TotalTT != want.TotalTT {
		t.Errorf("total_tt %v, pstats has %v", doc.TotalTT, want.TotalTT)
	}
	if len(doc.Functions) != len(want.Functions) {
		t.Fatalf("%d functions, pstats has %d", len(doc.Functions), len(want.Functions))
	}
	type key struct {
		file string
		line int
		name string
	}
	byKey := map[key]int{}
	for i, f := range doc.Functions {
		byKey[key{f.File, f.Line, f.Name}] = i
	}
	for _, w := range want.Functions {
		i, ok := byKey[key{w.File.S, w.Line, w.Name.S}]
		if !ok {
			t.Errorf("%s:%d(%s) missing", w.File.S, w.Line, w.Name.S)
			continue
		}
		g := doc.Functions[i]
		if g.PCalls != w.CC || g.NCalls != w.NC || g.TotTime == nil || *g.TotTime != w.TT || g.CumTime == nil || *g.CumTime != w.CT {
			t.Errorf("%s:%d(%s): %+v, pstats has %+v", w.File.S, w.Line, w.Name.S, g.jsonFunc, w)
		}
		if len(g.Callers) != len(w.Callers) {
			t.Errorf("%s:%d(%s): %d callers, pstats has %d", w.File.S, w.Line, w.Name.S, len(g.Callers), len(w.Callers))
			continue
		}
		for j, wc := range w.Callers {
			c := g.Callers[j]
			if c.File != wc.File.S || c.Line != wc.Line || c.Name != wc.Name.S || c.PCalls != wc.CC || c.NCalls != wc.NC {
				t.Errorf("caller %+v, pstats has %+v", c, wc)
			}
			if wc.CountOnly != (c.TotTime == nil) || !wc.CountOnly && (*c.TotTime != wc.TT || *c.CumTime != wc.CT) {
				t.Errorf("caller times %+v, pstats has %+v", c, wc)
			}
		}
	}
}
