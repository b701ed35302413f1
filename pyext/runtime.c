//go:build hpp_ext

// The C half of pyext's runtime: argument conversion with clear error
// messages, buffer checks, turning a Go call's status into a Python
// exception, and the SIGINT and fork hooks. Written in C so that a call
// from Python crosses into Go exactly once.

#include "hpp_ext.h"

// Python.h under the limited API (3.11+) no longer includes the C
// library's headers: include everything used here.
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hpp_sigint_pending;
int hpp_forked;

static PyObject *hpp_GoError;
static PyObject *hpp_GoPanic;
static const char *hpp_module_name = "?";
static struct sigaction hpp_prev_sigint;

// hpp_sigint runs Python's own SIGINT handler (so KeyboardInterrupt,
// EINTR and the wakeup fd behave as before), then notes the signal where
// Go code can poll it without the GIL. In that order: once Go sees the
// flag, Python has the signal too, and the PyErr_CheckSignals that
// follows the Go call raises KeyboardInterrupt exactly once.
static void hpp_sigint(int sig, siginfo_t *info, void *uc) {
	if (hpp_prev_sigint.sa_flags & SA_SIGINFO) {
		hpp_prev_sigint.sa_sigaction(sig, info, uc);
	} else if (hpp_prev_sigint.sa_handler != SIG_IGN && hpp_prev_sigint.sa_handler != SIG_DFL) {
		hpp_prev_sigint.sa_handler(sig);
	}
	__atomic_store_n(&hpp_sigint_pending, 1, __ATOMIC_SEQ_CST);
}

// Python's main thread, the only one that handles signals.
static unsigned long hpp_main_thread;
static int hpp_main_thread_known;

int hpp_on_main_thread(void) {
	return hpp_main_thread_known && PyThread_get_thread_ident() == hpp_main_thread;
}

// hpp_python_sigint_default reports whether Python's SIGINT handler is
// signal.default_int_handler, which raises KeyboardInterrupt: 1, 0, or -1
// with an exception set. It also learns which thread is the main one.
static int hpp_python_sigint_default(void) {
	PyObject *threading = PyImport_ImportModule("threading");
	if (threading == NULL) {
		return -1;
	}
	PyObject *main = PyObject_CallMethod(threading, "main_thread", NULL);
	Py_DECREF(threading);
	if (main == NULL) {
		return -1;
	}
	PyObject *ident = PyObject_GetAttrString(main, "ident");
	Py_DECREF(main);
	if (ident == NULL) {
		return -1;
	}
	hpp_main_thread = PyLong_AsUnsignedLong(ident);
	Py_DECREF(ident);
	if (PyErr_Occurred()) {
		return -1;
	}
	hpp_main_thread_known = 1;
	PyObject *signal = PyImport_ImportModule("signal");
	if (signal == NULL) {
		return -1;
	}
	PyObject *cur = PyObject_CallMethod(signal, "getsignal", "i", SIGINT);
	PyObject *dflt = PyObject_GetAttrString(signal, "default_int_handler");
	Py_DECREF(signal);
	int same = cur != NULL && dflt != NULL && cur == dflt;
	Py_XDECREF(cur);
	Py_XDECREF(dflt);
	return PyErr_Occurred() ? -1 : same;
}

static void hpp_atfork_child(void) { hpp_forked = 1; }

// The interpreter and thread-state lists, for hpp_release_gil. They are
// public C API, outside the limited API that abi3 modules compile
// against, so those look them up in the running interpreter; if any is
// missing, every call releases the GIL.
static PyInterpreterState *(*hpp_interp_head)(void);
static PyInterpreterState *(*hpp_interp_next)(PyInterpreterState *);
static PyThreadState *(*hpp_thread_head)(PyInterpreterState *);
static PyThreadState *(*hpp_thread_next)(PyThreadState *);

static int (*hpp_gilstate_check)(void);

