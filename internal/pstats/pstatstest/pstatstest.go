// Package pstatstest finds the installed Python interpreters and loads what
// their own pstats module read from a profile, so that tests can hold hpp's
// reading against Python's.
package pstatstest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/pyfind"
)

// Interpreter is one Python the tests run.
type Interpreter struct {
	Label   string // "py3.11.7" or "debian-python3": the corpus directory name
	Minor   string // "3.11": the minor version
	Path    string // empty when this pyenv version is not installed
	Python2 bool
}

// pyenvMinors are the Python versions whose files hpp must read: 2.7 and
// every 3.x from 3.6 to the newest.
var pyenvMinors = []string{"2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"}

// Interpreters lists a pyenv interpreter for each of pyenvMinors
// (Path empty when not installed) and Debian's python3, which must exist.
func Interpreters(t testing.TB) []Interpreter {
	t.Helper()
	root := pyfind.PyenvRoot()
	var out []Interpreter
	for _, m := range pyenvMinors {
		it := Interpreter{Label: "py" + m, Minor: m, Python2: m == "2.7"}
		dirs, _ := filepath.Glob(filepath.Join(root, "versions", m+".*"))
		for _, d := range dirs {
			if py := filepath.Join(d, "bin", "python"); isExec(py) {
				it.Label, it.Path = "py"+filepath.Base(d), py
			}
		}
		out = append(out, it)
	}
	const debian = "/usr/bin/python3"
	if !isExec(debian) {
		t.Fatalf("%s is missing: apt-get install python3 (Debian's python3 is always tested)", debian)
	}
	return append(out, Interpreter{Label: "debian-python3", Minor: "3", Path: debian})
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// CorpusDir is testdata/pstats at the module root.
func CorpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "pstats")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("cannot find the module root (go.mod) above the test's directory")
		}
		dir = parent
	}
}

