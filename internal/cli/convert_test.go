package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hpp/internal/pstats"
)

func TestConvertCommand(t *testing.T) {
	in := filepath.Join("..", "export", "testdata", "recursion.prof")
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		out    string // file that must exist afterwards
		stderr string // text the error must contain
	}{
		{"format from name", []string{"convert", "-o", filepath.Join(dir, "r.prof"), in}, ExitOK, "r.prof", ""},
		{"folded to stdout", []string{"convert", "--to", "collapsed", in}, ExitOK, "", ""},
		{"unknown extension", []string{"convert", "-o", filepath.Join(dir, "r.txt"), in}, ExitUsage, "", "cannot tell the format"},
		{"unknown format", []string{"convert", "--to", "png", in}, ExitUsage, "", "unknown format"},
		{"no format", []string{"convert", in}, ExitUsage, "", "--to"},
		{"bad regex", []string{"convert", "--to", "dot", "--focus", "(", in}, ExitUsage, "", "--focus"},
		{"bad fraction", []string{"convert", "--to", "dot", "--node-fraction", "2", in}, ExitUsage, "", "fraction"},
		{"missing input", []string{"convert", "--to", "dot", filepath.Join(dir, "none.prof")}, ExitNoInput, "", "no such file"},
		{"not a profile", []string{"convert", "--to", "dot", "convert_test.go"}, ExitBadInput, "", "not a readable profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tc.args, &Env{Stdout: &stdout, Stderr: &stderr})
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.stderr)
			}
			if tc.out != "" {
				// The pstats output must read back as the same profile.
				p, err := pstats.ReadFile(filepath.Join(dir, tc.out))
				if err != nil {
					t.Fatal(err)
				}
				q, _ := pstats.ReadFile(in)
				if p.NumListed != q.NumListed || p.TotalTT != q.TotalTT {
					t.Errorf("read back %d functions, %v s; want %d, %v", p.NumListed, p.TotalTT, q.NumListed, q.TotalTT)
				}
			}
			if tc.name == "folded to stdout" && !strings.Contains(stdout.String(), ";fib ") {
				t.Errorf("no folded stacks on stdout: %q", stdout.String())
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("temporary file left behind: %s", e.Name())
				}
			}
		})
	}
}
