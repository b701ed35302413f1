"""The compiled ways that share one calling pattern: the hand-written C
extension (labcext), Cython serial and prange (labcy), ctypes and cffi
on the C library (liblab.so), and Go built by hpp build (labgo).
OPTION names which."""
import os
from array import array

OPTION = "cext"
BUILD = ""
_mod = None


def _lib():
    """An object with fib, pi, julia, nbody and memsum, for OPTION."""
    global _mod
    if _mod is not None:
        return _mod
    if OPTION == "cext":
        import labcext as m
    elif OPTION in ("cython", "cython-prange"):
        import labcy
        m = _cython(labcy, OPTION == "cython-prange")
    elif OPTION in ("go", "go1"):
        import labgo as m
    elif OPTION == "ctypes":
        m = _ctypes()
    elif OPTION == "cffi":
        m = _cffi()
    else:
        raise ValueError("unknown compiled way " + OPTION)
    _mod = m
    return m


class _cython(object):
    def __init__(self, cy, par):
        self.cy, self.par = cy, par
        self.fib = cy.fib

    def pi(self, n):
        return self.cy.pi(n, self.par)

    def julia(self, xs, ys, maxiter):
        return self.cy.julia(xs, ys, maxiter, self.par)

    def nbody(self, pos, vel, mass, steps, dt, eps):
        self.cy.nbody(pos, vel, mass, steps, dt, eps, self.par)

    def memsum(self, a, idx):
        return self.cy.memsum(a, idx, self.par)


class _ctypes(object):
    def __init__(self):
        import ctypes as C
        lib = C.CDLL(os.path.join(BUILD, "liblab.so"))
        P = C.c_void_p
        lib.lab_fib.argtypes, lib.lab_fib.restype = [C.c_long], C.c_double
        lib.lab_pi.argtypes, lib.lab_pi.restype = [C.c_long], C.c_double
        lib.lab_julia.argtypes, lib.lab_julia.restype = [P, C.c_long, P, C.c_long, C.c_long], C.c_longlong
        lib.lab_nbody.argtypes = [P, P, P, C.c_long, C.c_long, C.c_double, C.c_double, P]
        lib.lab_memsum.argtypes, lib.lab_memsum.restype = [P, C.c_long, P, C.c_long, C.POINTER(C.c_int)], C.c_longlong
        self.C, self.lib = C, lib
        self.fib, self.pi = lib.lab_fib, lib.lab_pi

    def julia(self, xs, ys, maxiter):
        return self.lib.lab_julia(xs.buffer_info()[0], len(xs), ys.buffer_info()[0], len(ys), maxiter)

    def nbody(self, pos, vel, mass, steps, dt, eps):
        acc = array("d", bytes(8 * len(pos)))
        self.lib.lab_nbody(pos.buffer_info()[0], vel.buffer_info()[0], mass.buffer_info()[0], len(mass), steps, dt, eps,
                           acc.buffer_info()[0])

    def memsum(self, a, idx):
        bad = self.C.c_int()
        s = self.lib.lab_memsum(a.buffer_info()[0], len(a), idx.buffer_info()[0], len(idx), self.C.byref(bad))
        if bad.value:
            raise IndexError("index out of range")
        return s


class _cffi(object):
    def __init__(self):
        from cffi import FFI
        ffi = FFI()
        ffi.cdef("""double lab_fib(long n); double lab_pi(long n);
            long long lab_julia(const double *xs, long nx, const double *ys, long ny, long maxiter);
            void lab_nbody(double *pos, double *vel, const double *mass, long n, long steps, double dt, double eps, double *acc);
            long long lab_memsum(const long long *a, long na, const long long *idx, long n, int *bad);""")
        lib = ffi.dlopen(os.path.join(BUILD, "liblab.so"))
        self.ffi, self.lib = ffi, lib
        self.fib, self.pi = lib.lab_fib, lib.lab_pi

    def julia(self, xs, ys, maxiter):
        fb = self.ffi.from_buffer
        return self.lib.lab_julia(fb("double[]", xs), len(xs), fb("double[]", ys), len(ys), maxiter)

    def nbody(self, pos, vel, mass, steps, dt, eps):
        fb = self.ffi.from_buffer
        acc = self.ffi.new("double[]", len(pos))
        self.lib.lab_nbody(fb("double[]", pos), fb("double[]", vel), fb("double[]", mass), len(mass), steps, dt, eps, acc)

    def memsum(self, a, idx):
        fb = self.ffi.from_buffer
        bad = self.ffi.new("int *")
        s = self.lib.lab_memsum(fb("long long[]", a), len(a), fb("long long[]", idx), len(idx), bad)
        if bad[0]:
            raise IndexError("index out of range")
        return s


def fib(kernel, args, inp, cores):
    return _lib().fib if OPTION not in ("cython-prange", "go1") else None


def pi(kernel, args, inp, cores):
    f, n = _lib().pi, inp["n"]
    return lambda: f(n)


def julia(kernel, args, inp, cores):
    f = _lib().julia
    return lambda: f(inp["xs"], inp["ys"], inp["maxiter"])


def nbody(kernel, args, inp, cores):
    f = _lib().nbody

    def run():
        pos, vel = array("d", inp["pos"]), array("d", inp["vel"])
        f(pos, vel, inp["mass"], inp["steps"], inp["dt"], inp["eps"])
        return pos
    return run


def mem(kernel, args, inp, cores):
    f = _lib().memsum
    return lambda: f(inp["a"], inp["idx"])


def text(kernel, args, inp, cores):
    if OPTION not in ("go", "go1"):
        return None
    import json
    f = _lib().words
    return lambda: json.loads(f(inp["text"]))
