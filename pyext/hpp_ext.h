//go:build hpp_ext

// hpp_ext.h declares the C half of pyext's runtime, shared by pyext's own
// cgo code and the module glue that hpp build generates. Python.h must be
// included first.
#ifndef HPP_EXT_H
#define HPP_EXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

// Call status returned by the generated Go wrappers.
enum {
	HPP_OK = 0,
	// A returned Go error, its kind in the high bits. The message in *err
	// is malloc'd: a 64-bit length, then that many bytes of text, which
	// may hold NULs and invalid UTF-8.
	HPP_ERROR = 1,
	HPP_PANIC = 2,       // a recovered Go panic: message in *err, as for HPP_ERROR
	HPP_INTERRUPTED = 3, // the Go code stopped early because of SIGINT
};

// Buffer element kinds understood by hpp_get_buffer.
enum {
	HPP_F64 = 1,
	HPP_F32,
	HPP_I64,
	HPP_I32,
	HPP_U8,
	HPP_C128,
};

// The most dimensions of an array returned to Python: numpy 1's limit.
#define HPP_MAXDIM 32

// An array result, filled by the Go wrapper: C memory (malloc'd, to be
// freed with free) holding the elements in C order, and the shape.
typedef struct {
	void *data;
	int ndim;
	Py_ssize_t shape[HPP_MAXDIM];
} hpp_array_out;

// Set by the SIGINT handler, cleared by the main thread once Python has
// seen the signal.
extern int hpp_sigint_pending;
// Set in the child after fork(): the Go runtime's threads are gone there.
extern int hpp_forked;

int hpp_runtime_init(PyObject *module, const char *name);
PyThreadState *hpp_release_gil(void);
int hpp_gil_held(void);
int hpp_on_main_thread(void);
int hpp_raise_forked(void);
int hpp_args(PyObject *const *argv, Py_ssize_t nargs, PyObject *kwnames, const char *const *names, int n,
             PyObject **out, const char *func);
int hpp_finish_slow(int status, char *err, const char *func);
int hpp_get_buffer(PyObject *o, Py_buffer *view, int kind, int writable, const char *func, const char *arg);
int hpp_get_array(PyObject *o, Py_buffer *view, int kind, int writable, const char *func, const char *arg);
int hpp_as_int64(PyObject *o, long long *out, const char *func, const char *arg);
int hpp_as_uint64(PyObject *o, unsigned long long *out, const char *func, const char *arg);
int hpp_as_int_range(PyObject *o, long long *out, long long lo, long long hi, const char *func, const char *arg);
int hpp_as_double(PyObject *o, double *out, const char *func, const char *arg);
int hpp_as_float32(PyObject *o, double *out, const char *func, const char *arg);
int hpp_as_bool(PyObject *o, int *out, const char *func, const char *arg);
int hpp_as_str(PyObject *o, const char **p, Py_ssize_t *n, const char *func, const char *arg);
PyObject *hpp_str_result(char *p, Py_ssize_t n);
PyObject *hpp_bytes_result(char *p, Py_ssize_t n);
PyObject *hpp_array_result(hpp_array_out *r, int kind);
PyObject *hpp_go_error(void);

// An instance of a Go struct type exported as a class: the handle of its
// value in the class's pyext.Objects table (see class.c).
typedef struct {
	PyObject_HEAD
	unsigned long long handle;
} hpp_obj;

int hpp_add_class(PyObject *module, const char *name, PyType_Spec *spec, PyObject **type);
PyObject *hpp_obj_wrap(PyObject *type, unsigned long long h, void (*del)(unsigned long long));
PyObject *hpp_obj_new(int nparams, void (*ctor)(void), PyObject *args, PyObject *kwds, const char *cls,
                      const char *goCtor);
int hpp_as_obj(PyObject *o, PyObject *type, unsigned long long *h, const char *func, const char *arg);
void hpp_obj_dealloc(PyObject *self, void (*del)(unsigned long long));
PyObject *hpp_obj_repr(PyObject *self, const char *name, PyGetSetDef *defs);

// hpp_take_sigint runs with the GIL held before and after each call into
// Go. On the main thread, the only one where Python handles signals, it
// clears the flag and lets Python act on a pending Ctrl-C, returning -1
// when its handler raised. Other threads leave the flag alone: it is the
// main thread's (its Go call may be the one to cut short), and Python
// would not run the handler for them anyway.
static inline int hpp_take_sigint(void) {
	if (__atomic_load_n(&hpp_sigint_pending, __ATOMIC_RELAXED) && hpp_on_main_thread()) {
		__atomic_store_n(&hpp_sigint_pending, 0, __ATOMIC_SEQ_CST);
		return PyErr_CheckSignals();
	}
	return 0;
}

// hpp_enter runs before each call into Go, with the GIL held: it refuses
// to enter a Go runtime that fork() broke, and lets Python act on a
// Ctrl-C that arrived before the call so that the call does not start.
static inline int hpp_enter(void) {
	if (hpp_forked) {
		return hpp_raise_forked();
	}
	return hpp_take_sigint();
}

// hpp_finish runs after each call into Go, with the GIL held: it turns
// the call's status into a Python exception (returning -1) and lets
// Python act on a Ctrl-C that arrived meanwhile. The usual case, a call
// that succeeded with no signal pending, costs one load here instead of a
// call into the runtime's C.
static inline int hpp_finish(int status, char *err, const char *func) {
	if (status == HPP_OK && !__atomic_load_n(&hpp_sigint_pending, __ATOMIC_RELAXED)) {
		return 0;
	}
	return hpp_finish_slow(status, err, func);
}

#endif