static void hpp_find_thread_lists(void) {
#ifdef Py_LIMITED_API
	*(void **)&hpp_interp_head = dlsym(RTLD_DEFAULT, "PyInterpreterState_Head");
	*(void **)&hpp_interp_next = dlsym(RTLD_DEFAULT, "PyInterpreterState_Next");
	*(void **)&hpp_thread_head = dlsym(RTLD_DEFAULT, "PyInterpreterState_ThreadHead");
	*(void **)&hpp_thread_next = dlsym(RTLD_DEFAULT, "PyThreadState_Next");
	*(void **)&hpp_gilstate_check = dlsym(RTLD_DEFAULT, "PyGILState_Check");
#else
	hpp_gilstate_check = PyGILState_Check;
	hpp_interp_head = PyInterpreterState_Head;
	hpp_interp_next = PyInterpreterState_Next;
	hpp_thread_head = PyInterpreterState_ThreadHead;
	hpp_thread_next = PyThreadState_Next;
#endif
	if (!hpp_interp_head || !hpp_interp_next || !hpp_thread_head || !hpp_thread_next) {
		hpp_interp_head = NULL;
	}
}

// hpp_gil_held reports whether the calling thread holds the GIL: 1 or 0,
// or -1 when the interpreter does not say.
int hpp_gil_held(void) { return hpp_gilstate_check ? hpp_gilstate_check() : -1; }

// hpp_release_gil releases the GIL before a call into Go, as
// Py_BEGIN_ALLOW_THREADS does, and returns the thread state to restore
// after it, or NULL when it kept the GIL: when the calling thread is the
// only thread of the only interpreter, no Python code anywhere could take
// the GIL while Go runs, and the hand-over (~35 ns a call) would buy
// nothing. No Python thread can start while the GIL is held, so this
// stays true for the whole call. The lists are read with the GIL held,
// as CPython itself does; only our own thread state is dereferenced.
PyThreadState *hpp_release_gil(void) {
	if (hpp_interp_head != NULL) {
		PyThreadState *ts = PyThreadState_Get();
		PyInterpreterState *in = hpp_interp_head();
		if (in != NULL && hpp_interp_next(in) == NULL && hpp_thread_head(in) == ts && hpp_thread_next(ts) == NULL) {
			return NULL;
		}
	}
	return PyEval_SaveThread();
}

static int hpp_add_exception(PyObject *module, const char *name, PyObject *base, PyObject **slot, const char *doc) {
	char full[256];
	snprintf(full, sizeof full, "%s.%s", hpp_module_name, name);
	*slot = PyErr_NewExceptionWithDoc(full, doc, base, NULL);
	if (*slot == NULL) {
		return -1;
	}
	Py_INCREF(*slot);
	if (PyModule_AddObject(module, name, *slot) < 0) {
		Py_DECREF(*slot);
		return -1;
	}
	return 0;
}

static int hpp_goarray_init(void);

int hpp_runtime_init(PyObject *module, const char *name) {
	static int once;
	hpp_module_name = name;
	if (hpp_goarray_init() < 0) {
		return -1;
	}
	if (hpp_add_exception(module, "GoError", PyExc_RuntimeError, &hpp_GoError,
	                      "An error returned by a Go function.") < 0 ||
	    hpp_add_exception(module, "GoPanic", PyExc_RuntimeError, &hpp_GoPanic,
	                      "A panic in Go code, recovered and raised in Python.") < 0) {
		return -1;
	}
	if (once) {
		return 0;
	}
	once = 1;
	hpp_find_thread_lists();
	pthread_atfork(NULL, NULL, hpp_atfork_child);
	// Chain in front of Python's SIGINT handler, but only if it is
	// Python's default one, which raises KeyboardInterrupt: Go calls are
	// cut short only when Python would raise. An ignored or default
	// SIGINT needs no early stop, and a handler of the program's own may
	// not raise, so Go runs to the end and the handler runs after. (A
	// handler set with signal.signal after the import replaces this
	// chain, with the same effect.)
	int dflt = hpp_python_sigint_default();
	if (dflt < 0) {
		return -1;
	}
	struct sigaction cur;
	if (dflt && sigaction(SIGINT, NULL, &cur) == 0 &&
	    ((cur.sa_flags & SA_SIGINFO) || (cur.sa_handler != SIG_IGN && cur.sa_handler != SIG_DFL))) {
		hpp_prev_sigint = cur;
		struct sigaction sa = cur;
		sa.sa_sigaction = hpp_sigint;
		sa.sa_flags = cur.sa_flags | SA_SIGINFO | SA_ONSTACK;
		sigaction(SIGINT, &sa, NULL);
	}
	return 0;
}

