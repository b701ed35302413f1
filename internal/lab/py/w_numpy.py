"""numpy: whole-array operations, the loops in numpy's C."""
import numpy as np

import labkern as K


def pi(kernel, args, inp, cores):
    n = inp["n"]

    def run():
        x = (np.arange(n, dtype=np.float64) + 0.5) * (1.0 / n)
        return float(np.sum(4.0 / (1.0 + x * x)) * (1.0 / n))
    return run


def julia(kernel, args, inp, cores):
    xs, ys = np.frombuffer(inp["xs"]), np.frombuffer(inp["ys"])
    maxiter = inp["maxiter"]
    c = complex(K.C_REAL, K.C_IMAG)

    def run():
        # Keep only the points still inside: the total is the number of
        # (point, iteration) pairs that pass the test.
        z = (xs[None, :] + 1j * ys[:, None]).ravel()
        total = 0
        for _ in range(maxiter):
            z = z[np.abs(z) < 2]
            if z.size == 0:
                break
            total += z.size
            z = z * z + c
        return total
    return run


def nbody(kernel, args, inp, cores):
    mass = np.frombuffer(inp["mass"])
    dt, eps2, steps = inp["dt"], inp["eps"] * inp["eps"], inp["steps"]

    def run():
        pos = np.array(inp["pos"]).reshape(-1, 3)
        vel = np.array(inp["vel"]).reshape(-1, 3)
        for _ in range(steps):
            d = pos[None, :, :] - pos[:, None, :]
            r2 = (d * d).sum(axis=2) + eps2
            w = mass[None, :] / (r2 * np.sqrt(r2))
            vel += (d * w[:, :, None]).sum(axis=1) * dt
            pos += vel * dt
        return pos.ravel()
    return run


def mem(kernel, args, inp, cores):
    a, idx = np.frombuffer(inp["a"], dtype=np.int64), np.frombuffer(inp["idx"], dtype=np.int64)
    return lambda: int(a[idx].sum())


def text(kernel, args, inp, cores):
    t = inp["text"]

    def run():
        words, counts = np.unique(np.array(t.split()), return_counts=True)
        order = np.lexsort((words, -counts))[:10]
        return [len(words), [[str(words[i]), int(counts[i])] for i in order]]
    return run
