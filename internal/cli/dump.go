package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"hpp/internal/procmem"
	"hpp/internal/sampler"
)

var dumpCommand = &Command{
	Name:      "dump",
	UsageLine: "dump -p PID [--json]",
	Short:     "print every thread's Python stack of a running process, once",
	Long: `Dump reads the Python stacks of a running process from its memory, from
outside: the target is neither stopped nor changed, and needs no
preparation. Each thread shows its id, its native (kernel) id and name,
whether it holds the GIL, and whether it is running or idle; then its
frames, innermost first, as function (file:line). Functions are named
by their qualified name (Class.method) on Python 3.11 and later.

It reads CPython 3.6 to 3.13, in containers and chroots too (binaries
are read through /proc/PID/root). Reading another process's memory
needs the right to ptrace it: run as the target's user or as root.

Exit codes beyond the usual: 3 when the process does not exist or may
not be read, 4 when it is not a Python that hpp can read.

Examples:
  hpp dump -p 1234
  hpp dump -p 1234 --json | jq '.threads[] | select(.gil)'`,
	Setup: func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		pid := fs.Int("p", 0, "the `PID` of the Python process")
		fs.IntVar(pid, "pid", 0, "the `PID` of the Python process (same as -p)")
		asJSON := fs.Bool("json", false, "write the stacks as JSON")
		return func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return Usagef("dump: unexpected argument %q (see: hpp help dump)", args[0])
			}
			if *pid <= 0 {
				return Usagef("dump: name the process with -p PID (see: hpp help dump)")
			}
			return runDump(env.Stdout, *pid, *asJSON)
		}
	},
}

// dumpDoc is the JSON form of hpp dump.
type dumpDoc struct {
	PID     int              `json:"pid"`
	Command string           `json:"command,omitempty"`
	Python  string           `json:"python"`
	Binary  string           `json:"binary"`
	Threads []sampler.Thread `json:"threads"`
}

func runDump(w io.Writer, pid int, asJSON bool) error {
	t, err := sampler.Attach(pid)
	if err != nil {
		return dumpError(pid, err)
	}
	threads, err := t.Dump()
	if err != nil {
		return dumpError(pid, err)
	}
	doc := dumpDoc{PID: pid, Command: cmdline(pid), Python: t.Version, Binary: t.Binary, Threads: threads}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Process %d: %s\nPython %s (%s)\n", pid, doc.Command, doc.Python, doc.Binary)
	// Before 3.14 every thread has the process's name; show a name only
	// where it says something.
	procName := ""
	if len(threads) > 0 {
		procName = threads[0].Name
	}
	for i, th := range threads {
		fmt.Fprintf(&b, "\nThread %#x", th.ID)
		var attrs []string
		if th.NativeID != 0 {
			attrs = append(attrs, fmt.Sprintf("native %d", th.NativeID))
		}
		if th.State != "" {
			attrs = append(attrs, th.State)
		}
		if th.GIL {
			attrs = append(attrs, "holds the GIL")
		}
		if th.GILWait {
			attrs = append(attrs, "waiting for the GIL")
		}
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(attrs, ", "))
		}
		if th.Name != "" && (i == 0 || th.Name != procName) {
			fmt.Fprintf(&b, " %q", th.Name)
		}
		b.WriteString("\n")
		if th.Err != "" {
			fmt.Fprintf(&b, "    (stack not readable: %s)\n", th.Err)
		}
		for _, f := range th.Frames {
			if f.Line > 0 {
				fmt.Fprintf(&b, "    %s (%s:%d)\n", f.Name, f.File, f.Line)
			} else {
				fmt.Fprintf(&b, "    %s (%s)\n", f.Name, f.File)
			}
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// dumpError gives each way of failing its exit code.
func dumpError(pid int, err error) error {
	var gone *procmem.GoneError
	var perm *procmem.PermissionError
	var notPy *sampler.NotPythonError
	var unsup *sampler.UnsupportedError
	switch {
	case errors.As(err, &gone), errors.As(err, &perm):
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("dump: %v", err)}
	case errors.As(err, &notPy), errors.As(err, &unsup):
		return &Error{Code: ExitBadInput, Err: fmt.Errorf("dump: %v", err)}
	}
	return &Error{Code: ExitFailure, Err: fmt.Errorf("dump: process %d: %v", pid, err)}
}

// cmdline returns the target's command line, arguments joined by spaces.
func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}
