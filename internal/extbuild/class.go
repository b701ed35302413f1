package extbuild

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
)

// Class is a struct type marked //hpp:export, which Python sees as a
// class: each instance stands for one *T, kept reachable in Go by a
// handle (pyext.Objects) until the instance is deallocated.
type Class struct {
	GoName string
	PyName string // the Go name unless //hpp:export name=...
	Doc    string
	Pos    string
	// Ctor is NewT, with the class's Python name; without a NewT, T()
	// takes no arguments and makes a zero T.
	Ctor    *Func
	Methods []*Func // the exported methods whose types can cross, by Python name
	Fields  []Field // the exported fields of a scalar type, in declaration order
	Type    *Type   // *T, as a parameter or result
	id      string  // "P_C": package and class index, set by numberClasses
}

// Field is an exported field that Python sees as a property.
type Field struct {
	GoName, PyName, Doc string
	Type                *Type
	ReadOnly            bool // //hpp:export readonly=Field on the type
}

// propertyClasses are the type classes that a field may have.
var propertyClasses = map[string]bool{"int": true, "narrow": true, "uint": true, "float": true, "float32": true, "bool": true, "string": true}

// recvName is the name of a method's receiver type (T for both T and *T),
// or "" for a function or a generic receiver.
func recvName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) != 1 {
		return ""
	}
	e := fd.Recv.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func isClassMethod(fd *ast.FuncDecl, pkg *Package) bool {
	name := recvName(fd)
	for _, c := range pkg.Classes {
		if name != "" && c.GoName == name {
			return true
		}
	}
	return false
}

// inspectClasses finds the struct types marked //hpp:export in files,
// with their constructors, methods and fields, and returns the types
// that functions may then take and return (*T for each class).
func inspectClasses(fset *token.FileSet, files []*ast.File, pkg *Package) (map[string]*Type, error) {
	local := map[string]*Type{}
	byName := map[string]*Class{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, sp := range gd.Specs {
				ts := sp.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				if doc == nil {
					continue
				}
				opts, ok := directive(doc)
				if !ok {
					continue
				}
				c, err := newClass(fset, ts, doc, opts)
				if err != nil {
					return nil, err
				}
				byName[c.GoName] = c
				local["*"+c.GoName] = c.Type
				pkg.Classes = append(pkg.Classes, c)
			}
		}
	}
	if len(pkg.Classes) == 0 {
		return local, nil
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			var opts []string
			directed := false
			if fd.Doc != nil {
				opts, directed = directive(fd.Doc)
			}
			if c := byName[recvName(fd)]; c != nil {
				if !fd.Name.IsExported() {
					if directed {
						p := fset.Position(fd.Pos())
						return nil, inputErrorf("%s:%d: %s.%s: //hpp:export needs an exported method (capitalise its name)", filepath.Base(p.Filename), p.Line, c.GoName, fd.Name.Name)
					}
					continue
				}
				plain := *fd
				plain.Recv = nil
				fn, err := newFunc(fset, f, &plain, opts, local)
				if err != nil {
					if directed {
						return nil, err
					}
					continue // a method Python cannot call, left out unless asked for
				}
				c.Methods = append(c.Methods, fn)
				continue
			}
			name, ok := strings.CutPrefix(fd.Name.Name, "New")
			if c := byName[name]; fd.Recv == nil && ok && c != nil {
				var rs []string
				if fd.Type.Results != nil {
					for _, r := range fd.Type.Results.List {
						for range max(1, len(r.Names)) {
							rs = append(rs, types.ExprString(r.Type))
						}
					}
				}
				if r := strings.Join(rs, ", "); r != "*"+name && r != "*"+name+", error" {
					p := fset.Position(fd.Pos())
					return nil, inputErrorf("%s:%d: %s: as %s's constructor it must return *%s or (*%s, error); rename it if it is not one",
						filepath.Base(p.Filename), p.Line, fd.Name.Name, name, name, name)
				}
				fn, err := newFunc(fset, f, fd, opts, local)
				if err != nil {
					return nil, err
				}
				ctor := *fn
				ctor.PyName = c.PyName
				c.Ctor = &ctor
			}
		}
	}
	for _, c := range pkg.Classes {
		sort.SliceStable(c.Methods, func(i, j int) bool { return c.Methods[i].PyName < c.Methods[j].PyName })
		names := map[string]string{}
		for _, fd := range c.Fields {
			names[fd.PyName] = "field " + fd.GoName
		}
		for _, fn := range c.Methods {
			if prev, dup := names[fn.PyName]; dup {
				return nil, inputErrorf("%s: %s.%s: its Python name %q is already %s's; pick another with //hpp:export name=...", fn.Pos, c.GoName, fn.GoName, fn.PyName, prev)
			}
			names[fn.PyName] = "method " + fn.GoName
		}
		if c.Ctor == nil {
			c.Ctor = &Func{GoName: "new", PyName: c.PyName, Pos: c.Pos, Results: []*Type{c.Type}}
		}
	}
	return local, nil
}

