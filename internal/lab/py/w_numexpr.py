"""numexpr: an expression compiled to a virtual machine that runs in
blocks on every core."""
import numexpr as ne
import numpy as np


def pi(kernel, args, inp, cores):
    n = inp["n"]
    ne.set_num_threads(cores)

    def run():
        i = np.arange(n, dtype=np.float64)
        h = 1.0 / n
        return float(ne.evaluate("sum(4.0 / (1.0 + ((i + 0.5) * h) ** 2))")) * h
    return run


def mem(kernel, args, inp, cores):
    return None  # numexpr has no gather
