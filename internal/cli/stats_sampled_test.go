package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hpp/internal/hppfile"
	"hpp/internal/profile"
)

// writeHpp writes p as an hpp file in a test directory.
func writeHpp(t *testing.T, p *profile.Profile) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.hpp")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := hppfile.Write(f, p, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

func runHpp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	code := Main(t.Context(), args, &Env{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// TestStatsSampled: counts worked out by hand for a small sampled profile:
// main calls work (GIL held) 3 times and waits once (idle) on another
// thread; a hostile thread name is escaped.
func TestStatsSampled(t *testing.T) {
	p := &profile.Profile{
		Funcs: []profile.Function{
			{Func: profile.Func{File: "/app/m.py", Line: 1, Name: "main"}},
			{Func: profile.Func{File: "/app/m.py", Line: 5, Name: "work"}},
			{Func: profile.Func{File: "/app/m.py", Line: 9, Name: "wait"}},
		},
		Samples: &profile.SampleSet{Unit: "samples", PeriodNS: 10_000_000, Mode: "wall",
			Threads: []profile.Thread{{ID: 11, Name: "MainThread"}, {ID: 12, Name: "evil\x1b[2J"}}},
	}
	main, work, wait := profile.Frame{Func: 0, Line: 2}, profile.Frame{Func: 1, Line: 6}, profile.Frame{Func: 2, Line: 10}
	p.Samples.Samples = []profile.Sample{
		{Stack: []profile.Frame{work, main}, Weight: 2, Thread: 0, GIL: true},
		{Stack: []profile.Frame{work, main}, Weight: 1, Thread: 0, GIL: true},
		{Stack: []profile.Frame{wait, main}, Weight: 1, Thread: 1, Idle: true},
	}
	path := writeHpp(t, p)
	code, out, errs := runHpp(t, "stats", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"sampled: 4 samples at 100 Hz, wall mode, 2 threads",
		"Ordered by: total samples",
		// own own% total total% | GIL noGIL wait idle
		"         0   0.0%        4 100.0%      75.0%     0.0%     0.0%    25.0%  /app/m.py:1(main)",
		"         3  75.0%        3  75.0%     100.0%     0.0%     0.0%     0.0%  /app/m.py:5(work)",
		"         1  25.0%        1  25.0%       0.0%     0.0%     0.0%   100.0%  /app/m.py:9(wait)",
		"         3  75.0%     100.0%     0.0%     0.0%     0.0%  MainThread (11)",
		`         1  25.0%       0.0%     0.0%     0.0%   100.0%  evil\x1b[2J (12)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape reached the output")
	}
	// Sorted by own samples, limited to one row: work.
	_, out, _ = runHpp(t, "stats", "--sort", "own", "--limit", "1", path)
	if !regexp.MustCompile(`(?s)List reduced from 3 to 1.*m.py:5\(work\)`).MatchString(out) || strings.Contains(out, "(main)") {
		t.Errorf("--sort own --limit 1:\n%s", out)
	}
	// --sort none: the profile's order (main, work, wait).
	_, out, _ = runHpp(t, "stats", "--sort", "none", path)
	if !regexp.MustCompile(`(?s)function order.*\(main\).*\(work\).*\(wait\)`).MatchString(out) {
		t.Errorf("--sort none:\n%s", out)
	}
	// Calls are not samples.
	if code, _, errs := runHpp(t, "stats", "--sort", "ncalls", path); code != ExitUsage || !strings.Contains(errs, "counts samples, not calls") {
		t.Errorf("--sort ncalls: exit %d, %q", code, errs)
	}
	// --lines: the hottest line first, its text from the embedded source.
	p.Files = []profile.SourceFile{{Path: "/app/m.py", Text: []byte("def main():\n    work()\n\n\ndef work():\n    x = sum(range(9))\n")}}
	code, out, errs = runHpp(t, "stats", "--lines", writeHpp(t, p))
	if code != 0 {
		t.Fatalf("--lines: exit %d: %s", code, errs)
	}
	rows := regexp.MustCompile(`(?m)^\s+\d.*$`).FindAllString(out, -1)
	if len(rows) != 3 || !strings.Contains(rows[0], "75.0%   75.0%         3         3  /app/m.py:6 (work)  x = sum(range(9))") ||
		!strings.Contains(rows[2], "0.0%  100.0%         0         4  /app/m.py:2 (main)  work()") {
		t.Errorf("--lines:\n%s", out)
	}
}

// TestStatsLinesCProfile: a cProfile profile has no lines; one line says
// so and what to do.
func TestStatsLinesCProfile(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/pstats/*/cprofile.prof")
	if len(files) == 0 {
		t.Skip("no pstats corpus")
	}
	code, _, errs := runHpp(t, "stats", "--lines", files[0])
	if code != ExitBadInput || !strings.Contains(errs, "cProfile records no lines; record with hpp record") || strings.Count(errs, "\n") != 1 {
		t.Errorf("exit %d: %q", code, errs)
	}
}

// TestStatsLinesLive: a target with one hot line in a ten-line function
// (hot: a call into C takes most of each turn of the loop; with only a
// few bytecodes on it, the loop's own jump on line 8 took 11% of the
// samples on a loaded machine),
// recorded from outside: at least 90% of the function's own samples are
// on that line, and --lines lists it first, with its text (from the
// source embedded at record time: the file is gone when stats runs).
func TestStatsLinesLive(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "hot.py")
	src := `import sys

def ten_lines():
    total = 0
    for i in range(10):
        total += i
    data = list(range(100))
    while True:
        total = (total * 3 + sum(range(200))) % 1000003  # the hot line
    return total, data

print("ready", flush=True)
ten_lines()
`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, stdout := startPython(t, script)
	waitReady(stdout)
	time.Sleep(100 * time.Millisecond)
	out := filepath.Join(dir, "rec.hpp")
	if code, _, errs := runHpp(t, "record", "-p", strconv.Itoa(cmd.Process.Pid), "-r", "200", "-d", "1", "-o", out); code != 0 {
		t.Fatalf("record: exit %d: %s", code, errs)
	}
	os.Remove(script)
	p, _, err := hppfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var own, onLine int64
	lines := map[int32]int64{}
	for _, s := range p.Samples.Samples {
		if len(s.Stack) > 0 && p.Funcs[s.Stack[0].Func].Name == "ten_lines" {
			own += s.Weight
			lines[s.Stack[0].Line] += s.Weight
			if s.Stack[0].Line == 9 {
				onLine += s.Weight
			}
		}
	}
	if own < 20 || float64(onLine) < 0.9*float64(own) {
		t.Errorf("%d of ten_lines' %d own samples on line 9, want at least 90%%; by line %v", onLine, own, lines)
	}
	code, rep, errs := runHpp(t, "stats", "--lines", out)
	if code != 0 {
		t.Fatalf("stats --lines: exit %d: %s", code, errs)
	}
	first := regexp.MustCompile(`(?m)^\s+\d.*$`).FindString(rep)
	if !strings.Contains(first, script+":9 (ten_lines)  total = (total * 3 + sum(range(200))) % 1000003  # the hot line") {
		t.Errorf("first line %q in\n%s", first, rep)
	}
}

// TestRecordSourcesAfterExit: a target that exits while recorded still
// has its sources embedded (record holds its root open from the start).
func TestRecordSourcesAfterExit(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "brief.py")
	src := "import time\n\ndef busy(end):\n    while time.time() < end:\n        pass\n\nprint('ready', flush=True)\nbusy(time.time() + 1.5)\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, stdout := startPython(t, script)
	waitReady(stdout)
	out := filepath.Join(dir, "rec.hpp")
	code, _, errs := runHpp(t, "record", "-p", strconv.Itoa(cmd.Process.Pid), "-r", "100", "-o", out)
	if code != 0 || !strings.Contains(errs, "the process exited") {
		t.Fatalf("record: exit %d: %s", code, errs)
	}
	p, _, err := hppfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || p.Files[0].Path != script || string(p.Files[0].Text) != src {
		t.Errorf("embedded files %+v, want %s", p.Files, script)
	}
}

// TestStatsBadHpp: broken hpp files exit 4 with one line naming the file;
// a newer major version says to update hpp.
func TestStatsBadHpp(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ data, want string }{
		"garbled.hpp": {hppfile.Magic + "\x01\x00garbage", "not gzip"},
		"newer.hpp":   {hppfile.Magic + "\x07\x00", "format version 7.0 is newer than this hpp reads (1.x); use a newer hpp"},
		"short.hpp":   {hppfile.Magic + "\x01", "truncated"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"stats", "convert"} {
			code, _, errs := runHpp(t, cmd, "--to", "pprof", path)
			if cmd == "stats" {
				code, _, errs = runHpp(t, cmd, path)
			}
			if code != ExitBadInput || !strings.HasPrefix(errs, "hpp: "+path+": not a readable hpp profile: ") ||
				!strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
				t.Errorf("%s %s: exit %d, %q", cmd, name, code, errs)
			}
		}
	}
}

// TestStatsLinesChroot: a target in another root (Debian unstable's
// Python in /var/cache/hpp/sid, as in a container): record embeds the
// chroot's file, not the host's at the same path, and --lines shows it.
func TestStatsLinesChroot(t *testing.T) {
	const root = "/var/cache/hpp/sid"
	if os.Getuid() != 0 {
		t.Skip("chroot needs root")
	}
	if _, err := os.Stat(root + "/usr/bin/python3.14"); err != nil {
		t.Skip("no python3.14 in " + root + ": run scripts/sid-chroot")
	}
	inRoot, err := os.MkdirTemp(root+"/tmp", "hpp-lines-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inRoot) })
	os.Chmod(inRoot, 0o755)
	script := strings.TrimPrefix(inRoot, root) + "/hot.py"
	src := "import time\n\ndef spin():\n    while True:\n        x = 1  # in the chroot\n\nprint('ready', flush=True)\nspin()\n"
	if err := os.WriteFile(root+script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, stdout := startCmd(t, "chroot", root, "python3.14", script)
	waitReady(stdout)
	out := filepath.Join(t.TempDir(), "rec.hpp")
	if code, _, errs := runHpp(t, "record", "-p", strconv.Itoa(cmd.Process.Pid), "-r", "100", "-d", "0.5", "-o", out); code != 0 {
		t.Fatalf("record: exit %d: %s", code, errs)
	}
	_, rep, errs := runHpp(t, "stats", "--lines", out)
	first := regexp.MustCompile(`(?m)^\s+\d.*$`).FindString(rep)
	if !strings.Contains(first, script+":5 (spin)  x = 1  # in the chroot") {
		t.Errorf("first line %q in\n%s%s", first, rep, errs)
	}
}
