"""concurrent.futures.ProcessPoolExecutor, one process per core (the
platform's default start method)."""
from concurrent.futures import ProcessPoolExecutor

import labkern as K

closers = []


def _make(kernel, args, inp, cores):
    try:
        ex = ProcessPoolExecutor(cores, initializer=K.init_worker, initargs=(kernel, args))
    except TypeError:  # Python 3.6: no initializer; forked workers inherit the inputs
        K.set_input(inp)
        ex = ProcessPoolExecutor(cores)
    closers.append(ex.shutdown)
    list(ex.map(abs, range(cores * 2)))
    return K.parallel(kernel, inp, lambda f, tasks: list(ex.map(f, tasks)), cores, True)


pi = julia = nbody = mem = text = _make
