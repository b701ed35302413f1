//go:build hpp_ext

// The C half of Go types as Python classes: an instance (hpp_obj) holds
// the handle of its Go value in the module's pyext.Objects table, and
// gives it back in its deallocator. The generated glue makes one heap
// type per class with PyType_FromSpec and uses these helpers.

#include "hpp_ext.h"

#include <stdio.h>

int hpp_add_class(PyObject *module, const char *name, PyType_Spec *spec, PyObject **type) {
	*type = PyType_FromSpec(spec);
	if (*type == NULL) {
		return -1;
	}
	Py_INCREF(*type); // the glue's own reference, for type checks
	if (PyModule_AddObject(module, name, *type) < 0) {
		Py_DECREF(*type);
		return -1;
	}
	return 0;
}

PyObject *hpp_obj_wrap(PyObject *type, unsigned long long h, void (*del)(unsigned long long)) {
	if (h == 0) {
		Py_INCREF(Py_None);
		return Py_None;
	}
	PyObject *o = PyType_GenericAlloc((PyTypeObject *)type, 0);
	if (o == NULL) {
		del(h);
		return NULL;
	}
	((hpp_obj *)o)->handle = h;
	return o;
}

// hpp_obj_new is a class's tp_new: it calls the constructor's wrapper
// (made like a function's: METH_NOARGS, METH_O or METH_FASTCALL |
// METH_KEYWORDS by its number of parameters) with tp_new's tuple and
// dict. The classes cannot be subclassed, so the new object's type is
// the class itself.
PyObject *hpp_obj_new(int nparams, void (*ctor)(void), PyObject *args, PyObject *kwds, const char *cls,
                      const char *goCtor) {
	Py_ssize_t na = PyTuple_Size(args), nk = kwds ? PyDict_Size(kwds) : 0;
	PyObject *res;
	if (nparams <= 1 && nk > 0) {
		PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", cls);
		return NULL;
	}
	if (nparams == 0) {
		if (na != 0) {
			PyErr_Format(PyExc_TypeError, "%s() takes no arguments (%zd given)", cls, na);
			return NULL;
		}
		res = ((PyCFunction)ctor)(NULL, NULL);
	} else if (nparams == 1) {
		if (na != 1) {
			PyErr_Format(PyExc_TypeError, "%s() takes exactly one argument (%zd given)", cls, na);
			return NULL;
		}
		res = ((PyCFunction)ctor)(NULL, PyTuple_GetItem(args, 0));
	} else {
		PyObject **argv = PyMem_Malloc((size_t)(na + nk + 1) * sizeof *argv);
		PyObject *kwnames = nk ? PyTuple_New(nk) : NULL;
		if (argv == NULL || (nk && kwnames == NULL)) {
			PyMem_Free(argv);
			Py_XDECREF(kwnames);
			return PyErr_NoMemory();
		}
		for (Py_ssize_t i = 0; i < na; i++) {
			argv[i] = PyTuple_GetItem(args, i); // borrowed: the caller holds args and kwds
		}
		Py_ssize_t pos = 0, k = 0;
		PyObject *key, *val;
		while (nk && PyDict_Next(kwds, &pos, &key, &val)) {
			Py_INCREF(key);
			PyTuple_SetItem(kwnames, k, key);
			argv[na + k++] = val;
		}
		typedef PyObject *(*fastcall)(PyObject *, PyObject *const *, Py_ssize_t, PyObject *);
		res = ((fastcall)ctor)(NULL, argv, na, kwnames);
		PyMem_Free(argv);
		Py_XDECREF(kwnames);
	}
	if (res == Py_None) {
		Py_DECREF(res);
		PyErr_Format(hpp_go_error(), "%s returned a nil *%s and no error", goCtor, cls);
		return NULL;
	}
	return res;
}

int hpp_as_obj(PyObject *o, PyObject *type, unsigned long long *h, const char *func, const char *arg) {
	if (!PyObject_TypeCheck(o, (PyTypeObject *)type)) {
		PyObject *want = PyObject_GetAttrString(type, "__name__");
		PyObject *got = PyObject_GetAttrString((PyObject *)Py_TYPE(o), "__name__");
		if (want != NULL && got != NULL) {
			PyErr_Format(PyExc_TypeError, "%s() argument '%s' must be %U, not %U", func, arg, want, got);
		}
		Py_XDECREF(want);
		Py_XDECREF(got);
		return -1;
	}
	*h = ((hpp_obj *)o)->handle;
	return 0;
}

// hpp_obj_dealloc gives the handle back, so that Go's collector can free
// the value once Go holds no other reference. In a forked child the Go
// runtime cannot be called (see hpp_forked): the handle is left, and the
// value lives on there as a leak.
void hpp_obj_dealloc(PyObject *self, void (*del)(unsigned long long)) {
	PyTypeObject *tp = Py_TYPE(self);
	unsigned long long h = ((hpp_obj *)self)->handle;
	if (h != 0 && !hpp_forked) {
		del(h);
	}
	freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);
	tp_free(self);
	Py_DECREF(tp);
}

// hpp_obj_repr writes NAME(field=value, ...) from the class's properties.
PyObject *hpp_obj_repr(PyObject *self, const char *name, PyGetSetDef *defs) {
	PyObject *parts = PyList_New(0), *res = NULL;
	if (parts == NULL) {
		return NULL;
	}
	for (; defs->name != NULL; defs++) {
		PyObject *v = defs->get(self, defs->closure);
		if (v == NULL) {
			goto done;
		}
		PyObject *s = PyUnicode_FromFormat("%s=%R", defs->name, v);
		Py_DECREF(v);
		if (s == NULL || PyList_Append(parts, s) < 0) {
			Py_XDECREF(s);
			goto done;
		}
		Py_DECREF(s);
	}
	PyObject *sep = PyUnicode_FromString(", ");
	if (sep != NULL) {
		PyObject *joined = PyUnicode_Join(sep, parts);
		Py_DECREF(sep);
		if (joined != NULL) {
			res = PyUnicode_FromFormat("%s(%U)", name, joined);
			Py_DECREF(joined);
		}
	}
done:
	Py_DECREF(parts);
	return res;
}
