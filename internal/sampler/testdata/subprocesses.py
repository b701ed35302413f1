# A target for RecordGroup's tests: python3 subprocesses.py HOW, where HOW
# is fork, spawn, forkserver (multiprocessing.Pool(2) map), executor
# (concurrent.futures.ProcessPoolExecutor(2)) or run (two
# subprocess.run([sys.executable, ...]) one after the other). Each worker
# runs work(), which burns CPU and measures its own CPU time; the parent
# prints one JSON line: {"PID": [CPU seconds spent in work(), seconds it
# was runnable but waited for a CPU], ...}, both from the kernel.
import json
import os
import subprocess
import sys
import time

BUSY = float(os.environ.get("HPP_TEST_BUSY", "0.6"))


def waited():
    # Nanoseconds this thread was runnable but waited for a CPU.
    with open("/proc/thread-self/schedstat") as f:
        return int(f.read().split()[1]) / 1e9


def work(_):
    # Give the recorder time to find and attach to this process first.
    time.sleep(0.4)
    t0, w0 = time.process_time(), waited()
    n = 0
    while time.process_time() - t0 < BUSY:
        for _ in range(10000):
            n += 1
    return os.getpid(), time.process_time() - t0, waited() - w0


def main():
    how = sys.argv[1]
    if how == "child":
        print(json.dumps(work(0)))
        return
    print("ready", flush=True)
    time.sleep(0.3)
    if how in ("fork", "spawn", "forkserver"):
        import multiprocessing

        ctx = multiprocessing.get_context(how)
        with ctx.Pool(2) as pool:
            res = pool.map(work, range(2), chunksize=1)
    elif how == "executor":
        import concurrent.futures

        with concurrent.futures.ProcessPoolExecutor(2) as ex:
            res = list(ex.map(work, range(2)))
    elif how == "run":
        res = []
        for _ in range(2):
            out = subprocess.run([sys.executable, __file__, "child"], stdout=subprocess.PIPE, check=True).stdout
            res.append(json.loads(out))
    cpu = {}
    for pid, t, w in res:
        c = cpu.setdefault(str(pid), [0, 0])
        c[0] += t
        c[1] += w
    print(json.dumps(cpu), flush=True)


if __name__ == "__main__":
    main()
