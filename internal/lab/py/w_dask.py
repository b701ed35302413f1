"""dask.distributed: the parallel pure-Python kernels as Dask tasks, on a
LocalCluster of one single-threaded worker process per core, or on the
cluster whose scheduler is at spec["scheduler"]. The lab's kernel module
is uploaded to the workers, which make their inputs themselves."""
import os
import time

import labkern as K

OPTION = ""
HERE = ""
_client = None
_cluster = None
_cores = 1


def start(spec):
    global _client, _cluster, _cores
    from dask.distributed import Client, LocalCluster
    addr = spec.get("scheduler") or ""
    if addr:
        _client = Client(addr, timeout=30)
    else:
        _cluster = LocalCluster(n_workers=spec["cores"], threads_per_worker=1, processes=True,
                                dashboard_address=None, silence_logs=50)
        _client = Client(_cluster)
    _client.wait_for_workers(1, timeout=60)
    _cores = max(1, sum(_client.ncores().values()))
    _client.upload_file(os.path.join(HERE, "labkern.py"))


def overhead():
    """Seconds per task: 200 empty tasks mapped and gathered, after a warm-up."""
    n = 200
    _client.gather(_client.map(abs, range(-n, 0), pure=False))
    t = time.perf_counter()
    _client.gather(_client.map(abs, range(n), pure=False))
    return (time.perf_counter() - t) / n


def finish():
    if _client is not None:
        _client.close()
    if _cluster is not None:
        _cluster.close()


def _make(kernel, args, inp, cores):
    # By reference to labkern, which the workers have: not to this module.
    _client.run(K.init_worker, kernel, args)

    def pmap(f, tasks):
        return _client.gather(_client.map(f, tasks, pure=False))
    return K.parallel(kernel, inp, pmap, _cores, True)


pi = julia = nbody = mem = text = _make
