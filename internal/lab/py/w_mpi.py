"""mpi4py under mpirun -n N: rank 0 runs the harness and hands each
kernel's parts to every rank (itself included) by broadcast, and
gathers the results; the other ranks serve."""
import time

import labkern as K

OPTION = ""
_comm = None


def _world():
    global _comm
    if _comm is None:
        from mpi4py import MPI
        _comm = MPI.COMM_WORLD
    return _comm


def serve(spec):
    """On ranks other than 0: serve until told to stop, then return True."""
    comm = _world()
    if comm.rank == 0:
        return False
    while True:
        msg = comm.bcast(None, root=0)
        if msg[0] == "stop":
            return True
        if msg[0] == "init":
            K.init_worker(msg[1], msg[2])
        elif msg[0] == "map":
            comm.gather([K.work(t) for t in msg[1][comm.rank::comm.size]], root=0)
        elif msg[0] == "nop":
            comm.gather(None, root=0)


def start(spec):
    comm = _world()
    want = spec.get("ranks", comm.size)
    if comm.size != want:
        raise RuntimeError("mpi4py sees %d rank(s) under mpirun -n %d: mpirun and mpi4py use different MPI libraries "
                           "(Debian's python3-mpi4py is built on Open MPI: use its mpirun, apt-get install openmpi-bin)"
                           % (comm.size, want))


def overhead():
    """Seconds per task: rounds of one empty task per rank, after a warm-up."""
    comm = _world()
    for _ in range(10):
        comm.bcast(("nop",), root=0)
        comm.gather(None, root=0)
    n = 200
    t = time.perf_counter()
    for _ in range(n):
        comm.bcast(("nop",), root=0)
        comm.gather(None, root=0)
    return (time.perf_counter() - t) / (n * comm.size)


def finish():
    _world().bcast(("stop",), root=0)


def _pmap(f, tasks):
    comm = _world()
    comm.bcast(("map", tasks), root=0)
    mine = [f(t) for t in tasks[0::comm.size]]
    parts = comm.gather(mine, root=0)
    parts[0] = mine
    out = [None] * len(tasks)
    for r, res in enumerate(parts):
        out[r::comm.size] = res
    return out


def _make(kernel, args, inp, cores):
    comm = _world()
    K.set_input(inp)
    comm.bcast(("init", kernel, args), root=0)
    return K.parallel(kernel, inp, _pmap, comm.size, True)


pi = julia = nbody = mem = text = _make
