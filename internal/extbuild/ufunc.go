package extbuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A ufunc (//hpp:export ufunc) is a scalar Go function that numpy applies
// element by element: numpy broadcasts, casts, buffers and handles out=
// and where=, and calls a C loop per run of elements (the whole array
// when it is contiguous, 8192 elements at a time when numpy buffers). The
// C loop makes one cgo call per run, never one per element; the Go side
// loops over the run with the scalar function inlined, spread over every
// core when the run is long (ufuncParallel).

// ufuncElem is what one numpy dtype is in each language.
type ufuncElem struct {
	npy  string // numpy's type number, for the loop's type signature
	char string // numpy's type character, for messages
	size int
}

// ufuncElems are the Go types a ufunc's parameters and results may have:
// those whose memory numpy and Go lay out alike (bool is read and written
// as a byte, since numpy's may hold other values than 0 and 1).
var ufuncElems = map[string]ufuncElem{
	"float64": {"NPY_DOUBLE", "d", 8},
	"float32": {"NPY_FLOAT", "f", 4},
	"int64":   {"NPY_INT64", "l", 8},
	"int":     {"NPY_INT64", "l", 8},
	"int32":   {"NPY_INT32", "i", 4},
	"bool":    {"NPY_BOOL", "?", 1},
}

// ufuncParallel is the run length from which a loop is spread over every
// core with pyext.ParallelFor: numpy's buffered runs (8192 elements) of
// a function that takes a few nanoseconds an element last tens of
// microseconds, well above the pool's microsecond fan-out.
const ufuncParallel = 4096

// ufuncOption applies one //hpp:export option that only ufuncs take; ok
// false if o is not one.
func ufuncOption(fn *Func, o string) (ok bool, err error) {
	k, v, _ := strings.Cut(o, "=")
	switch {
	case o == "ufunc":
		fn.Ufunc = true
	case k == "identity":
		id, err := ufuncIdentity(v)
		if err != nil {
			return true, err
		}
		fn.Identity = id
	default:
		return false, nil
	}
	return true, nil
}

// ufuncIdentity checks an identity= value: a number (a Python int or
// float literal, inf and -inf included), or reorderable (no identity,
// but reduce may combine elements in any order and over several axes).
func ufuncIdentity(v string) (string, error) {
	switch v {
	case "reorderable":
		return v, nil
	case "inf", "+inf", "-inf":
		return v, nil
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return v, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXpP_nN") && f == f {
		return v, nil
	}
	return "", fmt.Errorf("identity=%s is not a number; give an int or float (identity=0, identity=1, identity=-inf) or identity=reorderable", v)
}

// checkUfunc refuses what a ufunc cannot be: its parameters and results
// must be numbers numpy has a dtype for, and it returns no error.
func checkUfunc(fn *Func, bad func(string, ...any) error) error {
	if !fn.Ufunc {
		if fn.Identity != "" {
			return bad("identity= is for ufuncs; add the option ufunc")
		}
		return nil
	}
	if fn.HoldGIL || fn.ReleaseGIL {
		return bad("a ufunc's loop always runs with the GIL released (numpy releases it); drop holdgil/releasegil")
	}
	for _, p := range fn.Params {
		if p.ReadOnly {
			return bad("readonly= is for slices; a ufunc takes scalars")
		}
	}
	if len(fn.Params) == 0 {
		return bad("a ufunc needs at least one parameter")
	}
	if len(fn.Params)+len(fn.Results) > 32 {
		return bad("a ufunc has at most 32 parameters and results (numpy's limit)")
	}
	for _, p := range fn.Params {
		if _, ok := ufuncElems[p.Type.Go]; !ok {
			return bad("ufunc parameter %s has type %s; a ufunc takes float64, float32, int64, int, int32 or bool", p.Name, p.Type.Go)
		}
	}
	if fn.Error {
		return bad("a ufunc cannot return an error (numpy's loops have no way to stop part-way); panic instead, which raises GoPanic")
	}
	if len(fn.Results) == 0 {
		return bad("a ufunc needs a result")
	}
	for _, r := range fn.Results {
		if _, ok := ufuncElems[r.Go]; !ok {
			return bad("ufunc result type %s; a ufunc returns float64, float32, int64, int, int32 or bool", r.Go)
		}
	}
	if fn.Identity != "" && (len(fn.Params) != 2 || len(fn.Results) != 1) {
		return bad("identity= is for reduce, which needs a function of two parameters and one result")
	}
	return nil
}

// ufuncTypes is a ufunc loop's type signature as numpy writes it: dd->d.
func ufuncTypes(f *Func) string {
	var in, out string
	for _, p := range f.Params {
		in += ufuncElems[p.Type.Go].char
	}
	for _, r := range f.Results {
		out += ufuncElems[r.Go].char
	}
	return in + "->" + out
}

// addLoop makes g, another function exported under f's Python name,
// a further loop of the ufunc f (one loop per type signature, as numpy's
// own ufuncs have), or says why it cannot be.
func addLoop(f, g *Func) error {
	bad := func(format string, args ...any) error {
		return inputErrorf("%s: %s: %s", g.Pos, g.GoName, fmt.Sprintf(format, args...))
	}
	if !f.Ufunc || !g.Ufunc {
		return bad("Python name %q is already used by %s; pick another with //hpp:export name=...", g.PyName, f.Pos)
	}
	if len(f.Params) != len(g.Params) || len(f.Results) != len(g.Results) {
		return bad("another loop of the ufunc %s (%s) must take %d parameters and return %d results, as %s does",
			g.PyName, ufuncTypes(g), len(f.Params), len(f.Results), f.Pos)
	}
	for _, h := range append([]*Func{f}, f.Loops...) {
		if ufuncTypes(h) == ufuncTypes(g) {
			return bad("the ufunc %s already has a loop %s (%s)", g.PyName, ufuncTypes(g), h.Pos)
		}
	}
	if g.Identity != "" && g.Identity != f.Identity {
		return bad("identity=%s differs from %s's identity=%s; give it once, on the first loop", g.Identity, f.Pos, f.Identity)
	}
	f.Loops = append(f.Loops, g)
	return nil
}

// HasUfuncs reports whether the module exports a ufunc, and so needs
// numpy's headers to build and numpy to import.
func (m *Module) HasUfuncs() bool {
	for _, p := range m.Packages {
		for _, f := range p.Funcs {
			if f.Ufunc {
				return true
			}
		}
	}
	return false
}

// numpyInclude asks the interpreter for numpy's C headers.
func numpyInclude(ctx context.Context, py *Python, names []string) (string, error) {
	out, err := exec.CommandContext(ctx, py.Exe, "-c", "import numpy; print(numpy.get_include())").CombinedOutput()
	dir := strings.TrimSpace(string(out))
	if err != nil {
		lines := strings.Split(dir, "\n")
		return "", &ToolError{fmt.Sprintf("the ufuncs %s need numpy's C headers, and %s cannot import numpy (%s): "+
			"install numpy for it (apt-get install python3-numpy, or pip install numpy)", strings.Join(names, ", "), py.Exe, lines[len(lines)-1])}
	}
	if _, err := os.Stat(filepath.Join(dir, "numpy", "ufuncobject.h")); err != nil {
		return "", &ToolError{fmt.Sprintf("the ufuncs %s need numpy's C headers, and %s has none (no numpy/ufuncobject.h in %s): "+
			"install numpy's development files (apt-get install python3-numpy)", strings.Join(names, ", "), py.Exe, dir)}
	}
	return dir, nil
}

func (m *Module) ufuncNames() []string {
	var names []string
	for _, p := range m.Packages {
		for _, f := range p.Funcs {
			if f.Ufunc {
				names = append(names, f.PyName)
			}
		}
	}
	return names
}

// ufuncLoops are the loops of the ufunc f in the order numpy tries them:
// numpy takes the first loop that the inputs cast to safely, so, as in
// its own ufuncs, narrower kinds come first (bool, int32, int64, float32,
// float64): int64 arrays then meet an int64 loop before a float64 one.
func ufuncLoops(f *Func) []*Func {
	loops := append([]*Func{f}, f.Loops...)
	rank := map[string]int{"bool": 0, "int32": 1, "int64": 2, "int": 2, "float32": 3, "float64": 4}
	sort.SliceStable(loops, func(i, j int) bool {
		for k := range loops[i].Params {
			a, b := rank[loops[i].Params[k].Type.Go], rank[loops[j].Params[k].Type.Go]
			if a != b {
				return a < b
			}
		}
		return false
	})
	return loops
}

func ufuncLoopName(pi, fi, li int) string { return fmt.Sprintf("hppuf_%d_%d_%d", pi, fi, li) }

// goUfunc writes the Go half of each loop of the ufunc f: an //export
// function that numpy's C loop calls once per run of n elements, with
// numpy's pointers and byte steps, and a loop over a chunk of the run.
// The chunk loop has a contiguous path, on slices whose bounds checks Go
// removes, and a strided one (broadcast scalars have step 0); in both
// the scalar function is a direct call Go can inline.
func (m *Module) goUfunc(b *bytes.Buffer, pi, fi int, f *Func) {
	for li, g := range ufuncLoops(f) {
		name := ufuncLoopName(pi, fi, li)
		nargs := len(g.Params) + len(g.Results)
		fmt.Fprintf(b, "\n//export %s\nfunc %s(args unsafe.Pointer, n C.longlong, steps unsafe.Pointer, errp **C.char) (st C.int) {\n", name, name)
		fmt.Fprintf(b, "\treturned := false\n\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\tst = hppPanic(r, errp)\n"+
			"\t\t} else if !returned {\n\t\t\thppGoexit(%q)\n\t\t}\n\t}()\n", m.Name+"."+f.PyName+"()")
		fmt.Fprintf(b, "\tp := unsafe.Slice((*unsafe.Pointer)(args), %d)\n\ts := unsafe.Slice((*int)(steps), %d)\n", nargs, nargs)
		var ptrs, stepArgs []string
		for k := range nargs {
			ptrs = append(ptrs, fmt.Sprintf("unsafe.Add(p[%d], lo*s[%d])", k, k))
			stepArgs = append(stepArgs, fmt.Sprintf("s[%d]", k))
		}
		fmt.Fprintf(b, "\terr := hppUfuncRun(int(n), p, s, %d, func(lo, hi int) {\n\t\t%s_chunk(%s, %s, hi-lo)\n\t})\n",
			len(g.Params), name, strings.Join(ptrs, ", "), strings.Join(stepArgs, ", "))
		b.WriteString("\treturned = true\n\tif err != nil {\n\t\treturn hppFail(err, errp)\n\t}\n\treturn C.HPP_OK\n}\n")

		// The chunk loop.
		var ps, ss []string
		for k := range nargs {
			ps = append(ps, fmt.Sprintf("a%d", k))
			ss = append(ss, fmt.Sprintf("s%d", k))
		}
		fmt.Fprintf(b, "\nfunc %s_chunk(%s unsafe.Pointer, %s int, n int) {\n", name, strings.Join(ps, ", "), strings.Join(ss, ", "))
		goType := func(k int) string {
			if k < len(g.Params) {
				return g.Params[k].Type.Go
			}
			return g.Results[k-len(g.Params)].Go
		}
		// Memory type: bool is a byte in numpy.
		memType := func(k int) string {
			if t := goType(k); t != "bool" {
				return t
			}
			return "uint8"
		}
		var contig []string
		for k := range nargs {
			contig = append(contig, fmt.Sprintf("s%d == %d", k, ufuncElems[goType(k)].size))
		}
		// Contiguous: slices, the inputs resliced to the output's length
		// so that Go drops the bounds checks.
		fmt.Fprintf(b, "\tif %s {\n", strings.Join(contig, " && "))
		for k := range nargs {
			fmt.Fprintf(b, "\t\tx%d := unsafe.Slice((*%s)(a%d), n)\n", k, memType(k), k)
		}
		first := len(g.Params) // the first result
		for k := range nargs {
			if k != first {
				fmt.Fprintf(b, "\t\tx%d = x%d[:len(x%d)]\n", k, k, first)
			}
		}
		fmt.Fprintf(b, "\t\tfor i := range x%d {\n", first)
		var in []string
		for k := range g.Params {
			in = append(in, ufuncRead(goType(k), fmt.Sprintf("x%d[i]", k)))
		}
		m.ufuncCall(b, "\t\t\t", pi, g, in, func(k int) string { return fmt.Sprintf("x%d[i]", k) })
		b.WriteString("\t\t}\n\t\treturn\n\t}\n")
		// Strided.
		b.WriteString("\tfor range n {\n")
		in = in[:0]
		for k := range g.Params {
			in = append(in, ufuncRead(goType(k), fmt.Sprintf("*(*%s)(a%d)", memType(k), k)))
		}
		m.ufuncCall(b, "\t\t", pi, g, in, func(k int) string { return fmt.Sprintf("*(*%s)(a%d)", memType(k), k) })
		for k := range nargs {
			fmt.Fprintf(b, "\t\ta%d = unsafe.Add(a%d, s%d)\n", k, k, k)
		}
		b.WriteString("\t}\n}\n")
	}
}

// ufuncRead converts an element as numpy stores it into the Go value.
func ufuncRead(goType, elem string) string {
	if goType == "bool" {
		return elem + " != 0"
	}
	return elem
}

// ufuncCall writes the call of g's scalar function on in and the stores
// of its results into dst(k), k counting parameters then results.
func (m *Module) ufuncCall(b *bytes.Buffer, indent string, pi int, g *Func, in []string, dst func(int) string) {
	call := fmt.Sprintf("p%d.%s(%s)", pi, g.GoName, strings.Join(in, ", "))
	np := len(g.Params)
	simple := len(g.Results) == 1 && g.Results[0].Go != "bool"
	if simple {
		fmt.Fprintf(b, "%s%s = %s\n", indent, dst(np), call)
		return
	}
	var vs []string
	for k := range g.Results {
		vs = append(vs, fmt.Sprintf("v%d", k))
	}
	fmt.Fprintf(b, "%s%s := %s\n", indent, strings.Join(vs, ", "), call)
	for k, r := range g.Results {
		if r.Go == "bool" {
			fmt.Fprintf(b, "%s%s = hppBool(v%d)\n", indent, dst(np+k), k)
		} else {
			fmt.Fprintf(b, "%s%s = v%d\n", indent, dst(np+k), k)
		}
	}
}

// ufuncGoHelpers are the Go glue's helpers for ufunc loops.
const ufuncGoHelpers = `
// hppUfuncRun runs a ufunc loop over the n elements at p (inputs, then
// outputs) with byte steps s: on this thread for a short run or one
// whose elements depend on each other, else over every core. numpy calls
// the loop with the GIL released (it holds it only for object dtypes,
// which hpp's loops never take), so the workers run beside Python's
// other threads.
func hppUfuncRun(n int, p []unsafe.Pointer, s []int, nin int, chunk func(lo, hi int)) error {
	if n < hppUfuncParallel || hppUfuncDependent(n, p, s, nin) {
		// In pieces, in order, to see Ctrl-C during a long run.
		for lo := 0; lo < n; lo += hppUfuncPiece {
			chunk(lo, min(n, lo+hppUfuncPiece))
			if pyext.Interrupted() {
				return pyext.ErrInterrupted
			}
		}
		return nil
	}
	return pyext.ParallelFor(n, chunk)
}

// hppUfuncPiece is how many elements a serial run computes between two
// looks at the Ctrl-C flag (an atomic load).
const hppUfuncPiece = 256

// hppUfuncDependent reports whether an element's result may depend on
// another element's: an output written more than once (step 0: reduce
// keeps its running value there), or an output that numpy also hands in
// at another place (accumulate reads each result back one step later as
// the next element's input; reduce's running value is input 0). Then the
// elements must be computed in order, on one thread. An output that is
// exactly an input (same place, same step: out= an input) is not a
// dependence: each element reads only itself. Spans are compared
// conservatively, with 8 bytes for every element.
func hppUfuncDependent(n int, p []unsafe.Pointer, s []int, nin int) bool {
	span := func(k int) (lo, hi uintptr) {
		lo = uintptr(p[k])
		hi = uintptr(int(lo) + (n-1)*s[k])
		if hi < lo {
			lo, hi = hi, lo
		}
		return lo, hi + 8
	}
	for k := nin; k < len(p); k++ {
		if s[k] == 0 {
			return true
		}
		klo, khi := span(k)
		for j := range p {
			if j == k || (j < nin && p[j] == p[k] && s[j] == s[k]) {
				continue
			}
			if jlo, jhi := span(j); jlo < khi && klo < jhi {
				return true
			}
		}
	}
	return false
}

func hppBool(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}
`

// cUfuncs writes the C half of the module's ufuncs: one numpy loop
// function per loop, which makes one cgo call for the run numpy hands it
// and raises what Go reported (taking the GIL, which numpy released),
// and hpp_add_ufuncs, which module init calls after importing numpy's C
// API.
func (m *Module) cUfuncs(b *bytes.Buffer) {
	if !m.HasUfuncs() {
		return
	}
	b.WriteString(`
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/ndarraytypes.h>
#include <numpy/ufuncobject.h>

// hpp_ufunc_failed is set on a thread whose loop raised. numpy goes on
// calling the loop for the rest of the operation (the next buffer of a
// cast, the next row of a reduce) and raises the exception only at the
// end; while it is pending, loops on that thread return at once, so that
// Ctrl-C or a panic stops the whole operation, not one run of it.
static __thread int hpp_ufunc_failed;

// hpp_ufunc_fail raises, from a loop that numpy runs without the GIL,
// what the Go side reported; numpy checks for an exception after the
// loop and raises it instead of returning a result.
static void hpp_ufunc_fail(int st, char *err, const char *name) {
	PyGILState_STATE g = PyGILState_Ensure();
	if (st == HPP_OK) {
		hpp_raise_forked();
	} else {
		hpp_finish(st, err, name);
	}
	hpp_ufunc_failed = 1;
	PyGILState_Release(g);
}

// hpp_ufunc_pending reports whether a loop on this thread raised and its
// exception is still pending, so that this run should be skipped; once
// Python has dealt with it, the flag is cleared. The GIL is taken only
// after a failure.
static int hpp_ufunc_pending(void) {
	if (!hpp_ufunc_failed) {
		return 0;
	}
	PyGILState_STATE g = PyGILState_Ensure();
	int pending = PyErr_Occurred() != NULL;
	PyGILState_Release(g);
	if (!pending) {
		hpp_ufunc_failed = 0;
	}
	return pending;
}
`)
	var adds []string
	for pi, p := range m.Packages {
		for fi, f := range p.Funcs {
			if !f.Ufunc {
				continue
			}
			loops := ufuncLoops(f)
			var funcs, types []string
			for li, g := range loops {
				name := ufuncLoopName(pi, fi, li)
				fmt.Fprintf(b, "\n// %s.%s (%s): %s\n", p.Name, g.GoName, g.Pos, ufuncTypes(g))
				fmt.Fprintf(b, "static void c%s(char **args, const npy_intp *dims, const npy_intp *steps, void *data) {\n", name)
				b.WriteString("\tif (hpp_ufunc_pending()) {\n\t\treturn;\n\t}\n")
				fmt.Fprintf(b, "\tif (hpp_forked) {\n\t\thpp_ufunc_fail(HPP_OK, NULL, %s);\n\t\treturn;\n\t}\n", cString(f.PyName))
				fmt.Fprintf(b, "\tchar *err = NULL;\n\tint st = %s((void *)args, (long long)dims[0], (void *)steps, &err);\n", name)
				fmt.Fprintf(b, "\tif (st != HPP_OK) {\n\t\thpp_ufunc_fail(st, err, %s);\n\t}\n}\n", cString(f.PyName))
				funcs = append(funcs, "c"+name)
				for _, q := range g.Params {
					types = append(types, ufuncElems[q.Type.Go].npy)
				}
				for _, r := range g.Results {
					types = append(types, ufuncElems[r.Go].npy)
				}
			}
			id, idValue := "PyUFunc_None", "NULL"
			switch f.Identity {
			case "":
			case "reorderable":
				id = "PyUFunc_ReorderableNone"
			default:
				id = "PyUFunc_IdentityValue"
				if _, err := strconv.ParseInt(f.Identity, 10, 64); err == nil {
					idValue = fmt.Sprintf("PyLong_FromLongLong(%sLL)", f.Identity)
				} else {
					v := strings.TrimPrefix(f.Identity, "+")
					if strings.HasSuffix(v, "inf") {
						v = strings.Replace(v, "inf", "Py_HUGE_VAL", 1)
					}
					idValue = fmt.Sprintf("PyFloat_FromDouble(%s)", v)
				}
			}
			fmt.Fprintf(b, "\nstatic PyUFuncGenericFunction hpp_uf_funcs_%d_%d[] = {%s};\n", pi, fi, strings.Join(funcs, ", "))
			fmt.Fprintf(b, "static void *hpp_uf_data_%d_%d[%d];\n", pi, fi, len(loops))
			fmt.Fprintf(b, "static char hpp_uf_types_%d_%d[] = {%s};\n", pi, fi, strings.Join(types, ", "))
			adds = append(adds, fmt.Sprintf("\tif (hpp_add_ufunc(m, hpp_uf_funcs_%d_%d, hpp_uf_data_%d_%d, hpp_uf_types_%d_%d, %d, %d, %d, %s, %s, %s, %s) < 0) {\n\t\treturn -1;\n\t}\n",
				pi, fi, pi, fi, pi, fi, len(loops), len(f.Params), len(f.Results), id, idValue, cString(f.PyName), cString(f.Doc)))
		}
	}
	fmt.Fprintf(b, `
// hpp_add_ufunc makes one ufunc and adds it to the module; identity is a
// new reference or NULL (also when making it failed).
static int hpp_add_ufunc(PyObject *m, PyUFuncGenericFunction *funcs, void **data, char *types, int ntypes, int nin,
                         int nout, int id, PyObject *identity, const char *name, const char *doc) {
	if (id == PyUFunc_IdentityValue && identity == NULL) {
		return -1;
	}
	PyObject *u = PyUFunc_FromFuncAndDataAndSignatureAndIdentity(funcs, data, types, ntypes, nin, nout, id, name, doc, 0,
	                                                               NULL, identity);
	Py_XDECREF(identity);
	if (u == NULL) {
		return -1;
	}
	if (PyModule_AddObject(m, name, u) < 0) {
		Py_DECREF(u);
		return -1;
	}
	return 0;
}

// hpp_import_umath sets PyUFunc_API, the table of numpy's ufunc functions
// that the macros of numpy/ufuncobject.h call through, as numpy's own
// _import_umath does, but alike for numpy 1.x and 2.x, whichever numpy's
// headers the module was built with. numpy 2 moved the table's module to
// numpy._core, and refuses it under the old name numpy.core: a module
// built with 1.x headers might use the array and dtype structs, which
// numpy 2 changed. hpp's glue uses none of them. It calls one function of
// the table, PyUFunc_FromFuncAndDataAndSignatureAndIdentity, which is
// entry 42 with the same arguments in both; its loops' signature, the
// type numbers (NPY_DOUBLE ...) and the identity constants are the same
// too. So one abi3 module, built where numpy is 1.24 (Debian 12), runs
// with numpy 2 (TestUfunc's chroot checks), as a wheel must.
static int hpp_import_umath(void) {
	PyObject *mod = PyImport_ImportModule("numpy._core._multiarray_umath");
	if (mod == NULL && PyErr_ExceptionMatches(PyExc_ModuleNotFoundError)) {
		PyErr_Clear();
		mod = PyImport_ImportModule("numpy.core._multiarray_umath");
	}
	if (mod == NULL) {
		return -1;
	}
	PyObject *api = PyObject_GetAttrString(mod, "_UFUNC_API");
	Py_DECREF(mod);
	if (api == NULL) {
		return -1;
	}
	PyUFunc_API = (void **)PyCapsule_GetPointer(api, NULL);
	Py_DECREF(api);
	return PyUFunc_API == NULL ? -1 : 0;
}

// hpp_add_ufuncs imports numpy's C API, which a module with ufuncs needs
// (one without does not import numpy at all), and adds the ufuncs.
static int hpp_add_ufuncs(PyObject *m) {
	if (hpp_import_umath() < 0) {
		PyObject *type, *value, *tb;
		PyErr_Fetch(&type, &value, &tb);
		PyErr_Format(PyExc_ImportError, "hpp: module %%s exports numpy ufuncs (%%s) and needs numpy, which failed to import: %%S; "
		             "install numpy for this Python", %s, %s, value ? value : Py_None);
		Py_XDECREF(type);
		Py_XDECREF(value);
		Py_XDECREF(tb);
		return -1;
	}
%s	return 0;
}
`, cString(m.Name), cString(strings.Join(m.ufuncNames(), ", ")), strings.Join(adds, ""))
}