// CorpusDirs lists the corpus directories made by make.sh, one per
// interpreter, each holding *.prof and expect.json.gz.
func CorpusDirs(t testing.TB) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(CorpusDir(t), "*", "expect.json.gz"))
	if len(dirs) < 10 {
		t.Fatalf("found %d corpus directories under %s, want one per interpreter (run testdata/pstats/make.sh)", len(dirs), CorpusDir(t))
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

// Generate profiles the corpus workloads with py into dir, small, and
// writes py's pstats expectations next to them.
func Generate(t testing.TB, py, dir string) {
	t.Helper()
	corpusPy(t, py, "gen", dir, "small")
	corpusPy(t, py, "expect", dir)
}

// Expectations writes dir/expect.json.gz: what py's pstats reads from
// the profiles in dir.
func Expectations(t testing.TB, py, dir string) {
	t.Helper()
	corpusPy(t, py, "expect", dir)
}

func corpusPy(t testing.TB, py string, args ...string) {
	t.Helper()
	script := filepath.Join(CorpusDir(t), "corpus.py")
	{
		args := append([]string{script}, args...)
		cmd := exec.Command(py, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s", py, strings.Join(args, " "), err, stderr.Bytes())
		}
	}
}

// Name is a file or function name as Python's pstats holds it. Names that
// were not strings keep their repr and co_name.
type Name struct {
	S      string
	NonStr bool
	CoName string
}

func (n *Name) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &n.S)
	}
	var o struct {
		Repr   string  `json:"repr"`
		CoName *string `json:"co_name"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	n.NonStr, n.S = true, o.Repr
	if o.CoName != nil {
		n.CoName = *o.CoName
	}
	return nil
}

// Matches reports whether hpp's name s stands for n: equal for a string,
// and for another object a string that keeps its co_name.
func (n Name) Matches(s string) bool {
	if !n.NonStr {
		return n.S == s
	}
	return n.CoName != "" && strings.Contains(s, n.CoName)
}

// Func is one function entry as pstats holds it.
type Func struct {
	File, Name Name
	Line       int
	CC, NC     int64
	TT, CT     float64
	Callers    []Caller
}

// Caller is one entry of a function's callers dict.
type Caller struct {
	File, Name Name
	Line       int
	NC, CC     int64
	TT, CT     float64
	CountOnly  bool // the profile module's bare count
}

func (f *Func) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 8 {
		return fmt.Errorf("function entry of %d items", len(raw))
	}
	var raws [][]json.RawMessage
	err := firstErr(json.Unmarshal(raw[0], &f.File), json.Unmarshal(raw[1], &f.Line), json.Unmarshal(raw[2], &f.Name),
		json.Unmarshal(raw[3], &f.CC), json.Unmarshal(raw[4], &f.NC), json.Unmarshal(raw[5], &f.TT),
		json.Unmarshal(raw[6], &f.CT), json.Unmarshal(raw[7], &raws))
	if err != nil {
		return err
	}
	for _, r := range raws {
		var c Caller
		if err := firstErr(json.Unmarshal(r[0], &c.File), json.Unmarshal(r[1], &c.Line), json.Unmarshal(r[2], &c.Name)); err != nil {
			return err
		}
		switch len(r) {
		case 4:
			c.CountOnly = true
			err = json.Unmarshal(r[3], &c.NC)
			c.CC = c.NC
		case 7:
			err = firstErr(json.Unmarshal(r[3], &c.NC), json.Unmarshal(r[4], &c.CC), json.Unmarshal(r[5], &c.TT), json.Unmarshal(r[6], &c.CT))
		default:
			err = fmt.Errorf("caller entry of %d items", len(r))
		}
		if err != nil {
			return err
		}
		f.Callers = append(f.Callers, c)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// View is one printed report: print_stats, print_callers or print_callees
// after sort_stats(Sort...) with restrictions.
type View struct {
	Kind     string              `json:"kind"`
	Sort     []string            `json:"sort"`
	Restrict []map[string]string `json:"restrict"`
	Text     string              `json:"text"`
}

// Stats is what pstats.Stats(*Inputs) holds.
type Stats struct {
	Inputs     []string         `json:"inputs"`
	TotalTT    float64          `json:"total_tt"`
	TotalCalls int64            `json:"total_calls"`
	PrimCalls  int64            `json:"prim_calls"`
	Functions  []Func           `json:"functions"`
	Orders     map[string][]int `json:"orders"` // sort keys joined by "," -> indexes into Functions
	Views      []View           `json:"views"`
}

// Expect is one expect.json.gz.
type Expect struct {
	Python string            `json:"python"`
	Files  map[string]*Stats `json:"files"`
	Merge  []*Stats          `json:"merge"`
	Strip  *Stats            `json:"strip"`
}

// Python2 reports whether a Python 2 wrote the expectations: its dicts
// iterate in hash order, so only numbers can be compared.
func (e *Expect) Python2() bool { return strings.HasPrefix(e.Python, "2.") }

// Load reads dir/expect.json.gz.
func Load(t testing.TB, dir string) *Expect {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expect.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var e Expect
	if err := json.NewDecoder(zr).Decode(&e); err != nil {
		t.Fatalf("%s/expect.json.gz: %v", dir, err)
	}
	return &e
}

// CheckNumbers compares p with what pstats held, function by function
// and edge by edge, exactly. With ordered, functions and callers must
// also come in pstats' dict order.
func CheckNumbers(t testing.TB, p *profile.Profile, want *Stats, ordered bool) {
	t.Helper()
	if p.NumListed != len(want.Functions) {
		t.Errorf("%d functions, pstats has %d", p.NumListed, len(want.Functions))
		return
	}
	byKey := map[profile.Func]profile.FuncID{}
	for i := range p.Funcs[:p.NumListed] {
		byKey[p.Funcs[i].Func] = profile.FuncID(i)
	}
	find := func(file Name, line int, name Name) (profile.FuncID, bool) {
		if !file.NonStr && !name.NonStr {
			id, ok := byKey[profile.Func{File: file.S, Line: line, Name: name.S}]
			return id, ok
		}
		for i := range p.Funcs {
			f := p.Funcs[i].Func
			if f.Line == line && file.Matches(f.File) && name.Matches(f.Name) {
				return profile.FuncID(i), true
			}
		}
		return 0, false
	}
	errs := 0
	fail := func(format string, args ...any) {
		if errs++; errs <= 10 {
			t.Errorf(format, args...)
		}
	}
	for i, w := range want.Functions {
		id, ok := find(w.File, w.Line, w.Name)
		if !ok {
			fail("function %s:%d(%s) (pstats' #%d) is missing", w.File.S, w.Line, w.Name.S, i)
			continue
		}
		if ordered && int(id) != i {
			fail("function %s:%d(%s) is #%d, pstats has it #%d", w.File.S, w.Line, w.Name.S, id, i)
		}
		g := &p.Funcs[id]
		if g.PCalls != w.CC || g.NCalls != w.NC || g.TotTime != w.TT || g.CumTime != w.CT {
			fail("%s: got cc=%d nc=%d tt=%v ct=%v, pstats has cc=%d nc=%d tt=%v ct=%v",
				g.Func, g.PCalls, g.NCalls, g.TotTime, g.CumTime, w.CC, w.NC, w.TT, w.CT)
		}
		if len(g.Callers) != len(w.Callers) {
			fail("%s: %d callers, pstats has %d", g.Func, len(g.Callers), len(w.Callers))
			continue
		}
		pos := map[profile.FuncID]int{}
		for j, e := range g.Callers {
			pos[e.Caller] = j
		}
		for j, wc := range w.Callers {
			cid, ok := find(wc.File, wc.Line, wc.Name)
			k, ok2 := pos[cid]
			if !ok || !ok2 {
				fail("%s: caller %s:%d(%s) is missing", g.Func, wc.File.S, wc.Line, wc.Name.S)
				continue
			}
			if ordered && k != j {
				fail("%s: caller %s is #%d, pstats has it #%d", g.Func, p.Funcs[cid].Func, k, j)
			}
			e := g.Callers[k]
			if e.CountOnly != wc.CountOnly || e.NCalls != wc.NC || e.PCalls != wc.CC || e.TotTime != wc.TT || e.CumTime != wc.CT {
				fail("%s <- %s: got %+v, pstats has nc=%d cc=%d tt=%v ct=%v count-only=%v",
					g.Func, p.Funcs[cid].Func, e, wc.NC, wc.CC, wc.TT, wc.CT, wc.CountOnly)
			}
		}
	}
	if nc, pc := p.Totals(); nc != want.TotalCalls || pc != want.PrimCalls {
		t.Errorf("totals %d calls (%d primitive), pstats has %d (%d)", nc, pc, want.TotalCalls, want.PrimCalls)
	}
	// Python 2 sums total_tt in hash order, so the last bits may differ.
	if ordered && p.TotalTT != want.TotalTT || !ordered && !close(p.TotalTT, want.TotalTT) {
		t.Errorf("total_tt %v, pstats has %v", p.TotalTT, want.TotalTT)
	}
}

func close(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-12*max(a, b, -a, -b)
}

// CheckDir compares hpp's reading of dir's profiles with exp, the
// expectations of the interpreter that wrote them: each file, the
// pstats.Stats(a, b, c) merges, and strip_dirs.
func CheckDir(t *testing.T, dir string, exp *Expect) {
	t.Helper()
	ordered := !exp.Python2()
	if len(exp.Files) < 7 {
		t.Errorf("%s: expectations for only %d files", dir, len(exp.Files))
	}
	for name, want := range exp.Files {
		t.Run(name, func(t *testing.T) {
			CheckNumbers(t, Read(t, dir, name), want, ordered)
		})
	}
	for i, want := range exp.Merge {
		t.Run(fmt.Sprint("merge", i), func(t *testing.T) {
			var ps []*profile.Profile
			for _, in := range want.Inputs {
				ps = append(ps, Read(t, dir, in))
			}
			CheckNumbers(t, profile.Merge(ps...), want, ordered)
		})
	}
	t.Run("strip_dirs", func(t *testing.T) {
		CheckNumbers(t, Read(t, dir, exp.Strip.Inputs[0]).StripDirs(), exp.Strip, ordered)
	})
}

// Read reads dir/name with hpp's reader.
func Read(t testing.TB, dir, name string) *profile.Profile {
	t.Helper()
	p, err := pstats.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FirstDiff shows the first line where hpp's text differs from pstats'.
func FirstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  hpp:    %q\n  pstats: %q", i+1, gl, wl)
		}
	}
	return "(equal?)"
}

// largeScript writes, with marshal as pstats.dump_stats does, the stats
// of N functions with two callers each (about 190 bytes a function).
const largeScript = `
import marshal, sys
n = int(sys.argv[1])
st = {}
for i in range(n):
    key = ("/src/mod%d.py" % (i // 500), i, "func_%d" % i)
    callers = {("/src/mod%d.py" % (j // 500), j, "func_%d" % j): (2, 2, 0.001 * j, 0.002 * j) for j in (i // 2, i // 3)}
    st[key] = (3, 3, 0.01 * i, 0.02 * i, callers)
with open(sys.argv[2], "wb") as f:
    marshal.dump(st, f)
`

// WriteLarge writes a pstats file of n functions to path with Debian's
// python3, in a second or two for 100k functions.
func WriteLarge(t testing.TB, path string, n int) {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-c", largeScript, fmt.Sprint(n), path).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 writing a large profile: %v\n%s", err, out)
	}
}
