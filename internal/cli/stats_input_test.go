package cli_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"hpp/internal/cli"
	"hpp/internal/pstats/pstatstest"
)

// m builds marshal bytes by hand for the hostile cases.
type m []byte

func (b m) b(bs ...byte) m { return append(b, bs...) }
func (b m) s(s string) m   { return append(b, s...) }
func (b m) i32(n int32) m  { return binary.LittleEndian.AppendUint32(b, uint32(n)) }
func (b m) str(s string) m { return append(b.b('z', byte(len(s))), s...) }
func (b m) int(n int32) m  { return b.b('i').i32(n) }
func (b m) flt(f float64) m {
	return b.b('g').s(string(binary.LittleEndian.AppendUint64(nil, mathBits(f))))
}
func (b m) key(name string) m { return b.b(')', 3).str("f.py").int(1).str(name) }

// entry is a well-formed (cc, nc, tt, ct, {}) value.
func (b m) entry() m { return b.b(')', 5).int(1).int(1).flt(0.5).flt(0.5).b('{', '0') }

// statsRun runs `hpp stats ARGS...` through cli.Main.
func statsRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(context.Background(), append([]string{"stats"}, args...), &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// TestStatsBadInput gives hpp stats broken, hostile and wrong files: each
// must fail with its documented exit code and a one-line error naming the
// file (and for a malformed file the byte offset), quickly and without
// allocating much.
func TestStatsBadInput(t *testing.T) {
	dir := t.TempDir()
	deep := m{}
	for i := 0; i < 100000; i++ {
		deep = deep.b('[').i32(1)
	}
	// A name built from back-references to tuples that each hold the
	// previous one twice: its full repr would be 2^40 items long.
	dag := m{'{', ')', 3, ')' | 0x80, 2, 'N', 'N'}
	for i := 0; i < 40; i++ {
		dag = dag.b(')'|0x80, 2, 'r').i32(int32(i)).b('r').i32(int32(i))
	}
	dag = dag.int(1).str("f").entry().b('0')
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 4096)
	rng.Read(random)
	random[0] = '{' // get past the first byte, into the decoder

	malformed := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"list-not-dict", m{'['}.i32(2).str("a").str("b")},
		{"no-functions", m{'{', '0'}},
		{"key-is-string", m{'{'}.str("fib").entry().b('0')},
		{"key-two-items", m{'{', ')', 2}.str("f.py").int(1).entry().b('0')},
		{"line-is-float", m{'{', ')', 3}.str("f.py").flt(1).str("f").entry().b('0')},
		{"entry-four-items", m{'{'}.key("f").b(')', 4).int(1).int(1).flt(0).flt(0).b('0')},
		{"entry-is-list", m{'{'}.key("f").b('[').i32(0).b('0')},
		{"count-is-string", m{'{'}.key("f").b(')', 5).str("x").int(1).flt(0).flt(0).b('{', '0', '0')},
		{"time-is-string", m{'{'}.key("f").b(')', 5).int(1).int(1).str("x").flt(0).b('{', '0', '0')},
		{"callers-is-list", m{'{'}.key("f").b(')', 5).int(1).int(1).flt(0).flt(0).b('[').i32(0).b('0')},
		{"caller-three-numbers", m{'{'}.key("f").b(')', 5).int(1).int(1).flt(0).flt(0).b('{').key("g").b(')', 3).int(1).int(1).flt(0).b('0', '0')},
		{"caller-is-string", m{'{'}.key("f").b(')', 5).int(1).int(1).flt(0).flt(0).b('{').key("g").str("x").b('0', '0')},
		{"negative-tuple-length", m{'{', '('}.i32(-1).b('0')},
		{"negative-string-length", m{'{', ')', 3, 'u'}.i32(-5).s("abc")},
		{"huge-tuple-length", append(m{'{', '('}.i32(1<<31-1), make([]byte, 90)...)},
		{"huge-list", append(m{'['}.i32(-1<<31), make([]byte, 95)...)},
		{"huge-string", append(m{'{', ')', 3, 'u'}.i32(1<<31-1), make([]byte, 90)...)},
		{"huge-long", append(m{'{', ')', 3, 'l'}.i32(1<<31-1), make([]byte, 90)...)},
		{"bad-reference", m{'{', 'r'}.i32(7)},
		{"reference-to-self", m{'{', '(' | 0x80}.i32(1).b('r').i32(0)},
		{"unknown-type", m{'{', 0x01}},
		{"deep-nesting", deep},
		{"exponential-name", dag},
		{"random-bytes", random},
		{"json", []byte(`{"total_tt": 1}`)},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}},
		{"pyc", pyc(t, dir)},
		{"python-source", []byte("import sys\n\ndef main():\n    print('café', sys.argv)\n")},
	}
	for _, c := range malformed {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".prof")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			checkFails(t, path, len(c.data), cli.ExitBadInput)
			if len(c.data) <= 512 {
				checkMemory(t, path)
			}
		})
	}
	t.Run("missing", func(t *testing.T) { checkFails(t, filepath.Join(dir, "nope.prof"), -1, cli.ExitNoInput) })
	t.Run("directory", func(t *testing.T) { checkFails(t, dir, -1, cli.ExitNoInput) })
	t.Run("truncated", func(t *testing.T) {
		// Small real files (marshal versions 2 and 4), cut at every byte.
		for _, src := range []string{"py2.7.18/tiny.prof", "debian-python3/tiny.prof"} {
			data, err := os.ReadFile(filepath.Join(pstatstest.CorpusDir(t), src))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "cut.prof")
			for n := 0; n < len(data); n++ {
				if err := os.WriteFile(path, data[:n], 0o644); err != nil {
					t.Fatal(err)
				}
				if !checkFails(t, path, n, cli.ExitBadInput) {
					t.Fatalf("cut at byte %d of %s", n, src)
				}
			}
			if code, _, stderr := statsRun(t, filepath.Join(pstatstest.CorpusDir(t), src)); code != 0 {
				t.Errorf("the whole %s: exit code %d: %s", src, code, stderr)
			}
		}
	})
}

