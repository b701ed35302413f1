# -*- coding: utf-8 -*-
"""Makes pstats files with a real interpreter, and dumps what that
interpreter's own pstats module reads from them, for hpp's tests.

Runs under Python 2.7 and 3.6+. Usage:

    PY corpus.py gen DIR [small]   profile the workloads into DIR/*.prof
    PY corpus.py expect DIR        write DIR/expect.json.gz: pstats' view

make.sh runs both for every installed interpreter; the Go tests run both
live in a temporary directory (with "small").
"""
from __future__ import print_function

import gzip
import io
import json
import os
import pstats
import sys
import threading
import types

PY2 = sys.version_info[0] == 2
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "workload")
DONNEES = os.path.join(WORK, "donn\xc3\xa9es.py" if PY2 else "donn\u00e9es.py")


# ---- workloads ------------------------------------------------------------

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def deep(n):
    # Deep direct recursion: one function, hundreds of frames.
    if n == 0:
        return 0
    return 1 + deep(n - 1)


def ping(n):
    # Mutual recursion: edges whose primitive and total counts differ.
    return 0 if n <= 0 else pong(n - 1) + 1


def pong(n):
    return 0 if n <= 0 else ping(n - 1) + 1


def squares(n):
    for i in range(n):
        yield i * i


def use_builtins(n):
    words = [str(i) for i in range(n)]
    words.sort(key=len)
    d = dict((w, len(w)) for w in words)
    return len(",".join(words)) + sum(d.values()) + max(map(lambda w: len(w), words))


class Shape(object):
    def __init__(self, k):
        self.k = k

    def area(self):
        return self.k * self.k


def worker(n, out):
    out.append(sum(squares(n)))