// hpp_go_error is the module's GoError, for errors raised outside hpp_finish.
PyObject *hpp_go_error(void) { return hpp_GoError; }

int hpp_raise_forked(void) {
	PyErr_Format(PyExc_RuntimeError,
	             "%s: this process was forked after the Go extension was imported, and the Go runtime "
	             "does not survive fork() (its threads exist only in the parent); use "
	             "multiprocessing.set_start_method('spawn') or 'forkserver', or import %s only in the child",
	             hpp_module_name, hpp_module_name);
	return -1;
}

// Error kinds, in the order of pyext.Kind.
static PyObject *hpp_kind_type(int kind) {
	switch (kind) {
	case 1: return PyExc_ValueError;
	case 2: return PyExc_TypeError;
	case 3: return PyExc_IndexError;
	case 4: return PyExc_KeyError;
	case 5: return PyExc_OverflowError;
	case 6: return PyExc_ZeroDivisionError;
	case 7: return PyExc_NotImplementedError;
	case 8: return PyExc_OSError;
	case 9: return PyExc_MemoryError;
	}
	return hpp_GoError;
}

// hpp_message decodes a message from hppMessage (its length, then its
// bytes) as Python's bytes.decode('utf-8', 'replace') would: a Go error's
// text is any bytes, and all of them, NULs too, belong in the exception.
static PyObject *hpp_message(const char *err) {
	if (err == NULL) {
		return PyUnicode_FromString("?");
	}
	int64_t n;
	memcpy(&n, err, sizeof n);
	return PyUnicode_DecodeUTF8(err + sizeof n, (Py_ssize_t)n, "replace");
}

// hpp_finish_slow is hpp_finish (hpp_ext.h) for a failed call or a pending signal.
int hpp_finish_slow(int status, char *err, const char *func) {
	if (hpp_take_sigint() < 0) {
		free(err);
		return -1;
	}
	if (status == HPP_OK) {
		return 0;
	}
	if ((status & 0xff) == HPP_INTERRUPTED) {
		if (!PyErr_Occurred()) {
			PyErr_SetNone(PyExc_KeyboardInterrupt);
		}
		free(err);
		return -1;
	}
	PyObject *msg = hpp_message(err);
	free(err);
	if (msg == NULL) {
		return -1;
	}
	if ((status & 0xff) == HPP_PANIC) {
		PyErr_Format(hpp_GoPanic, "Go panic in %s(): %U", func, msg);
	} else {
		PyErr_SetObject(hpp_kind_type(status >> 8), msg);
	}
	Py_DECREF(msg);
	return -1;
}

// hpp_args puts a vectorcall's positional and keyword arguments in
// parameter order, with Python's own messages for a wrong count, an
// unknown or repeated keyword and a missing argument.
int hpp_args(PyObject *const *argv, Py_ssize_t nargs, PyObject *kwnames, const char *const *names, int n,
             PyObject **out, const char *func) {
	Py_ssize_t nkw = kwnames ? PyTuple_Size(kwnames) : 0;
	if (nargs > n) {
		PyErr_Format(PyExc_TypeError, "%s() takes %d positional arguments but %zd were given", func, n, nargs);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		out[i] = i < nargs ? argv[i] : NULL;
	}
	for (Py_ssize_t k = 0; k < nkw; k++) {
		PyObject *key = PyTuple_GetItem(kwnames, k);
		Py_ssize_t len;
		const char *kw = PyUnicode_AsUTF8AndSize(key, &len);
		if (kw == NULL) {
			return -1;
		}
		// A keyword holding a NUL ("b\0x") names no parameter; strcmp
		// would take the NUL for its end and match b.
		int i = memchr(kw, '\0', (size_t)len) ? n : 0;
		while (i < n && strcmp(kw, names[i]) != 0) {
			i++;
		}
		if (i == n) {
			PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", func, key);
			return -1;
		}
		if (out[i] != NULL) {
			PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", func, names[i]);
			return -1;
		}
		out[i] = argv[nargs + k];
	}
	for (int i = 0; i < n; i++) {
		if (out[i] == NULL) {
			PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %d)", func, names[i], i + 1);
			return -1;
		}
	}
	return 0;
}

