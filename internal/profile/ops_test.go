package profile_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/pyfind"
)

// opsScript writes small pstats files and prints, as JSON, what Python's
// own pstats makes of merging them (Stats(a, b, ...)) and of strip_dirs:
// each function in dict order with its numbers and its callers in order.
const opsScript = `
import json, marshal, os, pstats, sys
d = sys.argv[1]
x = ('/p/x.py', 1, 'x'); y = ('/p/y.py', 2, 'y'); z = ('/p/z.py', 3, 'z')
ka = ('/a/k.py', 5, 'k'); kb = ('/b/k.py', 5, 'k'); ma = ('/a/m.py', 7, 'm'); mb = ('/b/m.py', 7, 'm')
files = {
    # y is only a caller in a, listed in b: it takes its place in b's order.
    'a': {x: (1, 1, 0.5, 1.0, {y: (1, 1, 0.5, 1.0)})},
    'b': {z: (1, 1, 0.25, 0.25, {x: (1, 1, 0.25, 0.25)}), y: (2, 3, 0.125, 0.125, {})},
    'c': {y: (1, 1, 0.0625, 0.0625, {x: (4, 4, 0.03125, 0.03125)}), ma: (1, 1, 1.0, 1.0, {})},
    # Every tuple differs: marshal would write a shared one as a
    # back-reference, which this test is not about.
    # strip_dirs: ma and mb become one function; ka and kb one caller.
    's': {ma: (1, 1, 0.5, 0.5, {ka: (5, 5, 0.5, 0.5), x: (6, 6, 0.25, 0.25), kb: (2, 2, 0.125, 0.125)}),
          x: (1, 1, 0.75, 0.75, {}),
          mb: (3, 3, 0.0625, 0.0625, {kb: (4, 4, 0.03125, 0.03125), y: (7, 7, 0.5, 0.5)})},
}
for name, stats in files.items():
    with open(os.path.join(d, name + '.prof'), 'wb') as f:
        marshal.dump(stats, f)
def dump(s):
    return [[list(k), list(v[:4]), [list(c) + list(cv) for c, cv in v[4].items()]] for k, v in s.stats.items()]
p = lambda *names: [os.path.join(d, n + '.prof') for n in names]
print(json.dumps({
    'ab': dump(pstats.Stats(*p('a', 'b'))),
    'abc': dump(pstats.Stats(*p('a', 'b', 'c'))),
    'strip': dump(pstats.Stats(*p('s')).strip_dirs()),
}))
`

func TestMergeAndStripDirsMatchPstats(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command(pyfind.Debian, "-c", opsScript, dir).Output()
	if err != nil {
		t.Fatalf("%s: %v", pyfind.Debian, err)
	}
	var want map[string][][3]json.RawMessage
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	read := func(names ...string) []*profile.Profile {
		var ps []*profile.Profile
		for _, n := range names {
			p, err := pstats.ReadFile(filepath.Join(dir, n+".prof"))
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		return ps
	}
	for name, got := range map[string]*profile.Profile{
		"ab":    profile.Merge(read("a", "b")...),
		"abc":   profile.Merge(read("a", "b", "c")...),
		"strip": read("s")[0].StripDirs(),
	} {
		if g, w := dump(t, got), dumpJSON(t, want[name]); g != w {
			t.Errorf("%s:\n got %s\nwant %s (Python's pstats)", name, g, w)
		}
	}
}

// dump writes p's listed functions as opsScript does.
func dump(t *testing.T, p *profile.Profile) string {
	var rows []any
	for _, f := range p.Listed() {
		var callers []any
		for _, e := range f.Callers {
			c := p.Funcs[e.Caller]
			callers = append(callers, []any{c.File, c.Line, c.Name, e.PCalls, e.NCalls, e.TotTime, e.CumTime})
		}
		if callers == nil {
			callers = []any{}
		}
		rows = append(rows, []any{[]any{f.File, f.Line, f.Name}, []any{f.PCalls, f.NCalls, f.TotTime, f.CumTime}, callers})
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func dumpJSON(t *testing.T, v any) string {
	var rows any
	b, _ := json.Marshal(v)
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(rows)
	return string(b)
}

// Sampled stacks follow their functions through Merge's and StripDirs'
// renumbering: each frame still names the function it named before.
func TestMergeKeepsSampledFrames(t *testing.T) {
	sampled := func(names ...string) *profile.Profile {
		b := profile.NewBuilder(len(names))
		var st []profile.Frame
		for _, n := range names {
			st = append(st, profile.Frame{Func: b.Func(profile.Func{File: "/d/" + n + ".py", Line: 1, Name: n})})
		}
		// One listed function, named last, so that listing reorders ids.
		b.Entry(st[len(st)-1].Func, profile.Stats{NCalls: 1, PCalls: 1}, nil)
		p := b.Profile()
		p.Samples = &profile.SampleSet{Unit: "samples", Samples: []profile.Sample{{Stack: nil, Weight: 1, Thread: -1}}}
		// Frames were numbered before Profile moved the listed one first.
		for _, n := range names {
			for i := range p.Funcs {
				if p.Funcs[i].Name == n {
					p.Samples.Samples[0].Stack = append(p.Samples.Samples[0].Stack, profile.Frame{Func: profile.FuncID(i)})
				}
			}
		}
		return p
	}
	names := func(p *profile.Profile, s profile.Sample) []string {
		var out []string
		for _, fr := range s.Stack {
			out = append(out, p.Funcs[fr.Func].Name)
		}
		return out
	}
	m := profile.Merge(sampled("a", "b", "c"), sampled("d", "c", "b", "e"), sampled("f", "a"))
	// Merge takes the first profile, then the others in reverse order.
	want := [][]string{{"a", "b", "c"}, {"f", "a"}, {"d", "c", "b", "e"}}
	for i, s := range m.Samples.Samples {
		if got := names(m, s); !slices.Equal(got, want[i]) {
			t.Errorf("merged sample %d: %v, want %v", i, got, want[i])
		}
	}
	s := sampled("x", "y", "z").StripDirs()
	if got := names(s, s.Samples.Samples[0]); !slices.Equal(got, []string{"x", "y", "z"}) {
		t.Errorf("stripped sample: %v, want [x y z]", got)
	}
}
