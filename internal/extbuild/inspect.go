// Package extbuild turns an ordinary Go package into a CPython extension
// module: it finds the functions marked //hpp:export, generates the C
// module definition and the cgo wrappers, and runs go build
// -buildmode=c-shared against the chosen Python's headers.
package extbuild

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Package is a Go package's exported functions, as Python will see them.
type Package struct {
	Dir   string // absolute
	Name  string // Go package name
	Doc   string // package comment
	Funcs []*Func
	// Classes are the struct types marked //hpp:export (see class.go).
	Classes []*Class
}

// Func is one function marked //hpp:export.
type Func struct {
	GoName  string
	PyName  string
	Doc     string
	Pos     string // file:line, for error messages
	Params  []Param
	Results []*Type // without the trailing error
	Error   bool    // the last result is an error
	HoldGIL bool    // keep the GIL while Go runs (//hpp:export holdgil)
	// ReleaseGIL releases the GIL even when the caller is the only Python
	// thread (//hpp:export releasegil), for programs whose C threads call
	// into Python while Go runs.
	ReleaseGIL bool
	// Ufunc makes a numpy ufunc of a scalar function (//hpp:export
	// ufunc); Identity is its identity= for reduce, and Loops are further
	// functions exported under the same name: more type signatures.
	Ufunc    bool
	Identity string
	Loops    []*Func
}

// Param is one parameter of an exported function.
type Param struct {
	Name     string // the Go name
	PyName   string // the Python name: snake case (cReal -> c_real), for keywords and messages
	Type     *Type
	ReadOnly bool // a slice that may view a read-only buffer
}

// InputError is a problem in the user's Go package.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// Inspect parses the Go package in dir and returns its exported functions.
func Inspect(dir string) (*Package, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// The files with import "C" count too: hpp build compiles with cgo on,
	// whatever this process's environment says.
	ctxt := build.Default
	ctxt.CgoEnabled = true
	bp, err := ctxt.ImportDir(abs, 0)
	if err != nil {
		return nil, inputErrorf("%s: not a Go package: %v", dir, err)
	}
	if bp.Name == "main" {
		return nil, inputErrorf("%s: is package main, which cannot be imported; put the functions in a package of their own", dir)
	}
	pkg := &Package{Dir: abs, Name: bp.Name}
	fset := token.NewFileSet()
	seen := map[string]*Func{}
	classAt := map[string]string{} // Python name → where the class is
	var files []*ast.File
	for _, name := range append(append([]string(nil), bp.GoFiles...), bp.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(abs, name), nil, parser.ParseComments)
		if err != nil {
			return nil, inputErrorf("%v", err)
		}
		files = append(files, f)
	}
	// Classes first: functions may take and return them.
	local, err := inspectClasses(fset, files, pkg)
	if err != nil {
		return nil, err
	}
	for _, c := range pkg.Classes {
		classAt[c.PyName] = c.Pos
	}
	for _, f := range files {
		if f.Doc != nil && pkg.Doc == "" {
			pkg.Doc = strings.TrimSpace(f.Doc.Text())
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Doc == nil || isClassMethod(fd, pkg) {
				continue
			}
			opts, ok := directive(fd.Doc)
			if !ok {
				continue
			}
			fn, err := newFunc(fset, f, fd, opts, local)
			if err != nil {
				return nil, err
			}
			if at, dup := classAt[fn.PyName]; dup {
				return nil, inputErrorf("%s: %s: Python name %q is already used by %s; pick another with //hpp:export name=...", fn.Pos, fn.GoName, fn.PyName, at)
			}
			if prev, dup := seen[fn.PyName]; dup {
				if err := addLoop(prev, fn); err != nil {
					return nil, err
				}
				continue
			}
			seen[fn.PyName] = fn
			pkg.Funcs = append(pkg.Funcs, fn)
		}
	}
	if len(pkg.Funcs) == 0 && len(pkg.Classes) == 0 {
		return nil, inputErrorf("%s: package %s has no function marked //hpp:export; add the line //hpp:export to an exported function's (or struct type's) doc comment", dir, bp.Name)
	}
	sort.SliceStable(pkg.Funcs, func(i, j int) bool { return pkg.Funcs[i].PyName < pkg.Funcs[j].PyName })
	return pkg, nil
}

