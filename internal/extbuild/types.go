package extbuild

import (
	"strconv"
	"strings"
)

// Type is a Go type that the generated glue can convert.
type Type struct {
	Go     string // as written in Go: int, []float64
	Class  string // the row of classes that converts it
	Min    string // range for narrow integer parameters
	Max    string
	Buffer string // HPP_F64... for slices
	Elem   string // slice element type
	Obj    *Class // the class of a *T parameter or result
}

var goTypes = map[string]*Type{
	"int":          {Go: "int", Class: "int"},
	"int64":        {Go: "int64", Class: "int"},
	"int32":        {Go: "int32", Class: "narrow", Min: "-2147483648LL", Max: "2147483647LL"},
	"int16":        {Go: "int16", Class: "narrow", Min: "-32768LL", Max: "32767LL"},
	"int8":         {Go: "int8", Class: "narrow", Min: "-128LL", Max: "127LL"},
	"uint":         {Go: "uint", Class: "uint"},
	"uint64":       {Go: "uint64", Class: "uint"},
	"uint32":       {Go: "uint32", Class: "narrow", Min: "0LL", Max: "4294967295LL"},
	"uint16":       {Go: "uint16", Class: "narrow", Min: "0LL", Max: "65535LL"},
	"uint8":        {Go: "uint8", Class: "narrow", Min: "0LL", Max: "255LL"},
	"byte":         {Go: "byte", Class: "narrow", Min: "0LL", Max: "255LL"},
	"float64":      {Go: "float64", Class: "float"},
	"float32":      {Go: "float32", Class: "float32"},
	"bool":         {Go: "bool", Class: "bool"},
	"string":       {Go: "string", Class: "string"},
	"[]float64":    {Go: "[]float64", Class: "slice", Buffer: "HPP_F64", Elem: "float64"},
	"[]float32":    {Go: "[]float32", Class: "slice", Buffer: "HPP_F32", Elem: "float32"},
	"[]int64":      {Go: "[]int64", Class: "slice", Buffer: "HPP_I64", Elem: "int64"},
	"[]int32":      {Go: "[]int32", Class: "slice", Buffer: "HPP_I32", Elem: "int32"},
	"[]uint8":      {Go: "[]uint8", Class: "slice", Buffer: "HPP_U8", Elem: "uint8"},
	"[]byte":       {Go: "[]byte", Class: "slice", Buffer: "HPP_U8", Elem: "byte"},
	"[]complex128": {Go: "[]complex128", Class: "slice", Buffer: "HPP_C128", Elem: "complex128"},

	// Keyed as written with the package named pyext; typeKey rewrites
	// another import name to it.
	"pyext.Array[float64]":    {Go: "pyext.Array[float64]", Class: "array", Buffer: "HPP_F64", Elem: "float64"},
	"pyext.Array[float32]":    {Go: "pyext.Array[float32]", Class: "array", Buffer: "HPP_F32", Elem: "float32"},
	"pyext.Array[int64]":      {Go: "pyext.Array[int64]", Class: "array", Buffer: "HPP_I64", Elem: "int64"},
	"pyext.Array[int32]":      {Go: "pyext.Array[int32]", Class: "array", Buffer: "HPP_I32", Elem: "int32"},
	"pyext.Array[uint8]":      {Go: "pyext.Array[uint8]", Class: "array", Buffer: "HPP_U8", Elem: "uint8"},
	"pyext.Array[byte]":       {Go: "pyext.Array[byte]", Class: "array", Buffer: "HPP_U8", Elem: "byte"},
	"pyext.Array[complex128]": {Go: "pyext.Array[complex128]", Class: "array", Buffer: "HPP_C128", Elem: "complex128"},
}

const supported = "int, int8..int64, uint, uint8..uint64, float64, float32, bool, string, " +
	"[]float64, []float32, []int64, []int32, []uint8 ([]byte), []complex128, " +
	"and pyext.Array[E] of those element types for arrays of any dimension"

