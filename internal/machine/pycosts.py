# What common Python operations cost on this machine, for `hpp machine`.
# Run as: PY -c SCRIPT QUICK CPU, with QUICK "1" or "0" and CPU the CPU to
# pin to (-1: none). Prints one JSON document on stdout. Python 3.6+.
#
# Each figure is timeit's: the statement runs `number` times in a loop
# (autorange: enough for one repeat to last `slice` seconds) and the
# time per run of each repeat is kept; hpp takes their median. The loop's
# own cost is included, as timeit includes it, and measured on its own.
import json
import os
import random
import sys
import time
import timeit

quick = sys.argv[1] == "1"
cpu = int(sys.argv[2])
if cpu >= 0 and hasattr(os, "sched_setaffinity"):
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass

# CPU time of this thread, as hpp's own probes use, where it exists (3.7+):
# time another process takes from this one does not count.
timer = getattr(time, "thread_time", time.perf_counter)
repeats = 3 if quick else 7
slice_s = 0.02 if quick else 0.05
large = 1 << 20 if quick else 1 << 22

rows = []


def measure(what, stmt, setup="pass", g=None, per=1, note=""):
    t = timeit.Timer(stmt, setup, timer=timer, globals=g)
    number = 1
    while True:
        if t.timeit(number) >= slice_s / 4:
            break
        number *= 4
    number = max(1, int(number * slice_s / max(t.timeit(number), 1e-9)))
    xs = [x / number / per * 1e9 for x in t.repeat(repeats, number)]
    rows.append({"what": what, "ns": xs, "per": "element" if per > 1 else "call", "note": note})


class Point(object):
    def __init__(self):
        self.x = 1


def f():
    pass


g = {"f": f, "o": Point(), "d": {str(i): i for i in range(1000)}, "k": "500"}
measure("empty loop iteration (timeit's own cost, in every row)", "pass", g=g)
measure("function call f()", "f()", g=g)
measure("attribute lookup o.x", "o.x", g=g)
measure("list append", "l.append(1)", "l = []", g=g)
measure("dict lookup d[k] (1,000 str keys)", "d[k]", g=g)

small = [float(i) for i in range(1024)]
big = [float(i) for i in range(large)]  # floats allocated in order
shuffled = big[:]
random.Random(1).shuffle(shuffled)  # the same floats, visited in random order
g.update(small=small, big=big, shuffled=shuffled)
mb = large * (8 + 24) / 1e6  # list pointers + float objects
measure("sum(list), 1,024 floats (in L1/L2)", "sum(small)", g=g, per=len(small))
measure("sum(list), {:,} floats in memory order ({:.0f} MB)".format(large, mb), "sum(big)", g=g, per=large)
measure("sum(list), the same floats in random order", "sum(shuffled)", g=g, per=large,
        note="each float is a pointer chase into RAM")
del big, shuffled

np_version = ""
np_note = ""
try:
    import numpy as np
except ImportError as e:
    np_note = "numpy is not installed for this Python (%s): its rows are skipped" % e
else:
    np_version = np.__version__
    a = np.ones(8)
    arr = np.arange(large, dtype=np.float64)
    perm = np.random.RandomState(1).permutation(large)
    g.update(np=np, a=a, arr=arr, perm=perm)
    measure("numpy call np.add(a, a), 8 float64", "np.add(a, a)", g=g)
    measure("numpy arr.sum(), {:,} float64 in order ({:.0f} MB)".format(large, large * 8 / 1e6), "arr.sum()", g=g, per=large)
    measure("numpy arr[perm].sum(), the same in random order", "arr[perm].sum()", g=g, per=large,
            note="includes the gather into a new array")

json.dump({
    "executable": sys.executable,
    "version": sys.version.split()[0],
    "implementation": sys.implementation.name,
    "numpy": np_version,
    "note": np_note,
    "timer": getattr(timer, "__name__", "perf_counter"),
    "rows": rows,
}, sys.stdout)