// hpp_type_error raises "f() argument 'x' must be WANT, not TYPE".
static int hpp_type_error(PyObject *o, const char *want, const char *func, const char *arg) {
	PyObject *tn = PyObject_GetAttrString((PyObject *)Py_TYPE(o), "__name__");
	if (tn == NULL) {
		return -1;
	}
	PyErr_Format(PyExc_TypeError, "%s() argument '%s' must be %s, not %U", func, arg, want, tn);
	Py_DECREF(tn);
	return -1;
}

// hpp_index returns a new reference to the Python int that o stands for:
// numpy integers and other __index__ types are integers too; floats are
// not. NULL with TypeError for anything else.
static PyObject *hpp_index(PyObject *o, const char *func, const char *arg) {
	if (PyFloat_Check(o) || !PyIndex_Check(o)) {
		hpp_type_error(o, "int", func, arg);
		return NULL;
	}
	return PyNumber_Index(o);
}

// hpp_overflow rewrites an OverflowError to name the argument and the Go
// type; any error is passed on (-1).
static int hpp_overflow(const char *func, const char *arg, const char *type) {
	if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
		PyErr_Format(PyExc_OverflowError, "%s() argument '%s' does not fit in a %s", func, arg, type);
	}
	return -1;
}

int hpp_as_int64(PyObject *o, long long *out, const char *func, const char *arg) {
	if (PyLong_Check(o)) { // the common case, without a reference to count
		*out = PyLong_AsLongLong(o);
	} else {
		PyObject *i = hpp_index(o, func, arg);
		if (i == NULL) {
			return -1;
		}
		*out = PyLong_AsLongLong(i);
		Py_DECREF(i);
	}
	return *out == -1 && PyErr_Occurred() ? hpp_overflow(func, arg, "64-bit Go int") : 0;
}

int hpp_as_int_range(PyObject *o, long long *out, long long lo, long long hi, const char *func, const char *arg) {
	if (hpp_as_int64(o, out, func, arg) < 0) {
		return -1;
	}
	if (*out < lo || *out > hi) {
		PyErr_Format(PyExc_OverflowError, "%s() argument '%s' is %lld, outside the Go type's range [%lld, %lld]",
		             func, arg, *out, lo, hi);
		return -1;
	}
	return 0;
}

int hpp_as_uint64(PyObject *o, unsigned long long *out, const char *func, const char *arg) {
	if (PyLong_Check(o)) {
		*out = PyLong_AsUnsignedLongLong(o);
	} else {
		PyObject *i = hpp_index(o, func, arg);
		if (i == NULL) {
			return -1;
		}
		*out = PyLong_AsUnsignedLongLong(i);
		Py_DECREF(i);
	}
	return *out == (unsigned long long)-1 && PyErr_Occurred() ? hpp_overflow(func, arg, "Go uint64") : 0;
}

int hpp_as_double(PyObject *o, double *out, const char *func, const char *arg) {
	if (PyUnicode_Check(o) || PyBytes_Check(o) || o == Py_None) {
		return hpp_type_error(o, "float", func, arg);
	}
	*out = PyFloat_AsDouble(o); // floats, ints, numpy scalars, anything with __float__
	if (*out == -1.0 && PyErr_Occurred()) {
		if (PyErr_ExceptionMatches(PyExc_TypeError)) {
			PyErr_Clear();
			return hpp_type_error(o, "float", func, arg);
		}
		return -1;
	}
	return 0;
}

// hpp_as_float32 is hpp_as_double for a float32 parameter: a finite
// value that rounds to infinity in float32 raises OverflowError, by the
// rule of struct.pack('f', x); inf and nan pass.
int hpp_as_float32(PyObject *o, double *out, const char *func, const char *arg) {
	if (hpp_as_double(o, out, func, arg) < 0) {
		return -1;
	}
	if (isinf((float)*out) && !isinf(*out)) {
		PyObject *v = PyFloat_FromDouble(*out);
		if (v != NULL) {
			PyErr_Format(PyExc_OverflowError, "%s() argument '%s' is %R, outside a Go float32's range", func, arg, v);
			Py_DECREF(v);
		}
		return -1;
	}
	return 0;
}

int hpp_as_bool(PyObject *o, int *out, const char *func, const char *arg) {
	if (!PyBool_Check(o)) {
		return hpp_type_error(o, "bool", func, arg);
	}
	*out = o == Py_True;
	return 0;
}