// A class says how one kind of Go type crosses between Python and Go, as
// code templates in which $i is the argument's or result's index, $T the
// Go type, $E a slice's element type, $B its HPP_ buffer kind, $min and
// $max a narrow integer's range, $W 1 if the buffer must be writable,
// $fn and $arg the C strings naming the function and the argument.
type class struct {
	// A parameter: the Go wrapper's C parameters and the Go expression
	// passed on; the C wrapper's locals, the call that converts the Python
	// object into them (returning < 0 with an exception set), what to do
	// once it succeeded, what the C wrapper passes to Go, and the cleanup.
	goParam, goArg                  string
	cLocal, cConvert, cAfter, cPass string
	cRelease                        string

	// A result: the Go wrapper's out-parameters and how it stores the
	// value; the C wrapper's locals, what it passes to Go, the expression
	// that makes the Python object, and what frees the result if the call
	// fails. A class without goResult cannot be a result.
	goResult, goStore   string
	cResLocal, cResPass string
	cResult, cResFree   string
}

var classes = map[string]*class{
	"int":     scalar("long long", "C.longlong", "hpp_as_int64(args[$i], &a$i, $fn, $arg)", "PyLong_FromLongLong(r$i)"),
	"narrow":  scalar("long long", "C.longlong", "hpp_as_int_range(args[$i], &a$i, $min, $max, $fn, $arg)", "PyLong_FromLongLong(r$i)"),
	"uint":    scalar("unsigned long long", "C.ulonglong", "hpp_as_uint64(args[$i], &a$i, $fn, $arg)", "PyLong_FromUnsignedLongLong(r$i)"),
	"float":   scalar("double", "C.double", "hpp_as_double(args[$i], &a$i, $fn, $arg)", "PyFloat_FromDouble(r$i)"),
	"float32": scalar("double", "C.double", "hpp_as_float32(args[$i], &a$i, $fn, $arg)", "PyFloat_FromDouble(r$i)"),
	"bool": {
		goParam: "a$i C.int", goArg: "a$i != 0",
		cLocal: "int a$i;", cConvert: "hpp_as_bool(args[$i], &a$i, $fn, $arg)", cPass: "a$i",
		goResult: "r$i *C.int", goStore: "if v$i {\n\t\t*r$i = 1\n\t}",
		cResLocal: "int r$i = 0;", cResPass: "&r$i", cResult: "PyBool_FromLong(r$i)",
	},
	"string": {
		goParam: "a$i *C.char, n$i C.longlong", goArg: "string(unsafe.Slice((*byte)(unsafe.Pointer(a$i)), int(n$i)))",
		cLocal: "const char *a$i;\n\tPy_ssize_t n$i;", cConvert: "hpp_as_str(args[$i], &a$i, &n$i, $fn, $arg)",
		cPass:    "(char *)a$i, (long long)n$i",
		goResult: "r$i **C.char, rn$i *C.longlong", goStore: "hppBytes([]byte(v$i), r$i, rn$i)",
		cResLocal: "char *r$i = NULL;\n\tlong long rn$i = 0;", cResPass: "&r$i, &rn$i",
		cResult: "hpp_str_result(r$i, (Py_ssize_t)rn$i)", cResFree: "free(r$i);",
	},
	// Slices view a buffer in place; as a result only []byte is allowed
	// (see newFunc), copied into bytes.
	"slice": {
		goParam: "a$i unsafe.Pointer, n$i C.longlong", goArg: "unsafe.Slice((*$E)(a$i), int(n$i))",
		cLocal: "Py_buffer a$i;\n\tint h$i = 0;", cConvert: "hpp_get_buffer(args[$i], &a$i, $B, $W, $fn, $arg)",
		cAfter: "h$i = 1;", cPass: "a$i.len ? a$i.buf : NULL, (long long)(a$i.len / a$i.itemsize)",
		cRelease: "if (h$i) {\n\t\tPyBuffer_Release(&a$i);\n\t}",
		goResult: "r$i **C.char, rn$i *C.longlong", goStore: "hppBytes(v$i, r$i, rn$i)",
		cResLocal: "char *r$i = NULL;\n\tlong long rn$i = 0;", cResPass: "&r$i, &rn$i",
		cResult: "hpp_bytes_result(r$i, (Py_ssize_t)rn$i)", cResFree: "free(r$i);",
	},
	// Array parameters view a buffer of any dimension in place; the Go side gets
	// the buffer's own shape and byte strides (C memory, valid for the
	// call) and copies them into the Array, in elements.
	"array": {
		goParam: "a$i unsafe.Pointer, nd$i C.int, sh$i, st$i *C.Py_ssize_t", goArg: "hppArray[$E](a$i, nd$i, sh$i, st$i)",
		cLocal: "Py_buffer a$i;\n\tint h$i = 0;", cConvert: "hpp_get_array(args[$i], &a$i, $B, $W, $fn, $arg)",
		cAfter: "h$i = 1;", cPass: "a$i.buf, a$i.ndim, a$i.shape, a$i.strides",
		cRelease: "if (h$i) {\n\t\tPyBuffer_Release(&a$i);\n\t}",
		// A result goes to Python in C memory: NewArray's own when it can,
		// else a copy (see hppArrayOut).
		goResult: "r$i *C.hpp_array_out", goStore: "if err := hppArrayOut[$E](v$i, r$i); err != nil {\n\t\treturn hppFail(err, errp)\n\t}",
		cResLocal: "hpp_array_out r$i;\n\tr$i.data = NULL;", cResPass: "&r$i",
		cResult: "hpp_array_result(&r$i, $B)", cResFree: "free(r$i.data);",
	},
	"object": objectClass,
}