func newClass(fset *token.FileSet, ts *ast.TypeSpec, doc *ast.CommentGroup, opts []string) (*Class, error) {
	p := fset.Position(ts.Pos())
	c := &Class{GoName: ts.Name.Name, PyName: ts.Name.Name, Doc: strings.TrimSpace(doc.Text()),
		Pos: fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)}
	bad := func(format string, args ...any) error {
		return inputErrorf("%s: %s: %s", c.Pos, c.GoName, fmt.Sprintf(format, args...))
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok || ts.Assign.IsValid() {
		return nil, bad("//hpp:export on a type needs a struct type (type %s struct {...})", c.GoName)
	}
	if !ts.Name.IsExported() {
		return nil, bad("//hpp:export needs an exported type (capitalise its name)")
	}
	if ts.TypeParams != nil {
		return nil, bad("generic types cannot be exported to Python; export a type with concrete type arguments")
	}
	readonly := map[string]bool{}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "name":
			c.PyName = v
		case "readonly":
			for _, n := range strings.Split(v, ",") {
				readonly[n] = true
			}
		default:
			return nil, bad("unknown //hpp:export option %q for a type (known: name=CLASS, readonly=FIELD,...)", o)
		}
	}
	if why := unusableName(c.PyName); why != "" {
		return nil, bad("Python name %q %s; pick another with //hpp:export name=...", c.PyName, why)
	}
	if c.PyName == "GoError" || c.PyName == "GoPanic" {
		return nil, bad("the Python name %s is taken by the module's exception class", c.PyName)
	}
	for _, field := range st.Fields.List {
		t, ok := goTypes[types0(field.Type)]
		for _, n := range field.Names {
			if !n.IsExported() {
				continue
			}
			if !ok || !propertyClasses[t.Class] {
				if readonly[n.Name] {
					return nil, bad("readonly=%s: field %s has type %s, which Python does not see (only numbers, bool and string fields become properties)", n.Name, n.Name, types.ExprString(field.Type))
				}
				continue
			}
			fdoc := field.Doc
			if fdoc == nil {
				fdoc = field.Comment
			}
			c.Fields = append(c.Fields, Field{GoName: n.Name, PyName: pyName(n.Name), Doc: strings.TrimSpace(fdoc.Text()), Type: t, ReadOnly: readonly[n.Name]})
			delete(readonly, n.Name)
		}
	}
	for n := range readonly {
		return nil, bad("readonly=%s names no exported field", n)
	}
	c.Type = &Type{Go: "*" + c.GoName, Class: "object", Obj: c}
	return c, nil
}

