# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The lab's kernels in Cython, as High Performance Python's Cython
chapter writes them: typed loops with the GIL released, and the same
loops over prange (OpenMP threads) when par is true."""
from cython.parallel import prange
from libc.math cimport sqrt
from libc.stdlib cimport malloc, free


def fib(long n):
    cdef double a = 0.0, b = 1.0, t
    cdef long i
    for i in range(n):
        t = a + b
        b = a
        a = t
    return a


def pi(long n, bint par):
    cdef double h = 1.0 / n, s = 0.0, x
    cdef long i
    if par:
        for i in prange(n, nogil=True, schedule="static"):
            x = (i + 0.5) * h
            s += 4.0 / (1.0 + x * x)
    else:
        with nogil:
            for i in range(n):
                x = (i + 0.5) * h
                s += 4.0 / (1.0 + x * x)
    return s * h


cdef inline long iterate(double zr, double zi, long maxiter) nogil:
    cdef long n = 0
    cdef double t
    while n < maxiter and zr * zr + zi * zi < 4:
        t = zr * zr - zi * zi + -0.62772
        zi = zr * zi + zi * zr + -0.42193
        zr = t
        n += 1
    return n


cdef long long row(const double[::1] xs, double y, long maxiter) nogil:
    cdef long long t = 0
    cdef Py_ssize_t i
    for i in range(xs.shape[0]):
        t += iterate(xs[i], y, maxiter)
    return t


def julia(const double[::1] xs, const double[::1] ys, long maxiter, bint par):
    cdef long long total = 0
    cdef Py_ssize_t j
    if par:
        for j in prange(ys.shape[0], nogil=True, schedule="dynamic"):
            total += row(xs, ys[j], maxiter)
    else:
        with nogil:
            for j in range(ys.shape[0]):
                total += row(xs, ys[j], maxiter)
    return total


cdef void accel(double[::1] pos, const double[::1] mass, Py_ssize_t i, double eps2, double *acc) nogil:
    cdef double ax = 0, ay = 0, az = 0, dx, dy, dz, r2, inv
    cdef Py_ssize_t j
    for j in range(mass.shape[0]):
        if j == i:
            continue
        dx = pos[3 * j] - pos[3 * i]
        dy = pos[3 * j + 1] - pos[3 * i + 1]
        dz = pos[3 * j + 2] - pos[3 * i + 2]
        r2 = dx * dx + dy * dy + dz * dz + eps2
        inv = 1.0 / (r2 * sqrt(r2))
        ax = ax + mass[j] * dx * inv
        ay = ay + mass[j] * dy * inv
        az = az + mass[j] * dz * inv
    acc[3 * i] = ax
    acc[3 * i + 1] = ay
    acc[3 * i + 2] = az


def nbody(double[::1] pos, double[::1] vel, const double[::1] mass, long steps, double dt, double eps, bint par):
    cdef Py_ssize_t n = mass.shape[0], i, k
    cdef long s
    cdef double eps2 = eps * eps
    if pos.shape[0] != 3 * n or vel.shape[0] != 3 * n:
        raise ValueError("pos and vel need 3 values per body")
    cdef double *acc = <double *>malloc((3 * n + 1) * sizeof(double))
    with nogil:
        for s in range(steps):
            if par:
                for i in prange(n, schedule="static"):
                    accel(pos, mass, i, eps2, acc)
            else:
                for i in range(n):
                    accel(pos, mass, i, eps2, acc)
            for k in range(3 * n):
                vel[k] += acc[k] * dt
            for k in range(3 * n):
                pos[k] += vel[k] * dt
    free(acc)


def memsum(const long long[::1] a, const long long[::1] idx, bint par):
    cdef long long s = 0
    cdef Py_ssize_t k, n = idx.shape[0]  # indices are the lab's own, in range
    if par:
        for k in prange(n, nogil=True, schedule="static"):
            s += a[idx[k]]
    else:
        with nogil:
            for k in range(n):
                s += a[idx[k]]
    return s