int hpp_as_str(PyObject *o, const char **p, Py_ssize_t *n, const char *func, const char *arg) {
	if (!PyUnicode_Check(o)) {
		return hpp_type_error(o, "str", func, arg);
	}
	*p = PyUnicode_AsUTF8AndSize(o, n);
	return *p == NULL ? -1 : 0;
}

PyObject *hpp_str_result(char *p, Py_ssize_t n) {
	PyObject *s = PyUnicode_DecodeUTF8(p ? p : "", n, "replace");
	free(p);
	return s;
}

PyObject *hpp_bytes_result(char *p, Py_ssize_t n) {
	PyObject *b = PyBytes_FromStringAndSize(p ? p : "", n);
	free(p);
	return b;
}

static const struct {
	const char *name;     // numpy's name for the element type
	const char *formats;  // struct-module format codes, space separated
	Py_ssize_t itemsize;
	const char *example;  // how to make one
} hpp_kinds[] = {
	[HPP_F64] = {"float64", "d", 8, "numpy.float64 array or array.array('d')"},
	[HPP_F32] = {"float32", "f", 4, "numpy.float32 array or array.array('f')"},
	[HPP_I64] = {"int64", "q l", 8, "numpy.int64 array or array.array('q')"},
	[HPP_I32] = {"int32", "i l", 4, "numpy.int32 array or array.array('i')"},
	[HPP_U8] = {"uint8", "B c", 1, "bytearray, numpy.uint8 array or array.array('B')"},
	[HPP_C128] = {"complex128", "Zd", 16, "numpy.complex128 array"},
};

// hpp_format_name names a buffer format the way numpy users know it.
static const char *hpp_format_name(const char *f, Py_ssize_t itemsize) {
	static const struct { const char *f, *name; } names[] = {
		{"d", "float64"}, {"f", "float32"}, {"e", "float16"}, {"Zd", "complex128"}, {"Zf", "complex64"},
		{"b", "int8"}, {"B", "uint8"}, {"h", "int16"}, {"H", "uint16"}, {"i", "int32"}, {"I", "uint32"},
		{"q", "int64"}, {"Q", "uint64"}, {"?", "bool"}, {"c", "char"},
	};
	if (strcmp(f, "l") == 0) {
		return itemsize == 8 ? "int64" : "int32";
	}
	if (strcmp(f, "L") == 0) {
		return itemsize == 8 ? "uint64" : "uint32";
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(f, names[i].f) == 0) {
			return names[i].name;
		}
	}
	return NULL;
}

static int hpp_format_ok(const char *f, int kind, Py_ssize_t itemsize) {
	if (itemsize != hpp_kinds[kind].itemsize) {
		return 0;
	}
	size_t n = strlen(f);
	const char *list = hpp_kinds[kind].formats;
	while (*list) {
		size_t m = strcspn(list, " ");
		if (m == n && strncmp(list, f, n) == 0) {
			return 1;
		}
		list += m;
		while (*list == ' ') {
			list++;
		}
	}
	return 0;
}

// hpp_open_buffer gets o's buffer with its strides and checks its
// element type against kind: 0, or -1 with an exception set and nothing
// held.
static int hpp_open_buffer(PyObject *o, Py_buffer *view, int kind, const char *func, const char *arg) {
	const char *want = hpp_kinds[kind].name;
	if (!PyObject_CheckBuffer(o)) {
		char w[160];
		snprintf(w, sizeof w, "a %s buffer (%s)", want, hpp_kinds[kind].example);
		return hpp_type_error(o, w, func, arg);
	}
	if (PyObject_GetBuffer(o, view, PyBUF_RECORDS_RO) < 0) {
		return -1;
	}
	const char *f = view->format ? view->format : "B";
	if (*f == '@' || *f == '=' || *f == '<') { // native or little-endian: all the same on the hosts Go supports here
		f++;
	}
	if (!hpp_format_ok(f, kind, view->itemsize)) {
		const char *got = hpp_format_name(f, view->itemsize);
		if (got) {
			PyErr_Format(PyExc_TypeError, "%s() argument '%s' has dtype %s, expected %s (convert with .astype(numpy.%s))",
			             func, arg, got, want, want);
		} else {
			PyErr_Format(PyExc_TypeError, "%s() argument '%s' has buffer format '%s', expected %s",
			             func, arg, view->format, want);
		}
		PyBuffer_Release(view);
		return -1;
	}
	return 0;
}

