# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython half of scripts/bench-ext: the same pi and Julia kernels as
cext.c and examples/goext, serial (GIL released) and with prange over
OpenMP threads, as the High Performance Python book's Cython chapter
writes them."""
from cython.parallel import prange
from libc.stdlib cimport malloc, free


def pi(long n):
    cdef double h = 1.0 / n, s = 0.0, x
    cdef long i
    with nogil:
        for i in range(n):
            x = (i + 0.5) * h
            s += 4.0 / (1.0 + x * x)
    return s * h


def pi_prange(long n):
    cdef double h = 1.0 / n, s = 0.0, x
    cdef long i
    for i in prange(n, nogil=True, schedule="static"):
        x = (i + 0.5) * h
        s += 4.0 / (1.0 + x * x)
    return s * h


cdef inline int iterate(double zr, double zi, double cr, double ci, int maxiter) nogil:
    cdef int n = 0
    cdef double t
    while n < maxiter and zr * zr + zi * zi < 4:
        t = zr * zr - zi * zi + cr
        zi = zr * zi + zi * zr + ci
        zr = t
        n += 1
    return n


def grid(int width, int maxiter, bint parallel=False):
    # The book's coordinates, accumulated step by step as cext.c and the
    # Go example do, so that the total is 33,219,980 for 1000 and 300.
    cdef double x1 = -1.8, x2 = 1.8, y1 = -1.8, y2 = 1.8
    cdef double xstep = (x2 - x1) / width, ystep = (y1 - y2) / width, v
    cdef list xl = [], yl = []
    v = y2
    while v > y1:
        yl.append(v)
        v += ystep
    v = x1
    while v < x2:
        xl.append(v)
        v += xstep
    cdef Py_ssize_t nx = len(xl), ny = len(yl), i, j
    cdef double *xs = <double *>malloc(nx * sizeof(double))
    cdef double *ys = <double *>malloc(ny * sizeof(double))
    for i in range(nx):
        xs[i] = xl[i]
    for j in range(ny):
        ys[j] = yl[j]
    cdef long long total = 0
    if parallel:
        for j in prange(ny, nogil=True, schedule="dynamic"):
            for i in range(nx):
                total += iterate(xs[i], ys[j], -0.62772, -0.42193, maxiter)
    else:
        with nogil:
            for j in range(ny):
                for i in range(nx):
                    total += iterate(xs[i], ys[j], -0.62772, -0.42193, maxiter)
    free(xs)
    free(ys)
    return total