// types0 is a field type as written, the key of goTypes for scalars.
func types0(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

func (m *Module) numberClasses() {
	for pi, p := range m.Packages {
		for ci, c := range p.Classes {
			c.id = fmt.Sprintf("%d_%d", pi, ci)
		}
	}
}

// classWrapper names the Go wrapper of a class's constructor (k = 0) or
// method k-1 in the form hppgo_P_N of functions' wrappers, which
// pyext.PanicMessage cuts Go stacks at.
func classWrapper(pi, ci, k int) string { return wrapperName(pi, 1000*(ci+1)+k) }

// goClasses writes each class's handle table and the wrappers of its
// constructor, methods, and field getters and setters.
func (m *Module) goClasses(b *bytes.Buffer) {
	for pi, p := range m.Packages {
		for ci, c := range p.Classes {
			id, q := c.id, fmt.Sprintf("p%d.%s", pi, c.GoName)
			fmt.Fprintf(b, "\n// %s's values, by the handles that Python objects hold.\nvar hppobj_%s pyext.Objects[%s]\n", q, id, q)
			fmt.Fprintf(b, "\n//export hppdel_%s\nfunc hppdel_%s(h C.ulonglong) { hppobj_%s.Delete(uint64(h)) }\n", id, id, id)
			callee := fmt.Sprintf("p%d.%s", pi, c.Ctor.GoName)
			if c.Ctor.GoName == "new" {
				callee = "hppzero_" + id
				fmt.Fprintf(b, "\nfunc %s() *%s { return new(%s) }\n", callee, q, q)
			}
			m.goFunc(b, classWrapper(pi, ci, 0), callee, "", m.Name+"."+c.PyName+"()", c.Ctor)
			for mi, f := range c.Methods {
				m.goFunc(b, classWrapper(pi, ci, mi+1), fmt.Sprintf("hppobj_%s.Get(uint64(h)).%s", id, f.GoName), "h C.ulonglong",
					m.Name+"."+c.PyName+"."+f.PyName+"()", f)
			}
			for fi, fd := range c.Fields {
				cl := classes[fd.Type.Class]
				fmt.Fprintf(b, "\n//export hppget_%s_%d\nfunc hppget_%s_%d(h C.ulonglong, %s) {\n\tv0 := hppobj_%s.Get(uint64(h)).%s\n\t%s\n}\n",
					id, fi, id, fi, fill(cl.goResult, 0, fd.Type), id, fd.GoName, fill(cl.goStore, 0, fd.Type))
				if !fd.ReadOnly {
					fmt.Fprintf(b, "\n//export hppset_%s_%d\nfunc hppset_%s_%d(h C.ulonglong, %s) {\n\thppobj_%s.Get(uint64(h)).%s = %s\n}\n",
						id, fi, id, fi, fill(cl.goParam, 0, fd.Type), id, fd.GoName, fill(cl.goArg, 0, fd.Type))
				}
			}
		}
	}
}

// cClassDecls declares the type objects, which function wrappers that
// take or return a class use.
func (m *Module) cClassDecls(b *bytes.Buffer) {
	m.numberClasses()
	for _, p := range m.Packages {
		for _, c := range p.Classes {
			fmt.Fprintf(b, "\nstatic PyObject *hpp_type_%s; // %s.%s\n", c.id, m.Name, c.PyName)
		}
	}
}

// cClasses writes each class's CPython half: a heap type made with
// PyType_FromSpec (abi3-safe) whose tp_new calls the constructor's
// wrapper, methods that pass the object's handle first, properties, a
// __repr__ from the properties, and a tp_dealloc that deletes the handle;
// then hpp_add_classes, which PyInit calls.
func (m *Module) cClasses(b *bytes.Buffer) {
	var add strings.Builder
	for pi, p := range m.Packages {
		for ci, c := range p.Classes {
			id := c.id
			ctorWhat := p.Name + "." + c.Ctor.GoName
			if c.Ctor.GoName == "new" {
				ctorWhat = "new(" + p.Name + "." + c.GoName + ")"
			}
			m.cFunc(b, "hpp_ctor_"+id, classWrapper(pi, ci, 0), "", ctorWhat, c.PyName, c.Ctor)
			fmt.Fprintf(b, "\nstatic PyObject *hpp_new_%s(PyTypeObject *type, PyObject *args, PyObject *kwds) {\n"+
				"\treturn hpp_obj_new(%d, (void (*)(void))hpp_ctor_%s, args, kwds, %s, %s);\n}\n",
				id, len(c.Ctor.Params), id, cString(c.PyName), cString(c.Ctor.GoName))
			var methods []string
			for mi, f := range c.Methods {
				cname := fmt.Sprintf("hpp_m_%s_%d", id, mi)
				flags := m.cFunc(b, cname, classWrapper(pi, ci, mi+1), "((hpp_obj *)self)->handle",
					p.Name+"."+c.GoName+"."+f.GoName, c.PyName+"."+f.PyName, f)
				methods = append(methods, fmt.Sprintf("\t{%s, (PyCFunction)(void (*)(void))%s, %s, %s},",
					cString(f.PyName), cname, flags, cString(methodDoc(f))))
			}
			fmt.Fprintf(b, "\nstatic PyMethodDef hpp_methods_%s[] = {\n%s\t{NULL, NULL, 0, NULL},\n};\n", id, joinLines(methods))
			var getset []string
			for fi, fd := range c.Fields {
				cl := classes[fd.Type.Class]
				fmt.Fprintf(b, "\nstatic PyObject *hpp_get_%s_%d(PyObject *self, void *closure) {\n\t%s\n"+
					"\tif (hpp_forked) {\n\t\thpp_raise_forked();\n\t\treturn NULL;\n\t}\n"+
					"\thppget_%s_%d(((hpp_obj *)self)->handle, %s);\n\treturn %s;\n}\n",
					id, fi, fill(cl.cResLocal, 0, fd.Type), id, fi, fill(cl.cResPass, 0, fd.Type), fill(cl.cResult, 0, fd.Type))
				set := "NULL"
				if !fd.ReadOnly {
					set = fmt.Sprintf("hpp_set_%s_%d", id, fi)
					fmt.Fprintf(b, "\nstatic int %s(PyObject *self, PyObject *value, void *closure) {\n"+
						"\tif (value == NULL) {\n\t\tPyErr_SetString(PyExc_AttributeError, %s);\n\t\treturn -1;\n\t}\n"+
						"\tPyObject *const *args = &value;\n\t%s\n\tif (%s < 0) {\n\t\treturn -1;\n\t}\n"+
						"\tif (hpp_forked) {\n\t\treturn hpp_raise_forked();\n\t}\n"+
						"\thppset_%s_%d(((hpp_obj *)self)->handle, %s);\n\treturn 0;\n}\n",
						set, cString(fmt.Sprintf("cannot delete attribute '%s' of '%s' objects (a Go field)", fd.PyName, c.PyName)),
						fill(cl.cLocal, 0, fd.Type),
						fill(cl.cConvert, 0, fd.Type, "$fn", cString(c.PyName+"."+fd.PyName), "$arg", `"value"`, "$W", "0"),
						id, fi, fill(cl.cPass, 0, fd.Type))
				}
				getset = append(getset, fmt.Sprintf("\t{%s, hpp_get_%s_%d, %s, %s, NULL},", cString(fd.PyName), id, fi, set, cString(fd.Doc)))
			}
			fmt.Fprintf(b, "\nstatic PyGetSetDef hpp_getset_%s[] = {\n%s\t{NULL, NULL, NULL, NULL, NULL},\n};\n", id, joinLines(getset))
			fmt.Fprintf(b, `
static PyObject *hpp_repr_%[1]s(PyObject *self) { return hpp_obj_repr(self, %[2]s, hpp_getset_%[1]s); }

static void hpp_dealloc_%[1]s(PyObject *self) { hpp_obj_dealloc(self, hppdel_%[1]s); }

static PyType_Slot hpp_slots_%[1]s[] = {
	{Py_tp_new, (void *)hpp_new_%[1]s},
	{Py_tp_dealloc, (void *)hpp_dealloc_%[1]s},
	{Py_tp_repr, (void *)hpp_repr_%[1]s},
	{Py_tp_doc, (void *)%[3]s},
	{Py_tp_methods, hpp_methods_%[1]s},
	{Py_tp_getset, hpp_getset_%[1]s},
	{0, NULL},
};

static PyType_Spec hpp_spec_%[1]s = {%[4]s, sizeof(hpp_obj), 0, Py_TPFLAGS_DEFAULT, hpp_slots_%[1]s};
`, id, cString(c.PyName), cString(classDoc(c)), cString(m.Name+"."+c.PyName))
			fmt.Fprintf(&add, "\tif (hpp_add_class(m, %s, &hpp_spec_%s, &hpp_type_%s) < 0) {\n\t\treturn -1;\n\t}\n", cString(c.PyName), id, id)
		}
	}
	fmt.Fprintf(b, "\nstatic int hpp_add_classes(PyObject *m) {\n%s\treturn 0;\n}\n", add.String())
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// classDoc is the type's doc after the constructor's signature, which
// inspect.signature reads where the type keeps it.
func classDoc(c *Class) string {
	var names []string
	for _, p := range c.Ctor.Params {
		names = append(names, p.PyName)
	}
	if len(names) == 1 {
		names = append(names, "/")
	}
	return c.PyName + "(" + strings.Join(names, ", ") + ")\n--\n\n" + c.Doc
}

// methodDoc is docstring's signature line for a method, with $self, as
// CPython's own methods write it.
func methodDoc(f *Func) string {
	names := []string{"$self"}
	for _, p := range f.Params {
		names = append(names, p.PyName)
	}
	if len(f.Params) == 1 {
		names = append(names, "/")
	}
	return f.PyName + "(" + strings.Join(names, ", ") + ")\n--\n\n" + f.Doc
}

// stubClass writes a class's stub: properties (read-only ones as
// @property), __init__ from the constructor, and the methods.
func stubClass(b *bytes.Buffer, c *Class, pyType func(*Type, bool) string) {
	fmt.Fprintf(b, "\nclass %s:\n", c.PyName)
	if c.Doc != "" {
		fmt.Fprintf(b, "    %s\n", pyDocString(c.Doc, "    "))
	}
	for _, fd := range c.Fields {
		if fd.ReadOnly {
			fmt.Fprintf(b, "    @property\n    def %s(self) -> %s: ...\n", fd.PyName, pyType(fd.Type, false))
		} else {
			fmt.Fprintf(b, "    %s: %s\n", fd.PyName, pyType(fd.Type, false))
		}
	}
	fmt.Fprintf(b, "    def __init__(%s) -> None: ...\n", stubParams(c.Ctor, "self", pyType))
	for _, f := range c.Methods {
		fmt.Fprintf(b, "    def %s(%s) -> %s:\n", f.PyName, stubParams(f, "self", pyType), stubResult(f, pyType))
		if f.Doc != "" {
			fmt.Fprintf(b, "        %s\n", pyDocString(f.Doc, "        "))
		}
		b.WriteString("        ...\n")
	}
}
