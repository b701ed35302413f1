"""Python threads, one per core, from a ThreadPoolExecutor: the GIL lets
one run Python at a time."""
from concurrent.futures import ThreadPoolExecutor

import labkern as K

closers = []


def _make(kernel, args, inp, cores):
    K.set_input(inp)
    ex = ThreadPoolExecutor(cores)
    closers.append(ex.shutdown)
    list(ex.map(abs, range(cores)))
    return K.parallel(kernel, inp, lambda f, tasks: list(ex.map(f, tasks)), cores, False)


pi = julia = nbody = mem = text = _make
