"""The lab's kernels in pure Python: their inputs, made the same way in
every process from a few numbers, the reference computations, and the
parts that the parallel ways hand to threads and processes."""
import math
from array import array
from collections import Counter

# fib: High Performance Python's float Fibonacci (Cython chapter).


def fib(n):
    a, b = 0.0, 1.0
    for _ in range(n):
        a, b = a + b, a
    return a


# pi: the midpoint rule for the integral of 4/(1+x^2) over [0, 1].


def pi_part(lo, hi, n):
    h = 1.0 / n
    s = 0.0
    for i in range(lo, hi):
        x = (i + 0.5) * h
        s += 4.0 / (1.0 + x * x)
    return s * h


# julia: the book's chapter 2 grid over [-1.8, 1.8]^2, c = -0.62772-0.42193j;
# the coordinates are built by repeated additions, as calc_pure_python does.

C_REAL, C_IMAG = -0.62772, -0.42193


def julia_axes(width):
    x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
    xstep = (x2 - x1) / width
    ystep = (y1 - y2) / width
    xs, ys = [], []
    v = y2
    while v > y1:
        ys.append(v)
        v += ystep
    v = x1
    while v < x2:
        xs.append(v)
        v += xstep
    return array("d", xs), array("d", ys)


def julia_rows(xs, ys, maxiter):
    c = complex(C_REAL, C_IMAG)
    total = 0
    for y in ys:
        for x in xs:
            z = complex(x, y)
            n = 0
            while abs(z) < 2 and n < maxiter:
                z = z * z + c
                n += 1
            total += n
    return total


# nbody: symplectic Euler steps (every velocity from the old positions,
# then every position), softened by eps; pos and vel hold x, y, z per body.