// directive returns the options of a //hpp:export line in doc.
func directive(doc *ast.CommentGroup) ([]string, bool) {
	for _, c := range doc.List {
		if rest, ok := strings.CutPrefix(c.Text, "//hpp:export"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Fields(rest), true
		}
	}
	return nil, false
}

// newFunc checks a function for export; local holds the package's own
// types that can cross (its classes, as *T).
func newFunc(fset *token.FileSet, file *ast.File, fd *ast.FuncDecl, opts []string, local map[string]*Type) (*Func, error) {
	p := fset.Position(fd.Pos())
	fn := &Func{GoName: fd.Name.Name, PyName: pyName(fd.Name.Name), Doc: strings.TrimSpace(fd.Doc.Text()),
		Pos: fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)}
	bad := func(format string, args ...any) error {
		return inputErrorf("%s: %s: %s", fn.Pos, fn.GoName, fmt.Sprintf(format, args...))
	}
	if fd.Recv != nil {
		return nil, bad("//hpp:export works on functions and on methods of a struct type marked //hpp:export, not methods of other types")
	}
	if !fd.Name.IsExported() {
		return nil, bad("//hpp:export needs an exported function (capitalise its name)")
	}
	if fd.Type.TypeParams != nil {
		return nil, bad("generic functions cannot be exported to Python; write a wrapper with concrete types")
	}
	if call := goexitCall(file, fd.Body); call != nil {
		p := fset.Position(call.Pos())
		return nil, inputErrorf("%s:%d: %s: runtime.Goexit would end the goroutine of the Python thread that called, "+
			"which aborts the process (Go cannot end a thread it did not start); return an error instead",
			filepath.Base(p.Filename), p.Line, fn.GoName)
	}
	readonly := map[string]bool{}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "name":
			fn.PyName = v
		case "holdgil":
			fn.HoldGIL = true
		case "releasegil":
			fn.ReleaseGIL = true
		case "readonly":
			for _, n := range strings.Split(v, ",") {
				readonly[n] = true
			}
		default:
			if ok, err := ufuncOption(fn, o); err != nil {
				return nil, bad("%v", err)
			} else if !ok {
				return nil, bad("unknown //hpp:export option %q (known: name=PYNAME, holdgil, releasegil, readonly=PARAM,..., ufunc, identity=VALUE)", o)
			}
		}
	}
	if fn.HoldGIL && fn.ReleaseGIL {
		return nil, bad("holdgil and releasegil contradict each other; choose one")
	}
	if why := unusableName(fn.PyName); why != "" {
		return nil, bad("Python name %q %s; pick another with //hpp:export name=...", fn.PyName, why)
	}
	if fn.PyName == "GoError" || fn.PyName == "GoPanic" {
		return nil, bad("the Python name %s is taken by the module's exception class", fn.PyName)
	}
	for _, field := range fd.Type.Params.List {
		ts, key := types.ExprString(field.Type), typeKey(file, field.Type)
		if _, ok := field.Type.(*ast.Ellipsis); ok {
			return nil, bad("variadic parameters are not supported; take a slice instead")
		}
		t, ok := goTypes[key]
		if !ok {
			t, ok = local[key]
		}
		if !ok {
			return nil, bad("parameter type %s cannot be converted from Python; use one of %s", ts, supported)
		}
		names := field.Names
		if len(names) == 0 {
			names = []*ast.Ident{{Name: "_"}}
		}
		for _, n := range names {
			name := n.Name
			if name == "_" {
				name = fmt.Sprintf("arg%d", len(fn.Params))
			}
			py := pyName(name)
			if why := unusableName(py); why != "" {
				return nil, bad("parameter %s: its Python keyword %q %s; rename the parameter", name, py, why)
			}
			for _, prev := range fn.Params {
				if prev.PyName == py {
					return nil, bad("parameters %s and %s both become the Python keyword %q; rename one", prev.Name, name, py)
				}
			}
			fn.Params = append(fn.Params, Param{Name: name, PyName: py, Type: t, ReadOnly: readonly[name]})
			delete(readonly, name)
		}
	}
	for n := range readonly {
		return nil, bad("readonly=%s names no parameter", n)
	}
	if fd.Type.Results != nil {
		var rs, keys []string
		for _, field := range fd.Type.Results.List {
			k := max(1, len(field.Names))
			for range k {
				rs = append(rs, types.ExprString(field.Type))
				keys = append(keys, typeKey(file, field.Type))
			}
		}
		for i, ts := range rs {
			if ts == "error" {
				if i != len(rs)-1 {
					return nil, bad("error must be the last result")
				}
				fn.Error = true
				continue
			}
			t, ok := goTypes[keys[i]]
			if !ok {
				t, ok = local[keys[i]]
			}
			if ok && t.Class == "slice" && t.Elem != "byte" && t.Elem != "uint8" {
				ok = false
			}
			if !ok {
				return nil, bad("result type %s cannot be converted to Python; return a scalar, string, []byte, pyext.Array (pyext.NewArray) or error, or write into a slice argument", ts)
			}
			fn.Results = append(fn.Results, t)
		}
	}
	if err := checkUfunc(fn, bad); err != nil {
		return nil, err
	}
	return fn, nil
}

