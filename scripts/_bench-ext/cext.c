/* The C baseline for scripts/bench-ext: the same kernels as
   examples/goext, as a plain CPython extension (METH_O / METH_FASTCALL). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *fib(PyObject *self, PyObject *arg) {
	long n = PyLong_AsLong(arg);
	if (n == -1 && PyErr_Occurred()) return NULL;
	double a = 0.0, b = 1.0;
	for (long i = 0; i < n; i++) { double t = a + b; b = a; a = t; }
	return PyFloat_FromDouble(a);
}

static PyObject *pi(PyObject *self, PyObject *arg) {
	long n = PyLong_AsLong(arg);
	if (n == -1 && PyErr_Occurred()) return NULL;
	double h = 1.0 / n, s = 0.0;
	Py_BEGIN_ALLOW_THREADS
	for (long i = 0; i < n; i++) { double x = (i + 0.5) * h; s += 4.0 / (1.0 + x * x); }
	Py_END_ALLOW_THREADS
	return PyFloat_FromDouble(s * h);
}

static int iterate(double zr, double zi, double cr, double ci, int maxiter) {
	int n = 0;
	while (n < maxiter && zr * zr + zi * zi < 4) {
		double t = zr * zr - zi * zi + cr;
		zi = zr * zi + zi * zr + ci;
		zr = t;
		n++;
	}
	return n;
}

static PyObject *grid(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
	if (nargs != 2) { PyErr_SetString(PyExc_TypeError, "grid(width, maxiter)"); return NULL; }
	long width = PyLong_AsLong(args[0]), maxiter = PyLong_AsLong(args[1]);
	if (PyErr_Occurred()) return NULL;
	const double x1 = -1.8, x2 = 1.8, y1 = -1.8, y2 = 1.8;
	double xs = (x2 - x1) / width, ys = (y1 - y2) / width;
	long long total = 0;
	Py_BEGIN_ALLOW_THREADS
	for (double y = y2; y > y1; y += ys)
		for (double x = x1; x < x2; x += xs)
			total += iterate(x, y, -0.62772, -0.42193, (int)maxiter);
	Py_END_ALLOW_THREADS
	return PyLong_FromLongLong(total);
}

static PyMethodDef methods[] = {
	{"fib", fib, METH_O, NULL},
	{"pi", pi, METH_O, NULL},
	{"grid", (PyCFunction)(void (*)(void))grid, METH_FASTCALL, NULL},
	{NULL, NULL, 0, NULL},
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&def); }
