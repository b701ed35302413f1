"""numpy references for the ufunc example: the same functions as numpy
expressions, which the module's ufuncs must match element for element."""
import numpy as np


def poly_sin(x):
    return ((0.5 * x - 2) * x + 3) * x - 1 + np.sin(x)


add = np.add
hypot = np.hypot
maximum = np.maximum


def clip(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


xor = np.logical_xor
divmod = np.divmod


def in_unit_disk(x, y):
    return x * x + y * y <= 1
