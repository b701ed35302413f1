package extbuild

import (
	"errors"
	"strings"
	"testing"
)

func TestInspectClassRejects(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"not a struct", "package p\n//hpp:export\ntype T int\n", "p.go:3: T: //hpp:export on a type needs a struct type"},
		{"alias", "package p\ntype U struct{}\n//hpp:export\ntype T = U\n", "needs a struct type"},
		{"unexported", "package p\n//hpp:export\ntype t struct{}\n", "needs an exported type"},
		{"generic", "package p\n//hpp:export\ntype T[X any] struct{ x X }\n", "generic types cannot be exported"},
		{"option", "package p\n//hpp:export holdgil\ntype T struct{}\n", `unknown //hpp:export option "holdgil" for a type`},
		{"readonly no field", "package p\n//hpp:export readonly=N\ntype T struct{ M int }\n", "readonly=N names no exported field"},
		{"readonly hidden field", "package p\n//hpp:export readonly=S\ntype T struct{ S []int }\n", "readonly=S: field S has type []int, which Python does not see"},
		{"reserved", "package p\n//hpp:export name=GoPanic\ntype T struct{}\n", "taken by the module's exception class"},
		{"keyword", "package p\n//hpp:export name=class\ntype T struct{}\n", `Python name "class" is a Python keyword`},
		{"constructor result", "package p\n//hpp:export\ntype T struct{}\nfunc NewT() T { return T{} }\n", "NewT: as T's constructor it must return *T or (*T, error)"},
		{"constructor param", "package p\n//hpp:export\ntype T struct{}\nfunc NewT(m map[int]int) *T { return nil }\n", "parameter type map[int]int cannot be converted"},
		{"method asked for", "package p\n//hpp:export\ntype T struct{}\n//hpp:export\nfunc (t *T) M(m map[int]int) {}\n", "p.go:5: M: parameter type map[int]int"},
		{"unexported method asked for", "package p\n//hpp:export\ntype T struct{}\n//hpp:export\nfunc (t *T) m() {}\n", "T.m: //hpp:export needs an exported method"},
		{"method and field", "package p\n//hpp:export\ntype T struct{ AB int }\n//hpp:export name=ab\nfunc (t *T) M() {}\n", `its Python name "ab" is already field AB's`},
		{"class and function", "package p\n//hpp:export\ntype T struct{}\n//hpp:export name=T\nfunc F() {}\n", `Python name "T" is already used`},
		{"method of another type", "package p\ntype U struct{}\n//hpp:export\ntype T struct{}\n//hpp:export\nfunc (U) F() {}\n", "not methods of other types"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantInspectError(t, tc.src, tc.want) })
	}
}

func TestInspectClassFinds(t *testing.T) {
	p, err := Inspect(writePkg(t, `package p

// T is a thing.
//
//hpp:export readonly=ID
type T struct {
	ID    int64 // its number
	Name  string
	Ratio float32
	Items []int
	inner int
	fmt.Stringer
}

//hpp:export name=Other
type (
	O struct{ N uint8 }
)

// NewT makes a T.
func NewT(id int64, name string) (*T, error) { return &T{ID: id, Name: name}, nil }

// Grow takes and returns classes.
func (t *T) Grow(o *O) *T { return t }

// Value has a value receiver.
func (t T) Value() int64 { return t.ID }

//hpp:export holdgil
func (t *T) Fast() {}

func (t *T) Skipped(m map[int]int) {}

func (t *T) lower() {}

// Make is a function that returns a class.
//
//hpp:export
func Make(o *O) *T { return nil }
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Classes) != 2 {
		t.Fatalf("found %d classes, want 2", len(p.Classes))
	}
	c, o := p.Classes[0], p.Classes[1]
	var got []string
	for _, f := range c.Fields {
		got = append(got, f.PyName+":"+f.Type.Go+map[bool]string{true: " ro"}[f.ReadOnly]+" "+f.Doc)
	}
	for _, f := range c.Methods {
		got = append(got, f.PyName+"()"+map[bool]string{true: " gil"}[f.HoldGIL])
	}
	want := "id:int64 ro its number|name:string |ratio:float32 |fast() gil|grow()|value()"
	if strings.Join(got, "|") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, "|"), want)
	}
	if c.Doc != "T is a thing." || c.Ctor.GoName != "NewT" || c.Ctor.PyName != "T" || len(c.Ctor.Params) != 2 || !c.Ctor.Error {
		t.Errorf("class %+v, constructor %+v", c, c.Ctor)
	}
	if o.PyName != "Other" || o.Ctor.GoName != "new" || len(o.Fields) != 1 {
		t.Errorf("class O: %+v", o)
	}
	if g := c.Methods[1]; g.Params[0].Type.Obj != o || g.Results[0].Obj != c {
		t.Errorf("grow's types: %+v -> %+v", g.Params[0].Type, g.Results[0])
	}
	if len(p.Funcs) != 1 || p.Funcs[0].Params[0].Type.Obj != o {
		t.Errorf("functions: %+v", p.Funcs)
	}
}

// A class and a function of two packages cannot share a Python name: the
// module would hold only one of them.
func TestBuildRejectsClassClash(t *testing.T) {
	a := writePkg(t, "package a\n//hpp:export\ntype Thing struct{}\n")
	b := writePkg(t, "package b\n//hpp:export name=Thing\nfunc F() {}\n")
	_, err := Build(t.Context(), Options{Dirs: []string{a, b}, Name: "m", Python: "/nonexistent/python"})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "both export Thing") {
		t.Fatalf("err = %v, want an InputError naming Thing", err)
	}
}