// hpp_check_access checks an open buffer's writability and alignment: 0,
// or -1 with an exception set and the buffer released.
static int hpp_check_access(Py_buffer *view, int kind, int writable, const char *func, const char *arg) {
	if (writable && view->readonly) {
		PyErr_Format(PyExc_ValueError, "%s() argument '%s' is read-only, and Go may write to it; pass a writable "
		             "buffer (bytearray, a writable array), or mark it with //hpp:export readonly=%s", func, arg, arg);
		goto fail;
	}
	if (view->len > 0 && (uintptr_t)view->buf % (uintptr_t)(kind == HPP_C128 ? 8 : view->itemsize) != 0) {
		PyErr_Format(PyExc_ValueError, "%s() argument '%s' is not aligned for %s; pass a copy (numpy.array(x))",
		             func, arg, hpp_kinds[kind].name);
		goto fail;
	}
	return 0;
fail:
	PyBuffer_Release(view);
	return -1;
}

int hpp_get_buffer(PyObject *o, Py_buffer *view, int kind, int writable, const char *func, const char *arg) {
	if (hpp_open_buffer(o, view, kind, func, arg) < 0) {
		return -1;
	}
	if (view->ndim != 1) {
		PyErr_Format(PyExc_ValueError, "%s() argument '%s' must be 1-dimensional, got %d dimensions "
		             "(pass a contiguous array's .ravel() for a flat view)", func, arg, view->ndim);
		goto fail;
	}
	if (!PyBuffer_IsContiguous(view, 'C')) {
		PyErr_Format(PyExc_ValueError, "%s() argument '%s' is not contiguous (a strided view); "
		             "pass numpy.ascontiguousarray(...)", func, arg);
		goto fail;
	}
	return hpp_check_access(view, kind, writable, func, arg);
fail:
	PyBuffer_Release(view);
	return -1;
}

// hpp_get_array is hpp_get_buffer for a pyext.Array: any number of
// dimensions and any strides that Go can index, that is non-negative
// multiples of the item size (a dimension of length 0 or 1 is never
// stepped along, so its stride does not matter).
int hpp_get_array(PyObject *o, Py_buffer *view, int kind, int writable, const char *func, const char *arg) {
	if (hpp_open_buffer(o, view, kind, func, arg) < 0) {
		return -1;
	}
	for (int k = 0; k < view->ndim; k++) {
		Py_ssize_t s = view->strides[k];
		if (view->shape[k] <= 1) {
			continue;
		}
		if (s < 0) {
			PyErr_Format(PyExc_ValueError, "%s() argument '%s' has a negative stride in dimension %d "
			             "(a reversed view such as a[::-1]); pass numpy.ascontiguousarray(...)", func, arg, k);
			goto fail;
		}
		if (s % view->itemsize != 0) {
			PyErr_Format(PyExc_ValueError, "%s() argument '%s' has stride %zd bytes in dimension %d, not a multiple "
			             "of its %zd-byte elements (a field of a structured array?); pass numpy.ascontiguousarray(...)",
			             func, arg, s, k, view->itemsize);
			goto fail;
		}
	}
	return hpp_check_access(view, kind, writable, func, arg);
fail:
	PyBuffer_Release(view);
	return -1;
}

// A GoArray owns the C memory of an array that Go returned and lends it
// out through the buffer protocol, C-contiguous and writable; numpy.asarray
// or memoryview then hold a reference to it, so the memory lives exactly
// as long as the last array that views it.
typedef struct {
	PyObject_HEAD
	void *data;
	int ndim;
	Py_ssize_t itemsize;
	const char *format;
	Py_ssize_t shape[HPP_MAXDIM];
	Py_ssize_t strides[HPP_MAXDIM];
} hpp_goarray;

static PyObject *hpp_goarray_type;
static PyObject *hpp_numpy_asarray; // numpy.asarray, or NULL
static int hpp_numpy_tried;