// typeKey is the key of a type in goTypes: as written, but a generic
// type of hpp/pyext is named pyext.T[...] whatever name the file imports
// it under, and one from any other package gets a key that matches
// nothing.
func typeKey(file *ast.File, e ast.Expr) string {
	ts := types.ExprString(e)
	ix, ok := e.(*ast.IndexExpr)
	if !ok {
		return ts
	}
	sel, ok := ix.X.(*ast.SelectorExpr)
	if !ok {
		return "?" + ts
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return "?" + ts
	}
	for _, im := range file.Imports {
		if im.Path.Value != `"hpp/pyext"` {
			continue
		}
		name := "pyext"
		if im.Name != nil {
			name = im.Name.Name
		}
		if name == pkg.Name {
			return "pyext." + sel.Sel.Name + "[" + types.ExprString(ix.Index) + "]"
		}
	}
	return "?" + ts
}

// goexitCall returns a call of runtime.Goexit that runs on the calling
// goroutine in body, outside function literals and go statements (which
// may run elsewhere), or nil. Calls deeper down are not found: the
// documentation warns of them.
func goexitCall(file *ast.File, body *ast.BlockStmt) ast.Node {
	name := ""
	for _, im := range file.Imports {
		if im.Path.Value == `"runtime"` {
			name = "runtime"
			if im.Name != nil {
				name = im.Name.Name
			}
		}
	}
	if name == "" || name == "_" || body == nil {
		return nil
	}
	var found ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Goexit" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == name && found == nil {
					found = n
				}
			}
		}
		return found == nil
	})
	return found
}

// pyKeywords are Python's reserved words, which cannot name a function,
// a parameter or a module.
var pyKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// pyName is a Go function's default Python name: snake case, with a
// trailing underscore on a keyword (Not -> not_), as PEP 8 advises.
func pyName(goName string) string {
	s := snake(goName)
	if pyKeywords[s] {
		s += "_"
	}
	return s
}

// snake turns a Go name into Python's style: JuliaSet -> julia_set,
// NBodyStep -> n_body_step, HTTPGet -> http_get.
func snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// unusableName says why s cannot be a name that Python code reaches (a
// module, function or keyword argument), or "" if it can.
func unusableName(s string) string {
	switch {
	case s == "":
		return "is empty"
	case !isASCII(s):
		// Python reads identifiers in NFKC form (fullwidth ｆ is f), so a
		// name that NFKC changes could never be looked up.
		return "is not ASCII (Python normalises non-ASCII identifiers, and could not reach it)"
	case !isIdent(s):
		return "is not a Python identifier"
	case pyKeywords[s]:
		return "is a Python keyword"
	case len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__"):
		return "has the __dunder__ form that Python reserves for itself (a module's __name__, __doc__...)"
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c < 128 && unicode.IsLetter(c) || i > 0 && c < 128 && unicode.IsDigit(c)) {
			return false
		}
	}
	return true
}
