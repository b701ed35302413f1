package extbuild

import (
	"bytes"
	"fmt"
	"strings"
)

// numpyDtypes names the numpy scalar type of each slice or array
// element type, and arrayItems the Python type of an array.array's items.
var (
	numpyDtypes = map[string]string{"float64": "np.float64", "float32": "np.float32", "int64": "np.int64",
		"int32": "np.int32", "uint8": "np.uint8", "byte": "np.uint8", "complex128": "np.complex128"}
	arrayItems = map[string]string{"float64": "float", "float32": "float", "int64": "int", "int32": "int",
		"uint8": "int", "byte": "int"}
)

// Stub returns the module's type stub, MODULE.pyi: every function with
// its parameters and results as Python sees them, arrays as numpy's
// NDArray, and the two exception classes; docstrings as in the module.
func (m *Module) Stub() []byte {
	var body bytes.Buffer
	usesNumpy, usesArray := false, false
	pyType := func(t *Type, param bool) string {
		switch t.Class {
		case "int", "narrow", "uint":
			return "int"
		case "float", "float32":
			return "float"
		case "bool":
			return "bool"
		case "string":
			return "str"
		case "object":
			if param {
				return t.Obj.PyName
			}
			return t.Obj.PyName + " | None" // a nil *T
		case "slice", "array":
			if !param {
				if t.Class == "slice" {
					return "bytes"
				}
				usesNumpy = true
				return "npt.NDArray[" + numpyDtypes[t.Elem] + "]"
			}
			usesNumpy = true
			alts := []string{"npt.NDArray[" + numpyDtypes[t.Elem] + "]"}
			if item, ok := arrayItems[t.Elem]; ok {
				usesArray = true
				alts = append(alts, "array.array["+item+"]")
			}
			if t.Elem == "uint8" || t.Elem == "byte" {
				alts = append(alts, "bytes", "bytearray")
			}
			alts = append(alts, "memoryview")
			return strings.Join(alts, " | ")
		}
		return "object"
	}
	for _, p := range m.Packages {
		for _, c := range p.Classes {
			stubClass(&body, c, pyType)
		}
		for _, f := range p.Funcs {
			if f.Ufunc {
				// numpy's stubs type a ufunc's call loosely; its docstring
				// follows as a string, which stub readers show.
				usesNumpy = true
				fmt.Fprintf(&body, "\n%s: np.ufunc\n", f.PyName)
				if f.Doc != "" {
					fmt.Fprintf(&body, "%s\n", pyDocString(f.Doc, ""))
				}
				continue
			}
			fmt.Fprintf(&body, "\ndef %s(%s) -> %s:\n", f.PyName, stubParams(f, "", pyType), stubResult(f, pyType))
			if f.Doc != "" {
				fmt.Fprintf(&body, "    %s\n", pyDocString(f.Doc, "    "))
			}
			body.WriteString("    ...\n")
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Type stub of the extension module %s, written by hpp build.\n", m.Name)
	if m.Doc != "" {
		fmt.Fprintf(&b, "%s\n", pyDocString(m.Doc, ""))
	}
	if usesArray {
		b.WriteString("\nimport array\n")
	}
	if usesNumpy {
		b.WriteString("\nimport numpy as np\nimport numpy.typing as npt\n")
	}
	b.WriteString("\nclass GoError(RuntimeError):\n    \"\"\"An error returned by a Go function.\"\"\"\n\n" +
		"class GoPanic(RuntimeError):\n    \"\"\"A panic in Go code, recovered and raised in Python.\"\"\"\n")
	b.Write(body.Bytes())
	return b.Bytes()
}

// pyDocString quotes a docstring for Python source, its lines after the
// first indented by indent.
func pyDocString(doc, indent string) string {
	doc = strings.ReplaceAll(doc, `\`, `\\`)
	doc = strings.ReplaceAll(doc, `"""`, `\"\"\"`)
	if strings.HasSuffix(doc, `"`) {
		doc += " "
	}
	lines := strings.Split(doc, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = indent + lines[i]
		}
	}
	return `"""` + strings.Join(lines, "\n") + `"""`
}

// stubParams is the parameter list of f in a stub, after first (self, for
// a method) when it is not empty; a function of one parameter takes it
// positionally only ("/"), as the glue parses it.
func stubParams(f *Func, first string, pyType func(*Type, bool) string) string {
	var params []string
	if first != "" {
		params = append(params, first)
	}
	for _, a := range f.Params {
		params = append(params, a.PyName+": "+pyType(a.Type, true))
	}
	if len(f.Params) == 1 {
		params = append(params, "/")
	}
	return strings.Join(params, ", ")
}

// stubResult is the return type of f in a stub: None, its one result's
// type, or a tuple of its results' types.
func stubResult(f *Func, pyType func(*Type, bool) string) string {
	switch len(f.Results) {
	case 0:
		return "None"
	case 1:
		return pyType(f.Results[0], false)
	}
	var rs []string
	for _, r := range f.Results {
		rs = append(rs, pyType(r, false))
	}
	return "tuple[" + strings.Join(rs, ", ") + "]"
}
