package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"hpp/internal/extbuild"
)

var buildCommand = &Command{
	Name:         "build",
	UsageLine:    "build [-o DIR] [--python PY] [--name NAME] PACKAGE... | build --wheel [-o DIR] [--python PY] [PROJECT]",
	Short:        "build a Go package into a Python extension module that runs on every core",
	Interspersed: true,
	Long: `Build turns an ordinary Go package into an importable CPython extension
module. Mark each function to export with a //hpp:export line in its doc
comment; its parameters and results may be ints, floats, bools, strings,
and slices ([]float64, []float32, []int64, []int32, []uint8,
[]complex128) that view numpy arrays, array.array, bytearray or
memoryview buffers without copying, and pyext.Array[float64] (and the
other element types) for arrays of any dimension and strides, also as
results (pyext.NewArray), which Python receives as numpy arrays. A
returned error or a panic becomes a Python exception, the GIL is
released while Go runs (//hpp:export holdgil keeps it), and
pyext.ParallelFor spreads loops over every core.

For CPython 3.11 and later the module uses the stable ABI (NAME.abi3.so,
one file for 3.11 and every later version); for 3.8 to 3.10 it is built
for that version. Several packages make one module (--name is then
required): one Go runtime per process is all Go supports. Building needs
the go command, a C compiler (apt-get install gcc) and the Python headers
(apt-get install python3-dev).

Each build also writes the module's type stub, NAME.pyi, next to it.

With --wheel, build reads PROJECT/pyproject.toml (default: the current
directory) and writes a wheel into DIR (default dist): its [project]
table gives the name, version, description, requires-python and readme;
[tool.hpp] may list the Go packages (packages = ["./go"], default the
project directory) and the module name (module = "name"). The wheel's
path is printed on stdout. A pyproject.toml whose [build-system] names
the backend in examples/goext/wheel/hpp_backend.py (copied next to it)
installs with pip install --no-build-isolation .

Examples:
  hpp build ./fib                         # writes fib.abi3.so here
  hpp build -o build --python python3.10 ./fib
  hpp build --name goext ./fib ./julia
  hpp build --wheel -o dist .             # dist/NAME-VERSION-cp311-abi3-manylinux_2_34_x86_64.whl`,
	Setup: setup((*buildOptions).flags, runBuild),
}

type buildOptions struct {
	out, python, name string
	keep, wheel       bool
}

func (o *buildOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.out, "o", "", "write the module into `DIR` (default: ., and dist with --wheel)")
	fs.StringVar(&o.python, "python", "python3", "build for the Python interpreter `PY` (a name on PATH or a path)")
	fs.StringVar(&o.name, "name", "", "name the module `NAME` (default: the package name)")
	fs.BoolVar(&o.keep, "keep", false, "keep the generated build directory (to read the glue code)")
	fs.BoolVar(&o.wheel, "wheel", false, "build a wheel of the project in PROJECT (default .) from its pyproject.toml")
}

// runBuild is hpp build: check the package directories, then build.
func runBuild(ctx context.Context, env *Env, o *buildOptions, args []string) error {
	if o.wheel {
		return runWheel(ctx, env, o, args)
	}
	if len(args) == 0 {
		return Usagef("build: name a Go package directory (try: hpp build ./mypkg)")
	}
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: no such package directory", a)}
		}
		if !fi.IsDir() {
			return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: is a file; name the package's directory", a)}
		}
	}
	if o.out == "" {
		o.out = "."
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return &Error{Code: ExitFailure, Err: err}
	}
	so, err := extbuild.Build(ctx, extbuild.Options{Dirs: args, Name: o.name, Python: o.python, OutDir: o.out,
		Stderr: env.Stderr, Keep: o.keep})
	var ie *extbuild.InputError
	var te *extbuild.ToolError
	switch {
	case errors.As(err, &ie):
		return &Error{Code: ExitBadInput, Err: err}
	case errors.As(err, &te):
		return &Error{Code: ExitNoTool, Err: err}
	case err != nil:
		return &Error{Code: ExitFailure, Err: err}
	}
	fmt.Fprintf(env.Stderr, "hpp: wrote %s\n", so)
	return nil
}

// buildError gives an extbuild error its exit code.
func buildError(err error) error {
	var ie *extbuild.InputError
	var te *extbuild.ToolError
	switch {
	case errors.As(err, &ie):
		return &Error{Code: ExitBadInput, Err: err}
	case errors.As(err, &te):
		return &Error{Code: ExitNoTool, Err: err}
	}
	return &Error{Code: ExitFailure, Err: err}
}

// runWheel is hpp build --wheel: a wheel of one project, its path on stdout.
func runWheel(ctx context.Context, env *Env, o *buildOptions, args []string) error {
	if len(args) > 1 {
		return Usagef("build --wheel: name one project directory (the one holding pyproject.toml)")
	}
	project := "."
	if len(args) == 1 {
		project = args[0]
	}
	if fi, err := os.Stat(project); err != nil || !fi.IsDir() {
		return &Error{Code: ExitNoInput, Err: fmt.Errorf("%s: no such project directory", project)}
	}
	out := o.out
	if out == "" {
		out = "dist"
	}
	whl, err := extbuild.BuildWheel(ctx, extbuild.WheelOptions{Project: project, Name: o.name, Python: o.python, OutDir: out, Stderr: env.Stderr})
	if err != nil {
		return buildError(err)
	}
	fmt.Fprintln(env.Stdout, whl)
	return nil
}
