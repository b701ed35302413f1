"""Timing half of scripts/bench-ext: run under the Python being measured,
with the built modules on sys.path. Prints one JSON object."""
import ctypes
import json
import os
import sys
import timeit

out_dir, examples, mode = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, out_dir)
sys.path.insert(0, os.path.join(examples, "fib"))
import cext  # noqa: E402
import hppbench as go  # noqa: E402
import reference as pyref  # noqa: E402

REPEAT = int(os.environ.get("REPEAT", "7"))


def per_call(stmt, g, number):
    ts = timeit.repeat(stmt, globals=g, number=number, repeat=REPEAT)
    ts.sort()
    return ts[len(ts) // 2] / number * 1e9  # median, ns


def wall(f, *args, repeat=5):
    import time
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = f(*args)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], r


res = {}
if mode == "calls":
    lib = ctypes.CDLL(os.path.join(out_dir, "ctypesgo.so"))
    lib.fib.argtypes, lib.fib.restype = [ctypes.c_long], ctypes.c_double
    g = {"py": pyref.fib, "go": go.fib, "gohold": go.fib_hold_gil, "ct": lib.fib, "c": cext.fib,
         "noop": go.noop, "par": go.parallel_noop}
    n = 200000
    for k in ("py", "go", "gohold", "ct", "c"):
        res["fib0_" + k] = per_call(k + "(0)", g, n)
    # A second Python thread, idle: now the call must hand the GIL over.
    import threading
    ev = threading.Event()
    t = threading.Thread(target=ev.wait)
    t.start()
    for k in ("py", "go", "ct"):
        res["fib0_%s_2threads" % k] = per_call(k + "(0)", g, n)
    ev.set()
    t.join()
    res["noop"] = per_call("noop(0)", g, n // 4)
    res["fanout2"] = per_call("par(2)", g, n // 4)
else:
    res["pi_go"], v = wall(go.pi, 20_000_000)
    res["pi_c"], vc = wall(cext.pi, 20_000_000)
    assert abs(v - vc) < 1e-9, (v, vc)
    res["julia_go"], t = wall(go.grid, 1000, 300, repeat=3)
    assert t == 33219980, t
    res["julia_c"], t = wall(cext.grid, 1000, 300, repeat=3)
    assert t == 33219980, t
    if mode == "kernels2":
        try:
            import numpy as np
            def np_pi(n):
                x = (np.arange(n, dtype=np.float64) + 0.5) / n
                return float(np.sum(4.0 / (1.0 + x * x)) / n)
            res["pi_numpy"], _ = wall(np_pi, 20_000_000, repeat=3)
        except ImportError:
            pass
        try:
            import numexpr as ne, numpy as np
            x = (np.arange(20_000_000, dtype=np.float64) + 0.5) / 20_000_000
            res["pi_numexpr"], _ = wall(lambda: float(ne.evaluate("sum(4.0 / (1.0 + x * x))")) / 20_000_000, repeat=3)
        except ImportError:
            pass
print(json.dumps(res))