static int hpp_goarray_getbuffer(PyObject *self, Py_buffer *view, int flags) {
	hpp_goarray *a = (hpp_goarray *)self;
	Py_ssize_t n = 1;
	int trivial = 1; // F order is C order too: at most one dimension longer than 1
	for (int k = 0; k < a->ndim; k++) {
		n *= a->shape[k];
		trivial -= a->shape[k] > 1;
	}
	if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && (flags & PyBUF_ANY_CONTIGUOUS) != PyBUF_ANY_CONTIGUOUS &&
	    trivial < 0) {
		PyErr_SetString(PyExc_BufferError, "a Go array is C-contiguous, not Fortran-contiguous");
		return -1;
	}
	Py_INCREF(self);
	view->obj = self;
	view->buf = a->data;
	view->len = n * a->itemsize;
	view->readonly = 0;
	view->itemsize = a->itemsize;
	view->format = (flags & PyBUF_FORMAT) ? (char *)a->format : NULL;
	view->ndim = a->ndim;
	view->shape = (flags & PyBUF_ND) ? a->shape : NULL;
	view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? a->strides : NULL;
	view->suboffsets = NULL;
	view->internal = NULL;
	if (!(flags & PyBUF_ND)) {
		view->ndim = 1;
	}
	return 0;
}

static void hpp_goarray_dealloc(PyObject *self) {
	PyTypeObject *tp = Py_TYPE(self);
	free(((hpp_goarray *)self)->data);
	freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);
	tp_free(self);
	Py_DECREF(tp);
}

static PyType_Slot hpp_goarray_slots[] = {
	{Py_tp_dealloc, (void *)hpp_goarray_dealloc},
	{Py_tp_doc, (void *)"The memory of an array returned by Go, freed when the last view of it goes."},
#ifdef Py_bf_getbuffer // in typeslots.h from 3.9; set below for 3.8
	{Py_bf_getbuffer, (void *)hpp_goarray_getbuffer},
#endif
	{0, NULL},
};

static PyType_Spec hpp_goarray_spec = {
	"hpp.GoArray", sizeof(hpp_goarray), 0, Py_TPFLAGS_DEFAULT, hpp_goarray_slots,
};

static int hpp_goarray_init(void) {
	if (hpp_goarray_type == NULL) {
		hpp_goarray_type = PyType_FromSpec(&hpp_goarray_spec);
#ifndef Py_bf_getbuffer
		if (hpp_goarray_type != NULL) { // a heap type's own buffer procs, as 3.9's slot sets them
			((PyTypeObject *)hpp_goarray_type)->tp_as_buffer->bf_getbuffer = hpp_goarray_getbuffer;
		}
#endif
	}
	return hpp_goarray_type ? 0 : -1;
}

// hpp_array_result turns an array that Go returned into a numpy array
// (when numpy can be imported) or a memoryview over the same memory,
// which it takes over: freed here on failure, else with the last view.
PyObject *hpp_array_result(hpp_array_out *r, int kind) {
	hpp_goarray *a = PyObject_New(hpp_goarray, (PyTypeObject *)hpp_goarray_type);
	if (a == NULL) {
		free(r->data);
		return NULL;
	}
	a->data = r->data;
	a->ndim = r->ndim;
	a->itemsize = hpp_kinds[kind].itemsize;
	a->format = kind == HPP_I64 ? "q" : kind == HPP_I32 ? "i" : kind == HPP_U8 ? "B" : hpp_kinds[kind].formats;
	Py_ssize_t step = a->itemsize;
	for (int k = r->ndim - 1; k >= 0; k--) {
		a->shape[k] = r->shape[k];
		a->strides[k] = step;
		step *= r->shape[k];
	}
	if (!hpp_numpy_tried) {
		hpp_numpy_tried = 1;
		PyObject *np = PyImport_ImportModule("numpy");
		if (np != NULL) {
			hpp_numpy_asarray = PyObject_GetAttrString(np, "asarray");
			Py_DECREF(np);
		}
		PyErr_Clear(); // no numpy: memoryviews
	}
	PyObject *res = hpp_numpy_asarray ? PyObject_CallFunctionObjArgs(hpp_numpy_asarray, (PyObject *)a, NULL)
	                                  : PyMemoryView_FromObject((PyObject *)a);
	Py_DECREF(a);
	return res;
}