def threads(n):
    out = []
    ts = [threading.Thread(target=worker, args=(n, out)) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(out)


def imports():
    sys.dont_write_bytecode = True
    if WORK not in sys.path:
        sys.path.insert(0, WORK)
    sys.modules.pop("helpermod", None)
    import helpermod
    return helpermod.work(50)


def rename(f, name):
    """Returns f under another co_name, so that Python 2 gets a non-ASCII
    function name too (its identifiers are ASCII only)."""
    c = f.__code__
    if hasattr(c, "replace"):
        kw = {"co_name": name}
        if hasattr(c, "co_qualname"):
            kw["co_qualname"] = name
        c = c.replace(**kw)
    elif PY2:
        c = types.CodeType(c.co_argcount, c.co_nlocals, c.co_stacksize, c.co_flags, c.co_code,
                           c.co_consts, c.co_names, c.co_varnames, c.co_filename, name,
                           c.co_firstlineno, c.co_lnotab, c.co_freevars, c.co_cellvars)
    else:
        c = types.CodeType(c.co_argcount, c.co_kwonlyargcount, c.co_nlocals, c.co_stacksize,
                           c.co_flags, c.co_code, c.co_consts, c.co_names, c.co_varnames,
                           c.co_filename, name, c.co_firstlineno, c.co_lnotab, c.co_freevars,
                           c.co_cellvars)
    return types.FunctionType(c, f.__globals__, name)


def cafe_module():
    with open(DONNEES, "rb") as f:
        src = f.read()
    ns = {"__name__": "donnees"}
    exec(compile(src, DONNEES, "exec"), ns)
    return rename(ns["_brew"], "caf\xc3\xa9" if PY2 else "caf\u00e9")


CAFE = cafe_module()


def main(scale):
    total = fib(10 + scale)
    total += deep(100 * scale)
    total += ping(20 * scale)
    total += sum(squares(30 * scale))
    total += use_builtins(40 * scale)
    total += sum(Shape(k).area() for k in range(5 * scale))
    total += threads(20 * scale)
    total += imports()
    total += CAFE(30 * scale)
    return total


# ---- making the files -----------------------------------------------------

def run(prof, scale, path):
    prof.runctx("main(scale)", globals(), {"scale": scale})
    prof.dump_stats(path)


def gen(out, small):
    import cProfile
    import profile
    import time
    sys.setrecursionlimit(5000)
    big, little = (2, 1) if small else (3, 2)
    j = lambda name: os.path.join(out, name)
    run(cProfile.Profile(), big, j("cprofile.prof"))
    run(cProfile.Profile(), little, j("cprofile_b.prof"))
    run(profile.Profile(), big, j("profile.prof"))
    run(profile.Profile(), little, j("profile_b.prof"))
    if hasattr(time, "perf_counter_ns"):
        run(profile.Profile(timer=time.perf_counter_ns), little, j("profile_ns.prof"))
    tiny = cProfile.Profile()  # a few hundred bytes: cut at every byte in tests
    tiny.runctx("fib(3)", globals(), {})
    tiny.dump_stats(j("tiny.prof"))
    s = pstats.Stats(j("cprofile.prof"))
    s.add(j("cprofile_b.prof"))
    s.dump_stats(j("added.prof"))
    pstats.Stats(j("cprofile.prof")).strip_dirs().dump_stats(j("stripped.prof"))


# ---- what pstats reads ----------------------------------------------------

def text(x):
    """A file or function name as JSON; names that are not strings (the
    profile module can key entries by objects) keep their repr and the
    co_name they carry."""
    if PY2 and isinstance(x, str):
        return x.decode("utf-8", "replace")
    if isinstance(x, (str, type(u""))):
        return x
    return {"repr": repr(x), "co_name": getattr(x, "co_name", None)}


def key(func):
    return [text(func[0]), func[1], text(func[2])]


# Views whose text is compared: (kind, sort keys, restrictions). A
# restriction is {"limit": "N"}, {"limit": "0.25"} or {"filter": "REGEX"}.
VIEWS = [
    ("stats", [], []),
    ("stats", ["cumulative"], []),
    ("stats", ["tottime"], [{"limit": "10"}]),
    ("stats", ["calls", "name"], [{"limit": "0.25"}]),
    ("stats", ["nfl"], [{"filter": "fib|caf|workload"}, {"limit": "5"}]),
    ("stats", ["stdname"], [{"filter": "^{"}]),
    ("callers", ["cumulative"], [{"limit": "15"}]),
    ("callers", ["name"], [{"filter": "ping|pong|deep"}]),
    ("callees", ["tottime"], [{"limit": "15"}]),
    ("callees", [], [{"filter": "main|squares"}]),
]

MULTI = [["calls", "name"], ["file", "line"], ["pcalls", "cumulative", "nfl"], ["module", "time"]]


def amount(r):
    if "filter" in r:
        return r["filter"]
    v = r["limit"]
    return float(v) if "." in v else int(v)


def capture(files, strip, kind, keys, amounts):
    buf = io.BytesIO() if PY2 else io.StringIO()
    s = pstats.Stats(*files, stream=buf)
    if strip:
        s.strip_dirs()
    if keys:
        s.sort_stats(*keys)
    getattr(s, "print_" + kind)(*[amount(r) for r in amounts])
    out = buf.getvalue()
    return out.decode("utf-8") if PY2 else out


def describe(files, strip=False, views=True):
    s = pstats.Stats(*files)
    if strip:
        s.strip_dirs()
    funcs = list(s.stats.keys())
    index = dict((f, i) for i, f in enumerate(funcs))
    exp = {"total_tt": s.total_tt, "total_calls": s.total_calls, "prim_calls": s.prim_calls,
           "functions": []}
    for f in funcs:
        cc, nc, tt, ct, callers = s.stats[f]
        cs = []
        for c, v in callers.items():
            cs.append(key(c) + (list(v) if isinstance(v, tuple) else [v]))
        exp["functions"].append(key(f) + [cc, nc, tt, ct, cs])
    if PY2:
        # Python 2 dicts iterate in hash order, so ties in a sort and the
        # unsorted listing cannot be reproduced: numbers only.
        return exp
    orders = {}
    for keys in [[k] for k in sorted(s.sort_arg_dict_default)] + MULTI:
        try:
            t = pstats.Stats(*files)
            if strip:
                t.strip_dirs()
            t.sort_stats(*keys)
            orders[",".join(keys)] = [index[f] for f in t.fcn_list]
        except (TypeError, KeyError):
            pass  # a key this version lacks, or names that do not compare
    exp["orders"] = orders
    exp["views"] = []
    for kind, keys, amounts in VIEWS if views else []:
        try:
            out = capture(files, strip, kind, keys, amounts)
        except TypeError:
            continue
        exp["views"].append({"kind": kind, "sort": keys, "restrict": amounts, "text": out})
    return exp


def expect(out):
    os.chdir(out)  # so that pstats prints bare file names in its headers
    names = sorted(n for n in os.listdir(".") if n.endswith(".prof"))
    res = {"python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable,
           "files": {}, "merge": [], "strip": None}
    for n in names:
        # Texts for the files made by a profiler; numbers and orders for all.
        res["files"][n] = describe([n], views=n in ("cprofile.prof", "profile.prof", "profile_ns.prof"))
    for group in (["cprofile.prof", "cprofile_b.prof", "added.prof"], ["profile.prof", "profile_b.prof"]):
        e = describe(group)
        e["inputs"] = group
        res["merge"].append(e)
    res["strip"] = describe(["cprofile.prof"], strip=True)
    res["strip"]["inputs"] = ["cprofile.prof"]
    data = json.dumps(res, sort_keys=True, indent=0, ensure_ascii=False)
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    elif PY2 and isinstance(data, type(u"")):
        data = data.encode("utf-8")
    # mtime=0 keeps the gzip bytes stable from one run to the next.
    with open("expect.json.gz", "wb") as raw:
        g = gzip.GzipFile("expect.json", "wb", 9, raw, mtime=0)
        g.write(data)
        g.close()


if __name__ == "__main__":
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "gen":
        gen(d, len(sys.argv) > 3 and sys.argv[3] == "small")
    elif cmd == "expect":
        expect(d)
    else:
        sys.exit("usage: corpus.py gen|expect DIR [small]")
