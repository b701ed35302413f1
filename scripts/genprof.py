#!/usr/bin/env python3
"""Makes a large cProfile file with a real interpreter, for benchmarks.

It writes a package of generated modules with N functions that call each
other along a DAG (each function calls its two children in a binary tree,
so that every function runs, and one to three functions further down picked
at random), runs it under cProfile and dumps the profile.

    scripts/genprof.py N OUT.prof [--python PY] [--workdir DIR]

Functions run their body once (later calls return at once), so the run
takes seconds even for 100k functions; the profile has about 3.5 caller
edges per function. Generated files are kept out of git (bench/out/).
"""
import argparse
import marshal
import os
import random
import subprocess
import sys

PER_MODULE = 500


def write_package(n, root, seed=1):
    rng = random.Random(seed)
    pkg = os.path.join(root, "genpkg")
    os.makedirs(pkg, exist_ok=True)
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        f.write("F = [None] * %d\nS = bytearray(%d)\n" % (n, n))
    nmod = (n + PER_MODULE - 1) // PER_MODULE
    verbs = ["load", "parse", "check", "build", "merge", "emit", "scan", "fold", "walk", "render"]
    for m in range(nmod):
        lines = ["from genpkg import F, S\n\n"]
        for i in range(m * PER_MODULE, min(n, (m + 1) * PER_MODULE)):
            calls = [c for c in (2 * i + 1, 2 * i + 2) if c < n]
            if i + 1 < n:
                calls += [rng.randrange(i + 1, n) for _ in range(rng.randint(1, 3))]
            name = "%s_%d" % (verbs[i % len(verbs)], i)
            body = "".join("    F[%d]()\n" % c for c in calls)
            lines.append("def %s():\n    if S[%d]:\n        return\n    S[%d] = 1\n%s\n\nF[%d] = %s\n\n\n"
                         % (name, i, i, body or "    pass\n", i, name))
        with open(os.path.join(pkg, "m%04d.py" % m), "w") as f:
            f.write("".join(lines))
    with open(os.path.join(root, "driver.py"), "w") as f:
        f.write("import importlib, sys\nsys.setrecursionlimit(100000)\n"
                "for m in range(%d):\n    importlib.import_module('genpkg.m%%04d' %% m)\n"
                "import genpkg\ngenpkg.F[0]()\n" % nmod)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of generated functions")
    ap.add_argument("out", help="profile to write")
    ap.add_argument("--python", default=sys.executable, help="interpreter to profile with")
    ap.add_argument("--workdir", help="where to write the generated modules (default: next to OUT)")
    a = ap.parse_args()
    work = a.workdir or os.path.splitext(os.path.abspath(a.out))[0] + ".src"
    write_package(a.n, work)
    subprocess.check_call([a.python, "-B", "-m", "cProfile", "-o", os.path.abspath(a.out), "driver.py"], cwd=work)
    with open(a.out, "rb") as f:
        stats = marshal.load(f)
    edges = sum(len(v[4]) for v in stats.values())
    print("%s: %d functions, %d caller edges, %d bytes" % (a.out, len(stats), edges, os.path.getsize(a.out)))


if __name__ == "__main__":
    main()
