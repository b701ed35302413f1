package report_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"unicode"
	"unicode/utf8"

	"hpp/internal/profile"
	"hpp/internal/pstats"
	"hpp/internal/pstats/pstatstest"
	"hpp/internal/report"
)

// evilScript profiles functions whose file and names hold terminal
// controls, then prints pstats' three reports twice: as pstats prints
// them (*-pipe.txt), and with every name passed through an escape that
// Python itself defines (*-tty.txt): the characters whose Unicode
// category (unicodedata) is Cc, Cf, Zl or Zp, written as repr writes them.
const evilScript = `import cProfile, pstats, sys, unicodedata
out = sys.argv[1]
EVIL = "\x1b[2J\x1b]0;owned\x07\r\x00\x7f\x9b\u202e\u2066\u200b\ufeff\U000e0041\u2028\t\nend"

ns = {}
exec(compile("def f(n):\n    return sum(range(n))\n", "evil\x1b[2J\u202e.py", "exec"), ns)
f = ns["f"]
# compile refuses a NUL in the file name; a code object takes one.
f.__code__ = f.__code__.replace(co_name="f" + EVIL, co_filename="evil" + EVIL + ".py")
def g():
    for i in range(3):
        f(10)
g.__code__ = g.__code__.replace(co_name="g\u202egnp.exe")
def main():
    g()
    f(5)

cProfile.run("main()", out + "/evil.prof")

def esc(s):
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in s)

plain = pstats.func_std_string
for mode in ("pipe", "tty"):
    pstats.func_std_string = plain if mode == "pipe" else (lambda func: esc(plain(func)))
    for kind in ("stats", "callers", "callees"):
        with open("%s/%s-%s.txt" % (out, kind, mode), "w", encoding="utf-8", newline="") as w:
            s = pstats.Stats(out + "/evil.prof", stream=w).sort_stats("cumulative")
            getattr(s, "print_" + kind)()
`

// TestTerminalNames: printed for a terminal, names that hold ESC, CR,
// NUL, C1 controls, bidi overrides, zero-width and tag characters show
// them as escapes, in the layout pstats gives the escaped names; printed
// for a file or pipe, the report is pstats' exact bytes.
func TestTerminalNames(t *testing.T) {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Fatal("/usr/bin/python3 not found: apt-get install python3 (scripts/setup installs it)")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "evil.py")
	if err := os.WriteFile(script, []byte(evilScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, script, dir).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", py, err, out)
	}
	p, err := pstats.ReadFile(filepath.Join(dir, "evil.prof"))
	if err != nil {
		t.Fatal(err)
	}
	order, err := report.ParseOrder([]string{"cumulative"})
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]func(*bytes.Buffer, *profile.Profile, report.Options) error{
		"stats": func(b *bytes.Buffer, p *profile.Profile, o report.Options) error {
			return report.Stats(b, p, report.Select(p, o))
		},
		"callers": func(b *bytes.Buffer, p *profile.Profile, o report.Options) error {
			return report.Callers(b, p, report.Select(p, o))
		},
		"callees": func(b *bytes.Buffer, p *profile.Profile, o report.Options) error {
			return report.Callees(b, p, report.Select(p, o))
		},
	}
	for kind, view := range views {
		for _, mode := range []string{"pipe", "tty"} {
			t.Run(kind+"-"+mode, func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(dir, kind+"-"+mode+".txt"))
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				if err := view(&b, p, report.Options{Order: order, Terminal: mode == "tty"}); err != nil {
					t.Fatal(err)
				}
				if got := b.String(); got != string(want) {
					t.Errorf("differs from pstats':\n%s", pstatstest.FirstDiff(got, string(want)))
				}
				if mode == "pipe" {
					if !bytes.Contains(want, []byte("\x1b[2J")) || !bytes.Contains(want, []byte("\u202e")) {
						t.Fatal("the profile's names lost their controls: the test tests nothing")
					}
					return
				}
				if bad := undrawn(b.Bytes()); bad != "" {
					t.Errorf("a terminal would obey %s", bad)
				}
				for _, esc := range []string{`\x1b[2J`, `\x1b]0;owned\x07\r\x00\x7f\x9b`, `\u202e\u2066\u200b\ufeff\U000e0041\u2028\t\nend`, `g\u202egnp.exe`} {
					if !bytes.Contains(b.Bytes(), []byte(esc)) {
						t.Errorf("no %s in the terminal's report", esc)
					}
				}
			})
		}
	}
}

// undrawn names the first character in b, besides the line ends, that a
// terminal would act on rather than draw.
func undrawn(b []byte) string {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			return "an invalid UTF-8 byte"
		case r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'):
			return "U+" + string("0123456789ABCDEF"[r>>12&15]) + string("0123456789ABCDEF"[r>>8&15]) + string("0123456789ABCDEF"[r>>4&15]) + string("0123456789ABCDEF"[r&15])
		}
		b = b[n:]
	}
	return ""
}

func TestTerminal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"fib.py:3(fib)", "fib.py:3(fib)"},
		{`C:\Users\x1b\fib.py`, `C:\Users\x1b\fib.py`}, // backslashes stay
		{"café 日本 😀", "café 日本 😀"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"\x00\x07\x08\t\n\v\f\r\x1f\x7f", `\x00\x07\x08\t\n\x0b\x0c\r\x1f\x7f`},
		{"\u0080\u009b\u009f\u00a0\u00ad", "\\x80\\x9b\\x9f\u00a0\\xad"},
		{"\u200b\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\ufeff", `\u200b\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\ufeff`},
		{"\U000e0001\U000e0068\U000e007f", `\U000e0001\U000e0068\U000e007f`},
		{"bad\xff\xc3utf8", `bad\xff\xc3utf8`},
	} {
		if got := report.Terminal(tc.in); got != tc.want {
			t.Errorf("Terminal(%+q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
