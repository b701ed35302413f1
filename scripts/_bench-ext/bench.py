"""Timing half of scripts/bench-ext: run under the Python being measured,
with the built modules on sys.path. Prints one JSON object.

    python bench.py MODULE_DIR EXAMPLES_DIR calls|kernels1|kernels2
"""
import ctypes
import json
import multiprocessing
import os
import sys
import threading
import time
import timeit

import purepi

REPEAT = int(os.environ.get("REPEAT", "7"))
N = 20_000_000


def per_call(stmt, g, number):
    ts = sorted(timeit.repeat(stmt, globals=g, number=number, repeat=REPEAT))
    return ts[len(ts) // 2] / number * 1e9  # median, ns


def wall(f, *args, repeat=5):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = f(*args)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], r


def calls(res, out_dir, go, cext, pyref):
    lib = ctypes.CDLL(os.path.join(out_dir, "ctypesgo.so"))
    lib.fib.argtypes, lib.fib.restype = [ctypes.c_long], ctypes.c_double
    g = {"py": pyref.fib, "go": go.fib, "gohold": go.fib_hold_gil, "ct": lib.fib, "c": cext.fib,
         "noop": go.noop, "par": go.parallel_noop}
    n = 200000
    for k in ("py", "go", "gohold", "ct", "c"):
        res["fib0_" + k] = per_call(k + "(0)", g, n)
    # A second Python thread, idle: now the call must hand the GIL over.
    ev = threading.Event()
    t = threading.Thread(target=ev.wait)
    t.start()
    for k in ("py", "go", "ct"):
        res["fib0_%s_2threads" % k] = per_call(k + "(0)", g, n)
    ev.set()
    t.join()
    res["noop"] = per_call("noop(0)", g, n // 4)
    res["fanout2"] = per_call("par(2)", g, n // 4)


def pi_threads(n):
    # Two Python threads, each half of the range: the GIL lets one run at a time.
    out = []
    ts = [threading.Thread(target=lambda a=a: out.append(purepi.part(a))) for a in purepi.halves(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(out)


def kernels(res, mode, go, cext, cy):
    res["pi_go"], v = wall(go.pi, N)
    res["pi_c"], vc = wall(cext.pi, N)
    assert abs(v - vc) < 1e-9, (v, vc)
    res["julia_go"], t = wall(go.grid, 1000, 300, repeat=3)
    assert t == 33219980, t
    res["julia_c"], t = wall(cext.grid, 1000, 300, repeat=3)
    assert t == 33219980, t
    if cy is not None:
        res["pi_cython"], v = wall(cy.pi, N)
        assert abs(v - vc) < 1e-9, (v, vc)
        res["julia_cython"], t = wall(cy.grid, 1000, 300, repeat=3)
        assert t == 33219980, t
    if mode != "kernels2":
        return
    if cy is not None:
        res["pi_cython_prange"], v = wall(cy.pi_prange, N)
        assert abs(v - vc) < 1e-9, (v, vc)
        res["julia_cython_prange"], t = wall(cy.grid, 1000, 300, True, repeat=3)
        assert t == 33219980, t
    # The seed's ways around the GIL, in pure Python: threads, then processes
    # (a warm pool of 2, spawned so that no child inherits the Go runtime).
    res["pi_python"], v = wall(purepi.part, (0, N, N), repeat=3)
    assert abs(v - vc) < 1e-6, (v, vc)
    res["pi_threads"], v = wall(pi_threads, N, repeat=3)
    assert abs(v - vc) < 1e-6, (v, vc)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(purepi.part, purepi.halves(1000))
        res["pi_multiprocessing"], v = wall(lambda: sum(pool.map(purepi.part, purepi.halves(N))), repeat=3)
        assert abs(v - vc) < 1e-6, (v, vc)
    try:
        import numpy as np

        def np_pi(n):
            x = (np.arange(n, dtype=np.float64) + 0.5) / n
            return float(np.sum(4.0 / (1.0 + x * x)) / n)
        res["pi_numpy"], _ = wall(np_pi, N, repeat=3)
    except ImportError:
        pass
    try:
        import numexpr as ne
        import numpy as np
        x = (np.arange(N, dtype=np.float64) + 0.5) / N
        res["pi_numexpr"], _ = wall(lambda: float(ne.evaluate("sum(4.0 / (1.0 + x * x))", local_dict={"x": x})) / N, repeat=3)
    except ImportError:
        pass


def main():
    out_dir, examples, mode = sys.argv[1:4]
    sys.path.insert(0, out_dir)
    sys.path.insert(0, os.path.join(examples, "fib"))
    import cext
    import hppbench as go
    import reference as pyref
    try:
        import cy
    except ImportError:
        cy = None
    res = {}
    if mode == "calls":
        calls(res, out_dir, go, cext, pyref)
    else:
        kernels(res, mode, go, cext, cy)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