class LCG(object):
    """A 64-bit linear congruential generator (Knuth's MMIX constants), so
    that every way and every interpreter makes the same inputs."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return self.s >> 11

    def uniform(self):
        return self.next() / float(1 << 53)


def nbody_init(n):
    r = LCG(12345)
    pos = array("d", [r.uniform() * 2.0 - 1.0 for _ in range(3 * n)])
    vel = array("d", [(r.uniform() - 0.5) * 0.1 for _ in range(3 * n)])
    mass = array("d", [0.5 + r.uniform() for _ in range(n)])
    return pos, vel, mass


NBODY_DT, NBODY_EPS = 0.001, 0.1


def nbody_accel(pos, mass, lo, hi, eps2):
    n = len(mass)
    out = []
    for i in range(lo, hi):
        xi, yi, zi = pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]
        ax = ay = az = 0.0
        for j in range(n):
            if j == i:
                continue
            dx, dy, dz = pos[3 * j] - xi, pos[3 * j + 1] - yi, pos[3 * j + 2] - zi
            r2 = dx * dx + dy * dy + dz * dz + eps2
            inv = 1.0 / (r2 * math.sqrt(r2))
            ax += mass[j] * dx * inv
            ay += mass[j] * dy * inv
            az += mass[j] * dz * inv
        out.append(ax)
        out.append(ay)
        out.append(az)
    return out


def nbody_advance(pos, vel, acc, dt):
    for k in range(len(pos)):
        vel[k] += acc[k] * dt
    for k in range(len(pos)):
        pos[k] += vel[k] * dt


def nbody_result(pos):
    return list(pos)


# memory: the sum of a[idx[k]] over k, with idx in order or scattered by a
# fixed permutation (k * 2654435761 mod n, n a power of two: each access
# lands megabytes from the last, so neither caches nor prefetchers help).


def mem_data(n, order):
    a = array("q", [(i * 7) & 1023 for i in range(n)])
    if order == "seq":
        idx = array("q", range(n))
    else:
        mask = n - 1
        idx = array("q", [(k * 2654435761) & mask for k in range(n)])
    return a, idx


def mem_part(a, idx, lo, hi):
    s = 0
    for i in idx[lo:hi]:
        s += a[i]
    return s


# text: word frequencies over a generated corpus of Zipf-like word choice.


def text_corpus(nbytes):
    r = LCG(2718)
    syl = ["ka", "lo", "mi", "ne", "ru", "ta", "so", "vi", "pe", "do", "an", "el", "is", "or", "um", "ba"]
    vocab = []
    for i in range(4000):
        w, k = "", i + 1
        while k:
            w += syl[k % 16]
            k //= 16
        vocab.append(w)
    out, size = [], 0
    nv = len(vocab)
    while size < nbytes:
        u = r.uniform()
        w = vocab[int(nv * u * u * u)]
        out.append(w)
        size += len(w) + 1
    lines = [" ".join(out[i:i + 12]) for i in range(0, len(out), 12)]
    return "\n".join(lines) + "\n"


def text_count(text):
    return Counter(text.split())


def text_result(counts):
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return [len(counts), [[w, c] for w, c in top]]


def text_chunks(text, parts):
    """Splits text at whitespace into about parts pieces."""
    out, lo, n = [], 0, len(text)
    for p in range(1, parts + 1):
        hi = n if p == parts else max(lo, n * p // parts)
        while hi < n and not text[hi].isspace():
            hi += 1
        out.append(text[lo:hi])
        lo = hi
    return out


# Inputs, made from a kernel's few parameters. The large ones are kept in
# args["cache"] (a directory) once made: making them in Python takes
# seconds, and every way's process (and every spawned worker) needs them.


def cached(args, name, make, load, save):
    d = args.get("cache")
    if not d:
        return make()
    import os
    path = os.path.join(d, name)
    try:
        return load(path)
    except (IOError, OSError, EOFError, ValueError):
        pass
    v = make()
    tmp = "%s.%d.tmp" % (path, os.getpid())
    try:
        save(v, tmp)
        os.replace(tmp, path)
    except (IOError, OSError):
        pass
    return v


def _load_mem(path, n):
    a, idx = array("q"), array("q")
    with open(path, "rb") as f:
        a.fromfile(f, n)
        idx.fromfile(f, n)
    return a, idx


def _save_mem(v, path):
    with open(path, "wb") as f:
        v[0].tofile(f)
        v[1].tofile(f)


def _load_text(path):
    with open(path, "rb") as f:
        return f.read().decode("ascii")


def _save_text(v, path):
    with open(path, "wb") as f:
        f.write(v.encode("ascii"))


def prepare(kernel, args):
    if kernel in ("fib0", "fib90"):
        return {"n": 0 if kernel == "fib0" else 90, "calls": args["calls"]}
    if kernel == "pi":
        return {"n": args["n"]}
    if kernel == "julia":
        xs, ys = julia_axes(args["width"])
        return {"xs": xs, "ys": ys, "maxiter": args["maxiter"]}
    if kernel == "nbody":
        pos, vel, mass = nbody_init(args["bodies"])
        return {"pos": pos, "vel": vel, "mass": mass, "steps": args["steps"], "dt": NBODY_DT, "eps": NBODY_EPS}
    if kernel in ("mem-seq", "mem-random"):
        n, order = args["n"], "seq" if kernel == "mem-seq" else "random"
        a, idx = cached(args, "mem-%s-%d.bin" % (order, n), lambda: mem_data(n, order),
                        lambda p: _load_mem(p, n), _save_mem)
        return {"a": a, "idx": idx}
    if kernel == "text":
        b = args["bytes"]
        return {"text": cached(args, "text-%d.txt" % b, lambda: text_corpus(b), _load_text, _save_text)}
    raise ValueError("unknown kernel " + kernel)


def fresh(inp):
    """A copy of inputs that a kernel changes in place (nbody's arrays)."""
    if "pos" in inp:
        d = dict(inp)
        d["pos"], d["vel"] = array("d", inp["pos"]), array("d", inp["vel"])
        return d
    return inp


# The pure-Python reference: one function per kernel, on prepared inputs.


def reference(kernel, inp):
    if kernel in ("fib0", "fib90"):
        return fib(inp["n"])
    if kernel == "pi":
        return pi_part(0, inp["n"], inp["n"])
    if kernel == "julia":
        return julia_rows(inp["xs"], inp["ys"], inp["maxiter"])
    if kernel == "nbody":
        d = fresh(inp)
        pos, vel, mass = d["pos"], d["vel"], d["mass"]
        eps2 = d["eps"] * d["eps"]
        for _ in range(d["steps"]):
            nbody_advance(pos, vel, nbody_accel(pos, mass, 0, len(mass), eps2), d["dt"])
        return nbody_result(pos)
    if kernel in ("mem-seq", "mem-random"):
        return mem_part(inp["a"], inp["idx"], 0, len(inp["idx"]))
    if kernel == "text":
        return text_result(text_count(inp["text"]))
    raise ValueError("unknown kernel " + kernel)


# Parallel pure Python: the same work cut into parts. A worker process
# finds its inputs in _INP, inherited through fork or made by init_worker.

_INP = None


def set_input(inp):
    global _INP
    _INP = inp


def init_worker(kernel, args):
    set_input(prepare(kernel, args))


def ranges(n, parts):
    step = max(1, (n + parts - 1) // parts)
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


def work(task):
    kind = task[0]
    if kind == "pi":
        return pi_part(task[1], task[2], task[3])
    if kind == "julia":
        return julia_rows(_INP["xs"], _INP["ys"][task[1]:task[2]], _INP["maxiter"])
    if kind == "nbody":
        pos = task[3] if task[3] is not None else _INP["pos"]
        return nbody_accel(pos, _INP["mass"], task[1], task[2], _INP["eps"] * _INP["eps"])
    if kind == "mem":
        return mem_part(_INP["a"], _INP["idx"], task[1], task[2])
    if kind == "text":
        return text_count(task[1])
    raise ValueError(kind)


def parallel(kernel, inp, pmap, cores, ship_pos):
    """Returns a function that runs kernel with pmap(work, tasks) over
    cores workers; ship_pos says that nbody positions must travel with
    each task (processes) rather than be shared (threads)."""
    if kernel == "pi":
        n = inp["n"]
        tasks = [("pi", lo, hi, n) for lo, hi in ranges(n, cores)]
        return lambda: sum(pmap(work, tasks))
    if kernel == "julia":
        tasks = [("julia", lo, hi) for lo, hi in ranges(len(inp["ys"]), cores * 4)]
        return lambda: sum(pmap(work, tasks))
    if kernel in ("mem-seq", "mem-random"):
        tasks = [("mem", lo, hi) for lo, hi in ranges(len(inp["idx"]), cores)]
        return lambda: sum(pmap(work, tasks))
    if kernel == "text":
        def run():
            total = Counter()
            for c in pmap(work, [("text", ch) for ch in text_chunks(inp["text"], cores * 2)]):
                total.update(c)
            return text_result(total)
        return run
    if kernel == "nbody":
        def run():
            d = fresh(inp)
            set_input(d) if not ship_pos else None
            pos, vel = d["pos"], d["vel"]
            parts = ranges(len(d["mass"]), cores)
            for _ in range(d["steps"]):
                acc = []
                for a in pmap(work, [("nbody", lo, hi, pos if ship_pos else None) for lo, hi in parts]):
                    acc.extend(a)
                nbody_advance(pos, vel, acc, d["dt"])
            return nbody_result(pos)
        return run
    return None
