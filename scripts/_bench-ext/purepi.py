"""Pure-Python pi by the midpoint rule over [lo, hi) of n points: the unit
of work that bench.py hands to threads and to multiprocessing workers."""


def part(args):
    lo, hi, n = args
    h = 1.0 / n
    s = 0.0
    for i in range(lo, hi):
        x = (i + 0.5) * h
        s += 4.0 / (1.0 + x * x)
    return s * h


def halves(n, k=2):
    step = (n + k - 1) // k
    return [(i, min(i + step, n), n) for i in range(0, n, step)]