// objectClass carries a *T of an exported class as its handle (see
// pyext.Objects): $Q is the Go table, $cls the C type object, $D the Go
// function that deletes a handle. A nil result is None.
var objectClass = &class{
	goParam: "a$i C.ulonglong", goArg: "$Q.Get(uint64(a$i))",
	cLocal: "unsigned long long a$i;", cConvert: "hpp_as_obj(args[$i], $cls, &a$i, $fn, $arg)", cPass: "a$i",
	goResult: "r$i *C.ulonglong", goStore: "*r$i = C.ulonglong($Q.Put(v$i))",
	cResLocal: "unsigned long long r$i = 0;", cResPass: "&r$i",
	cResult: "hpp_obj_wrap($cls, r$i, $D)", cResFree: "$D(r$i);",
}

// scalar is the class of a number carried across as the C type cType
// (cgoType in Go) and converted to Go with a plain conversion: convert
// makes it from a Python object, toPy makes the Python object of a result.
func scalar(cType, cgoType, convert, toPy string) *class {
	return &class{
		goParam: "a$i " + cgoType, goArg: "$T(a$i)",
		cLocal: cType + " a$i;", cConvert: convert, cPass: "a$i",
		goResult: "r$i *" + cgoType, goStore: "*r$i = " + cgoType + "(v$i)",
		cResLocal: cType + " r$i = 0;", cResPass: "&r$i", cResult: toPy,
	}
}

// fill expands a class's template for argument or result i of type t;
// extra holds more old, new pairs ($fn, $arg, $W for a converter).
func fill(tmpl string, i int, t *Type, extra ...string) string {
	pairs := append([]string{"$i", strconv.Itoa(i), "$T", t.Go, "$E", t.Elem, "$B", t.Buffer, "$min", t.Min, "$max", t.Max}, extra...)
	if t.Obj != nil {
		pairs = append(pairs, "$Q", "hppobj_"+t.Obj.id, "$cls", "hpp_type_"+t.Obj.id, "$D", "hppdel_"+t.Obj.id)
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}