var offsetRE = regexp.MustCompile(`byte (\d+): `)

// checkFails runs hpp stats on path and checks the exit code and error
// line. size is the file's length (-1 when there is no file to point in).
func checkFails(t *testing.T, path string, size, wantCode int) bool {
	t.Helper()
	start := time.Now()
	code, stdout, stderr := statsRun(t, path)
	ok := true
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v, want under a second", d)
		ok = false
	}
	if code != wantCode {
		t.Errorf("exit code %d, want %d; stderr: %s", code, wantCode, stderr)
		return false
	}
	if stdout != "" {
		t.Errorf("wrote to stdout: %q", stdout)
		ok = false
	}
	if !strings.HasPrefix(stderr, "hpp: "+path+": ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("error %q is not one line starting with hpp: %s: ", stderr, path)
		ok = false
	}
	if wantCode == cli.ExitBadInput {
		mm := offsetRE.FindStringSubmatch(stderr)
		if mm == nil {
			t.Errorf("error %q gives no byte offset", stderr)
			return false
		}
		if off, _ := strconv.Atoi(mm[1]); off > size {
			t.Errorf("error %q points past the end of a %d-byte file", stderr, size)
			ok = false
		}
	}
	return ok
}

// checkMemory checks that reading a small hostile file allocates little.
func checkMemory(t *testing.T, path string) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	statsRun(t, path)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("reading a %s allocated %d bytes, want under 1 MiB", path, n)
	}
}

// pyc compiles a module with Debian's python3 and returns the .pyc bytes.
func pyc(t *testing.T, dir string) []byte {
	t.Helper()
	src := filepath.Join(dir, "mod.py")
	if err := os.WriteFile(src, []byte("def f():\n    return 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "mod.pyc")
	cmd := exec.Command("/usr/bin/python3", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], sys.argv[2], doraise=True)", src, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 py_compile: %v\n%s (apt-get install python3)", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mathBits(f float64) uint64 { return math.Float64bits(f) }
