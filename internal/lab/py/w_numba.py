"""numba: the loops compiled by LLVM on the first call; OPTION "parallel"
compiles them with parallel=True, prange spread over every core."""
import numpy as np
from numba import njit, prange

import labkern as K

OPTION = "jit"
CACHE = False
CR, CI = K.C_REAL, K.C_IMAG
_fns = {}


def _compiled():
    par = OPTION == "parallel"
    if par in _fns:
        return _fns[par]
    # Only the tests' small runs keep the machine code on disk
    # (__pycache__ beside this file): real runs show the JIT's cost.
    cache = bool(CACHE)

    def jit(f):
        # The serial and parallel builds get names of their own: numba
        # files its cache under the function's name and line.
        f.__qualname__ += "_parallel" if par else "_serial"
        return njit(parallel=par, cache=cache)(f)

    @jit
    def fib(n):
        a, b = 0.0, 1.0
        for _ in range(n):
            a, b = a + b, a
        return a

    @jit
    def pi(n):
        h = 1.0 / n
        s = 0.0
        for i in prange(n):
            x = (i + 0.5) * h
            s += 4.0 / (1.0 + x * x)
        return s * h

    @jit
    def julia(xs, ys, maxiter):
        total = 0
        for j in prange(ys.shape[0]):
            t = 0
            for i in range(xs.shape[0]):
                zr, zi, n = xs[i], ys[j], 0
                while n < maxiter and zr * zr + zi * zi < 4.0:
                    zr, zi = zr * zr - zi * zi + CR, zr * zi + zi * zr + CI
                    n += 1
                t += n
            total += t
        return total

    @jit
    def nbody(pos, vel, mass, steps, dt, eps):
        n = mass.shape[0]
        eps2 = eps * eps
        for _ in range(steps):
            acc = np.zeros(3 * n)
            for i in prange(n):
                ax = ay = az = 0.0
                for j in range(n):
                    if j != i:
                        dx = pos[3 * j] - pos[3 * i]
                        dy = pos[3 * j + 1] - pos[3 * i + 1]
                        dz = pos[3 * j + 2] - pos[3 * i + 2]
                        r2 = dx * dx + dy * dy + dz * dz + eps2
                        inv = 1.0 / (r2 * np.sqrt(r2))
                        ax += mass[j] * dx * inv
                        ay += mass[j] * dy * inv
                        az += mass[j] * dz * inv
                acc[3 * i], acc[3 * i + 1], acc[3 * i + 2] = ax, ay, az
            for k in range(3 * n):
                vel[k] += acc[k] * dt
            for k in range(3 * n):
                pos[k] += vel[k] * dt

    @jit
    def mem(a, idx):
        s = 0
        for k in prange(idx.shape[0]):
            s += a[idx[k]]
        return s

    _fns[par] = (fib, pi, julia, nbody, mem)
    return _fns[par]


def fib(kernel, args, inp, cores):
    return _compiled()[0] if OPTION != "parallel" else None


def pi(kernel, args, inp, cores):
    f, n = _compiled()[1], inp["n"]
    return lambda: f(n)


def julia(kernel, args, inp, cores):
    f = _compiled()[2]
    xs, ys = np.frombuffer(inp["xs"]), np.frombuffer(inp["ys"])
    return lambda: f(xs, ys, inp["maxiter"])


def nbody(kernel, args, inp, cores):
    f = _compiled()[3]
    mass = np.frombuffer(inp["mass"])

    def run():
        pos, vel = np.array(inp["pos"]), np.array(inp["vel"])
        f(pos, vel, mass, inp["steps"], inp["dt"], inp["eps"])
        return pos
    return run


def mem(kernel, args, inp, cores):
    f = _compiled()[4]
    a, idx = np.frombuffer(inp["a"], dtype=np.int64), np.frombuffer(inp["idx"], dtype=np.int64)
    return lambda: f(a, idx)
