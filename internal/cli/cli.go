// Package cli is hpp's command table: each command's usage, flags and Run
// function, the help text, and the mapping from errors to exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"hpp/internal/pstats"
)

// Exit codes, documented in `hpp help`.
const (
	ExitOK       = 0
	ExitFailure  = 1 // something else went wrong (writing output, a server error)
	ExitUsage    = 2 // wrong flags or arguments
	ExitNoInput  = 3 // an input file is missing, unreadable or a directory
	ExitBadInput = 4 // an input file is malformed: truncated, garbled, not a profile
	ExitNoTool   = 5 // a needed program (python, a browser) cannot be run
)

const exitCodesHelp = `Exit codes:
  0  success (hpp run, and record or top given a SCRIPT: the program's
     own exit status is passed through)
  1  failure while working (writing output, a server error)
  2  usage error: unknown command or flag, wrong arguments
  3  an input file is missing, unreadable, or a directory
  4  an input file is malformed: empty, truncated, garbled, or not a profile
  5  a needed program cannot be run (python interpreter, browser)
`

// Env is what a command may touch: its standard streams. (The context
// passed beside it ends when the caller wants the command to stop.)
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Command is one hpp subcommand.
type Command struct {
	Name      string
	UsageLine string // after "hpp "
	Short     string
	Long      string
	// Setup declares the command's flags on fs, into an options value of
	// its own, and returns the function that runs the command with them
	// and the remaining arguments. Each command's setup is
	// setup(declare, runX), where runX does the work.
	Setup func(fs *flag.FlagSet) func(ctx context.Context, env *Env, args []string) error
	// Interspersed allows flags after positional arguments (hpp stats
	// FILE --sort time); commands that run a script keep it false so that
	// flags after the script name belong to the script.
	Interspersed bool
	// StopAfter names flags after whose value parsing stops, as with
	// hpp run -m MODULE ARGS...: what follows belongs to the program.
	StopAfter []string
	// KeepsHeap says that the command keeps nearly everything it
	// allocates (a report of a whole profile), so that the garbage
	// collector only costs time; main turns it off for such a command.
	KeepsHeap bool
}

// commands are hpp's commands, in the order help lists them.
var commands = []*Command{
	runCommand,
	statsCommand,
	viewCommand,
	convertCommand,
	recordCommand,
	topCommand,
	dumpCommand,
	machineCommand,
	buildCommand,
	labCommand,
}

// Lookup returns the command called name, or nil.
func Lookup(name string) *Command {
	for _, c := range commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setup makes a Command's Setup from a command's options type O: declare
// puts O's flags on the flag set, and run does the work with them.
func setup[O any](declare func(*O, *flag.FlagSet), run func(context.Context, *Env, *O, []string) error) func(*flag.FlagSet) func(context.Context, *Env, []string) error {
	return func(fs *flag.FlagSet) func(context.Context, *Env, []string) error {
		o := new(O)
		declare(o, fs)
		return func(ctx context.Context, env *Env, args []string) error { return run(ctx, env, o, args) }
	}
}

// Error is an error with an exit code. Its message is printed after "hpp: ".
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Usagef returns a usage error.
func Usagef(format string, args ...any) error {
	return &Error{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// ExitStatus asks main to exit with Code without printing anything; hpp
// run uses it to pass the program's status through.
type ExitStatus struct{ Code int }

func (e ExitStatus) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// inputError classifies an error from reading an input profile.
func inputError(path string, err error) error {
	var fe *pstats.FormatError
	switch {
	case errors.As(err, &fe):
		return &Error{Code: ExitBadInput, Err: fmt.Errorf("%s: not a readable profile: %v", path, fe)}
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: no such file (check the path)", path)}
	case errors.Is(err, pstats.ErrIsDir):
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: is a directory; name a .prof file in it", path)}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: permission denied", path)}
	case errors.Is(err, syscall.EISDIR):
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: is a directory; name a .prof file in it", path)}
	}
	return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: %v", path, err)}
}

// Main runs hpp with args (without the program name) and returns the exit
// code. It never calls os.Exit.
func Main(ctx context.Context, args []string, env *Env) int {
	err := run(ctx, args, env)
	if err == nil {
		return ExitOK
	}
	var st ExitStatus
	if errors.As(err, &st) {
		return st.Code
	}
	fmt.Fprintf(env.Stderr, "hpp: %v\n", err)
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailure
}

func run(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 {
		usage(env.Stderr)
		return &Error{Code: ExitUsage, Err: errors.New("no command given (try: hpp help)")}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			c := Lookup(args[1])
			if c == nil {
				return Usagef("unknown command %q (try: hpp help)", args[1])
			}
			commandHelp(env.Stdout, c)
			return nil
		}
		usage(env.Stdout)
		return nil
	case "version", "--version":
		fmt.Fprintln(env.Stdout, "hpp", Version)
		return nil
	}
	c := Lookup(name)
	if c == nil {
		return Usagef("unknown command %q (try: hpp help)", name)
	}
	fs := flag.NewFlagSet("hpp "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runFn := c.Setup(fs)
	var rest []string
	var err error
	if len(c.StopAfter) > 0 {
		flags, tail := splitAfter(fs, args[1:], c.StopAfter)
		if rest, err = parseFlags(fs, flags, false); err == nil {
			rest = append(rest, tail...)
		}
	} else {
		rest, err = parseFlags(fs, args[1:], c.Interspersed)
	}
	if errors.Is(err, flag.ErrHelp) {
		commandHelp(env.Stdout, c)
		return nil
	}
	if err != nil {
		return Usagef("%s: %v (see: hpp help %s)", c.Name, err, c.Name)
	}
	return runFn(ctx, env, rest)
}

// parseFlags parses flags, and with interspersed set, also those that
// follow positional arguments ("--" ends flags either way).
func parseFlags(fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	if !interspersed {
		err := fs.Parse(args)
		return fs.Args(), err
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at a positional argument, or after consuming "--".
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// splitAfter splits args after the value of the first flag named in stop
// (and otherwise leaves them whole), using fs to tell which flags take
// values.
func splitAfter(fs *flag.FlagSet, args []string, stop []string) (flags, tail []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			return args, nil
		}
		name := strings.TrimLeft(a, "-")
		hasValue := strings.Contains(name, "=")
		name, _, _ = strings.Cut(name, "=")
		f := fs.Lookup(name)
		if f == nil {
			return args, nil // let the parser report it
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && bf.IsBoolFlag()) {
			i++ // the value
		}
		for _, s := range stop {
			if s == name {
				if i+1 > len(args) {
					return args, nil
				}
				return args[:i+1], args[i+1:]
			}
		}
	}
	return args, nil
}

// Version is set at build time with -ldflags "-X hpp/internal/cli.Version=...".
var Version = "devel"

func usage(w io.Writer) {
	fmt.Fprint(w, "hpp makes Python programs fast: profile them, read the profile, measure the machine.\n\nUsage:\n  hpp <command> [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Short)
	}
	fmt.Fprint(w, "\nRun 'hpp help <command>' for a command's flags.\n\n"+exitCodesHelp)
}

func commandHelp(w io.Writer, c *Command) {
	fmt.Fprintf(w, "Usage: hpp %s\n\n%s\n", c.UsageLine, strings.TrimSpace(c.Long))
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	c.Setup(fs)
	var has bool
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	fmt.Fprint(w, "\n"+exitCodesHelp)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && terminal(f)
}

// multiFlag is a flag that may be repeated.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
