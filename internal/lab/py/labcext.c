/* The lab's hand-written CPython extension: labclib.c's kernels behind
   METH_O and METH_VARARGS, the GIL released around each loop. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include "labclib.c"

static PyObject *fib(PyObject *self, PyObject *arg) {
	long n = PyLong_AsLong(arg);
	if (n == -1 && PyErr_Occurred()) return NULL;
	return PyFloat_FromDouble(lab_fib(n));
}

static PyObject *pi(PyObject *self, PyObject *arg) {
	long n = PyLong_AsLong(arg);
	if (n == -1 && PyErr_Occurred()) return NULL;
	double r;
	Py_BEGIN_ALLOW_THREADS
	r = lab_pi(n);
	Py_END_ALLOW_THREADS
	return PyFloat_FromDouble(r);
}

static PyObject *julia(PyObject *self, PyObject *args) {
	Py_buffer xs, ys;
	long maxiter;
	if (!PyArg_ParseTuple(args, "y*y*l", &xs, &ys, &maxiter)) return NULL;
	long long t;
	Py_BEGIN_ALLOW_THREADS
	t = lab_julia(xs.buf, xs.len / sizeof(double), ys.buf, ys.len / sizeof(double), maxiter);
	Py_END_ALLOW_THREADS
	PyBuffer_Release(&xs);
	PyBuffer_Release(&ys);
	return PyLong_FromLongLong(t);
}

static PyObject *nbody(PyObject *self, PyObject *args) {
	Py_buffer pos, vel, mass;
	long steps;
	double dt, eps;
	if (!PyArg_ParseTuple(args, "w*w*y*ldd", &pos, &vel, &mass, &steps, &dt, &eps)) return NULL;
	long n = mass.len / sizeof(double);
	double *acc = NULL;
	if (pos.len != 3 * n * (Py_ssize_t)sizeof(double) || vel.len != pos.len)
		PyErr_SetString(PyExc_ValueError, "pos and vel need 3 values per body");
	else if (!(acc = malloc(3 * n * sizeof(double) + 1)))
		PyErr_NoMemory();
	else {
		Py_BEGIN_ALLOW_THREADS
		lab_nbody(pos.buf, vel.buf, mass.buf, n, steps, dt, eps, acc);
		Py_END_ALLOW_THREADS
	}
	free(acc);
	PyBuffer_Release(&pos);
	PyBuffer_Release(&vel);
	PyBuffer_Release(&mass);
	if (PyErr_Occurred()) return NULL;
	Py_RETURN_NONE;
}

static PyObject *memsum(PyObject *self, PyObject *args) {
	Py_buffer a, idx;
	if (!PyArg_ParseTuple(args, "y*y*", &a, &idx)) return NULL;
	long long s;
	int bad;
	Py_BEGIN_ALLOW_THREADS
	s = lab_memsum(a.buf, a.len / 8, idx.buf, idx.len / 8, &bad);
	Py_END_ALLOW_THREADS
	PyBuffer_Release(&a);
	PyBuffer_Release(&idx);
	if (bad) { PyErr_SetString(PyExc_IndexError, "index out of range"); return NULL; }
	return PyLong_FromLongLong(s);
}

static PyMethodDef methods[] = {
	{"fib", fib, METH_O, NULL},
	{"pi", pi, METH_O, NULL},
	{"julia", julia, METH_VARARGS, NULL},
	{"nbody", nbody, METH_VARARGS, NULL},
	{"memsum", memsum, METH_VARARGS, NULL},
	{NULL, NULL, 0, NULL},
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "labcext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_labcext(void) { return PyModule_Create(&def); }
