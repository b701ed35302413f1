"""The lab's timing harness: runs one way on the kernels it is given, in
this process, and prints one JSON line per kernel.

    python labrun.py SPEC_JSON

SPEC: {"way": module suffix (w_NAME.py), "option": the way's variant,
"build": directory of compiled modules, "cores": N, "repeat": N,
"budget": seconds, "kernels": [{"name": ..., "args": {...}}],
"reference": true to run labkern.reference instead of a way}.
Start-up (the way's set-up: pools, compiling, loading) is timed apart
from the first call (warm-up, where JITs compile) and the repeats."""
import importlib
import json
import os
import sys
import time
import traceback

GROUPS = {"fib0": "fib", "fib90": "fib", "pi": "pi", "julia": "julia", "nbody": "nbody",
          "mem-seq": "mem", "mem-random": "mem", "text": "text"}


def plain(r):
    """A result as JSON: arrays and tuples become lists."""
    if isinstance(r, (list, tuple)) or type(r).__name__ in ("array", "ndarray"):
        return [plain(x) for x in r]
    if isinstance(r, bool):
        return r
    if hasattr(r, "item") and not isinstance(r, (int, float)):
        return r.item()  # a numpy scalar
    return r


def looped(f, n, calls):
    def run():
        r = None
        for _ in range(calls):
            r = f(n)
        return r
    return run


def one(spec, mod, kern, k):
    name, args = k["name"], dict(k["args"])
    if spec.get("inputs"):
        args["cache"] = spec["inputs"]
    out = {"kernel": name}
    inp = kern.prepare(name, args)
    if spec.get("reference"):
        t = time.perf_counter()
        out["result"] = plain(kern.reference(name, inp))
        out["times"] = [time.perf_counter() - t]
        return out
    prov = getattr(mod, GROUPS[name], None)
    t = time.perf_counter()
    run = prov(name, args, inp, spec["cores"]) if prov else None
    setup = time.perf_counter() - t
    if run is None:
        out["na"] = True
        return out
    if name in ("fib0", "fib90"):
        run = looped(run, inp["n"], inp["calls"])
        out["calls"] = inp["calls"]
    t = time.perf_counter()
    r = run()
    first = time.perf_counter() - t
    reps = spec["repeat"]
    if first * reps > spec["budget"]:
        reps = max(2, int(spec["budget"] / max(first, 1e-9)))
        reps = min(reps, spec["repeat"])
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        r = run()
        times.append(time.perf_counter() - t)
    out.update({"setup": setup, "first": first, "times": times, "result": plain(r)})
    return out


def main():
    spec = json.loads(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    if spec.get("build"):
        sys.path.insert(0, spec["build"])
    import labkern as kern
    mod = None
    if not spec.get("reference"):
        mod = importlib.import_module("w_" + spec["way"])
        mod.OPTION = spec.get("option", "")
        mod.BUILD = spec.get("build", "")
        mod.HERE = here
        mod.CACHE = spec.get("small", False)
        # An engine's other processes (MPI ranks) serve rank 0 and print nothing.
        if hasattr(mod, "serve") and mod.serve(spec):
            return
        # An engine starts once (a cluster, a pool of ranks): timed apart,
        # with its overhead per task measured on empty tasks.
        way = {"way_startup": 0.0}
        if hasattr(mod, "start"):
            t = time.perf_counter()
            try:
                mod.start(spec)
                way["per_task"] = mod.overhead()
            except Exception as e:
                sys.stdout.write(json.dumps({"way_error": "%s: %s" % (type(e).__name__, e)}) + "\n")
                sys.stdout.flush()
                raise
            way["way_startup"] = time.perf_counter() - t
        sys.stdout.write(json.dumps(way) + "\n")
        sys.stdout.flush()
    try:
        kernels(spec, mod, kern)
    finally:
        if hasattr(mod, "finish"):
            mod.finish()


def kernels(spec, mod, kern):
    for k in spec["kernels"]:
        try:
            out = one(spec, mod, kern, k)
        except Exception as e:
            out = {"kernel": k["name"], "error": "%s: %s" % (type(e).__name__, e),
                   "trace": traceback.format_exc()[-2000:]}
        finally:
            for close in getattr(mod, "closers", []):
                try:
                    close()
                except Exception:
                    pass
            if mod is not None and hasattr(mod, "closers"):
                mod.closers = []
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
