package pyrepr

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"hpp/internal/pyfind"
)

// reprScript prints Python's repr of each input line: "s HEX" is a str
// given by its UTF-8 bytes (a lone surrogate encoded as marshal writes
// it, any other bad byte as surrogateescape reads it), "b HEX" bytes,
// "f TEXT" a float.
const reprScript = `
import codecs, sys
def bad(e):
    b = bytearray(e.object[e.start:e.start+3])
    if len(b) == 3 and b[0] == 0xed and 0xa0 <= b[1] <= 0xbf and 0x80 <= b[2] <= 0xbf:
        return (chr((b[0] & 15) << 12 | (b[1] & 63) << 6 | (b[2] & 63)), e.start + 3)
    return (chr(0xdc00 + bytearray(e.object[e.start:e.start+1])[0]), e.start + 1)
codecs.register_error('hpp', bad)
for line in sys.stdin:
    kind, arg = line.rstrip('\n').split(' ', 1)
    if kind == 's':
        v = bytes.fromhex(arg).decode('utf-8', 'hpp')
    elif kind == 'b':
        v = bytes.fromhex(arg)
    else:
        v = float(arg)
    sys.stdout.buffer.write(repr(v).encode('utf-8') + b'\n')
`

var trickyStrs = []string{
	"", "plain", "it's", `say "hi"`, `both ' and "`, `back\slash`, "\\'", "tab\tnl\ncr\r",
	"\x00\x01\x1b[2J\x1f\x7f", "\u0080\u009f\u00a0\u00ad\u00e9", "漢字 😀", "\u0301e\u0301",
	"\u200b\u200e\u2028\u2029\u202e\u3000\ufeff", "\ue000\uf8ff", "\u0378\ufffe\uffff", "\U0010ffff\U000e0001",
	"\ufffd", "\xff", "a\xc3", "\xed\xa0\x80", "\xed\xbf\xbf x", "\xf4\x90\x80\x80", "end\xe2\x80",
}

var trickyBytes = []string{"", "plain", "it's", `both ' and "`, "\\", "\t\n\r\x00\x1f\x7f\x80\xff", "é"}

var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1.0 / 3, 1e-4, 9.999e-5, 1e-5, 1e15, 1e16, 9999999999999998,
	123456789.125, 1e22, 1e300, 5e-324, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}

func TestReprMatchesPython(t *testing.T) {
	strs := append([]string(nil), trickyStrs...)
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "'", `"`, "\\", "\n", "\x00", "\x7f", "\u00a0", "é", "\u200b", "😀", "\xff", "\xed\xa0\x80", "\xe2\x80"}
	for range 2000 {
		var s string
		for range r.IntN(8) {
			s += alphabet[r.IntN(len(alphabet))]
		}
		strs = append(strs, s)
	}
	floats := append([]float64(nil), trickyFloats...)
	for range 2000 {
		floats = append(floats, math.Float64frombits(r.Uint64()))
	}
	var in bytes.Buffer
	var want []string // what our code writes, in input order
	for _, s := range strs {
		fmt.Fprintf(&in, "s %x\n", s)
		want = append(want, Str(s))
	}
	for _, s := range trickyBytes {
		fmt.Fprintf(&in, "b %x\n", s)
		want = append(want, Bytes(s))
	}
	for _, f := range floats {
		fmt.Fprintf(&in, "f %s\n", strconv.FormatFloat(f, 'g', -1, 64))
		want = append(want, Float(f))
	}
	pys := map[string]string{"debian": pyfind.Debian}
	for _, v := range []string{"3.6", "3.8", "3.10", "3.12", "3.13"} {
		if py := pyfind.Pyenv(v); py != "" {
			pys[v] = py
		} else {
			t.Logf("pyenv Python %s is not installed: skipped", v)
		}
	}
	for name, py := range pys {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(py, "-c", reprScript)
			cmd.Stdin = bytes.NewReader(in.Bytes())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", py, err, stderr.Bytes())
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			if len(got) != len(want) {
				t.Fatalf("%s printed %d lines for %d values", py, len(got), len(want))
			}
			lines := strings.Split(in.String(), "\n")
			bad := 0
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s: Python's repr %s, ours %s", lines[i], got[i], want[i])
					if bad++; bad > 20 {
						t.FailNow()
					}
				}
			}
		})
	}
}
