package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestHelpListsEveryCommand: hpp help lists each command once, in the
// table's order, each has its own help, and the README documents each.
func TestHelpListsEveryCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"help"}, &Env{Stdout: &stdout, Stderr: &stderr}); code != 0 {
		t.Fatalf("hpp help: exit %d", code)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, c := range commands {
		line := "\n  " + c.Name + " "
		at := strings.Index(stdout.String(), line)
		if at < 0 || strings.Count(stdout.String(), line) != 1 || at < last {
			t.Errorf("hpp help lists %q at %d (after %d), want once, in order", c.Name, at, last)
		}
		last = at
		var h bytes.Buffer
		if code := Main(context.Background(), []string{"help", c.Name}, &Env{Stdout: &h, Stderr: &h}); code != 0 || !strings.HasPrefix(h.String(), "Usage: hpp "+c.Name) {
			t.Errorf("hpp help %s: exit %d, %q", c.Name, code, h.String())
		}
		if !bytes.Contains(readme, []byte("### hpp "+c.Name+" ")) {
			t.Errorf("README.md has no section for hpp %s", c.Name)
		}
	}
}

// TestStatsLeavesGCAlone: the collector switch is main's; a test (or any
// caller) running hpp stats in-process keeps its own setting.
func TestStatsLeavesGCAlone(t *testing.T) {
	in := filepath.Join("..", "export", "testdata", "recursion.prof")
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"stats", in}, &Env{Stdout: &stdout, Stderr: &stderr}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("hpp stats changed GC percent to %d", got)
	}
	if !Lookup("stats").KeepsHeap {
		t.Error("stats should ask main to turn the collector off")
	}
}

// TestFlagMessages: errors about a flag's value name the flag once.
func TestFlagMessages(t *testing.T) {
	in := filepath.Join("..", "export", "testdata", "recursion.prof")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"stats", "--limit", "-1", in}, "hpp: --limit: a count must not be negative: -1\n"},
		{[]string{"stats", "--limit", "x", in}, `hpp: --limit: want a count such as 30 or a fraction such as 0.1: "x"` + "\n"},
		{[]string{"stats", "--filter", "(", in}, `hpp: --filter: not a regular expression (Go syntax): "(": error parsing regexp: missing closing ): ` + "`(`\n"},
		{[]string{"stats", "--sort", "bogus", in}, `hpp: --sort: unknown sort key "bogus"`},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), tc.args, &Env{Stdout: &stdout, Stderr: &stderr})
		if code != ExitUsage || !strings.HasPrefix(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
