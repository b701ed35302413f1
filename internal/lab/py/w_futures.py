"""concurrent.futures.ProcessPoolExecutor, one process per core (the
platform's default start method)."""
from concurrent.futures import ProcessPoolExecutor

import labkern as K

closers = []


def _make(kernel, args, inp, cores):
    ex = ProcessPoolExecutor(cores, initializer=K.init_worker, initargs=(kernel, args))
    closers.append(ex.shutdown)
    list(ex.map(abs, range(cores * 2)))
    return K.parallel(kernel, inp, lambda f, tasks: list(ex.map(f, tasks)), cores, True)


pi = julia = nbody = mem = text = _make
