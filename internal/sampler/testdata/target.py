# -*- coding: utf-8 -*-
# A target for hpp's sampler tests. Its threads block in known places; a
# reporter thread then writes what the interpreter says about itself
# (sys._current_frames) to argv[1] as JSON, and blocks too, so that a dump
# taken afterwards sees the same stacks.
import json, os, sys, threading, time

ev = threading.Event()  # never set
ready = threading.Semaphore(0)


def leaf_wait():
    ready.release()
    ev.wait()


def recurse(n):
    if n == 0:
        leaf_wait()
    else:
        recurse(n - 1)


class Worker:
    def method(self):
        leaf_wait()


def gen():
    leaf_wait()
    yield 1


def drive_gen():
    for _ in gen():
        pass


async def coro():
    leaf_wait()


def drive_coro():
    c = coro()
    try:
        c.send(None)
    except StopIteration:
        pass


def naïve_函数():
    leaf_wait()


def spin():
    ready.release()
    n = 0
    while True: n += 1


def sleeper():
    ready.release()
    time.sleep(100000)


def name(code):
    return getattr(code, "co_qualname", code.co_name)


def snapshot():
    me = threading.get_ident()
    natives = {t.ident: getattr(t, "native_id", 0) for t in threading.enumerate()}
    threads = {}
    for ident, f in sys._current_frames().items():
        if ident == me:
            continue
        frames = []
        while f is not None:
            frames.append([f.f_code.co_filename, f.f_lineno, name(f.f_code)])
            f = f.f_back
        threads[str(ident)] = {"native_id": natives.get(ident, 0), "frames": frames}
    return threads


def report(path, count):
    for _ in range(count):
        ready.acquire()
    # Every thread has said it is about to block; wait until two views
    # 0.2 s apart agree, so that each is in its blocking call (on a loaded
    # machine a thread can take a while to get there).
    threads = snapshot()
    for _ in range(100):
        time.sleep(0.2)
        again = snapshot()
        if again == threads:
            break
        threads = again
    doc = {"reporter": threading.get_ident(), "pid": os.getpid(), "threads": threads,
           "roles": roles}
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)
    ev.wait()


roles = {}
jobs = [("method", Worker().method), ("generator", drive_gen), ("coroutine", drive_coro),
        ("nonascii", naïve_函数), ("spin", spin), ("sleeper", sleeper)]
for role, fn in jobs:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    roles[role] = t.ident
roles["main"] = threading.get_ident()
threading.Thread(target=report, args=(sys.argv[1], len(jobs) + 1), daemon=True).start()
recurse(200)
