"""multiprocessing.Pool with one process per core, started by fork or by
spawn (OPTION). Spawned workers make their own inputs (start-up); nbody
ships the positions to the workers on every step (pickling)."""
import multiprocessing

import labkern as K

closers = []
OPTION = "fork"


def _make(kernel, args, inp, cores):
    ctx = multiprocessing.get_context(OPTION)
    if OPTION == "fork":
        K.set_input(inp)
        pool = ctx.Pool(cores)
    else:
        pool = ctx.Pool(cores, initializer=K.init_worker, initargs=(kernel, args))
    closers.append(pool.terminate)
    pool.map(abs, range(cores), chunksize=1)  # every worker up
    return K.parallel(kernel, inp, lambda f, tasks: pool.map(f, tasks, chunksize=1), cores, True)


pi = julia = nbody = mem = text = _make
