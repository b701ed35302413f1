"""Checks the ufuncs of a module built by hpp build from examples/goext/ufunc
and pyext/testdata/ufunctest against numpy's own behaviour on the same
inputs: numpy expressions for the values, numpy's builtin ufuncs for
broadcasting, out=, where=, casting errors and reduce.

    python check_ufunc.py MODULE_DIR EXAMPLES_DIR

Prints one line per check and exits non-zero at the first failure. Needs
numpy.
"""
import os
import signal
import sys
import threading
import time

import numpy as np

mod_dir, examples = sys.argv[1], sys.argv[2]
sys.path.insert(0, mod_dir)
sys.path.insert(0, os.path.join(examples, "ufunc"))
import hppufunc as m  # noqa: E402
import reference as ref  # noqa: E402

rng = np.random.default_rng(14)


def ok(name):
    print("ok", name, flush=True)


def same(got, want, name, exact=True):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    if exact:
        assert np.array_equal(got, want, equal_nan=got.dtype.kind == "f"), (name, got, want)
    else:
        # Go's math.Sin and Hypot against the C library's: within a few
        # ulp of the largest term (0.5x^3 for poly_sin on [-10, 10]).
        assert np.allclose(got, want, rtol=2e-15, atol=4 * np.spacing(600.0), equal_nan=True), (name, np.max(abs(got - want)))


def raises(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError("no exception")


def same_error(ours, theirs, our_name, their_name, what):
    """ours() and theirs() fail alike: same exception type, same message
    once the ufunc's name is swapped."""
    a, b = raises(ours), raises(theirs)
    assert type(a) is type(b), (what, type(a), type(b), a, b)
    want = str(b).replace(their_name, our_name)
    assert str(a) == want, (what, str(a), want)
    ok("error like numpy's: " + what + ": " + type(a).__name__ + ": " + str(a)[:70])


# --- They are ufuncs.
for name, nin, nout, types in [
    ("poly_sin", 1, 1, ["d->d"]), ("add", 2, 1, ["ll->l", "ff->f", "dd->d"]), ("hypot", 2, 1, ["dd->d"]),
    ("maximum", 2, 1, ["dd->d"]), ("clip", 3, 1, ["iii->i"]), ("xor", 2, 1, ["??->?"]),
    ("divmod", 2, 2, ["ll->ll"]), ("in_unit_disk", 2, 1, ["ff->?"]),
]:
    f = getattr(m, name)
    assert isinstance(f, np.ufunc), (name, type(f))
    assert (f.__name__, f.nin, f.nout, f.types) == (name, nin, nout, types), (name, f.__name__, f.nin, f.nout, f.types)
assert m.add.identity == 0 and m.maximum.identity is None and m.hypot.identity is None
assert "PolySin is 0.5x" in m.poly_sin.__doc__ and m.poly_sin.__doc__.startswith("poly_sin(x, /, out=None")
ok("isinstance np.ufunc, names, nin/nout, loops, identities, docstrings")

# --- Values against numpy expressions, every dtype and layout.
x = rng.uniform(-10, 10, 100_003)
same(m.poly_sin(x), ref.poly_sin(x), "poly_sin", exact=False)
same(m.poly_sin(x[::7]), ref.poly_sin(x[::7]), "poly_sin strided", exact=False)
xs = rng.uniform(-3, 3, (50, 40))
same(m.poly_sin(xs.T), ref.poly_sin(xs.T), "poly_sin transposed", exact=False)
same(m.poly_sin(np.float32(0.5)), ref.poly_sin(np.float64(np.float32(0.5))), "poly_sin float32 scalar", exact=False)
assert isinstance(m.poly_sin(0.5), float)
same(m.poly_sin(x.astype(np.float32)), ref.poly_sin(x.astype(np.float32).astype(np.float64)), "poly_sin float32 array (cast)", exact=False)
ints = rng.integers(-1000, 1000, 20_000)
same(m.poly_sin(ints), ref.poly_sin(ints.astype(np.float64)), "poly_sin int64 array (cast)", exact=False)
same(m.poly_sin_fast(x), m.poly_sin(x), "poly_sin_fast: math.Sin's bits")
loop_out = np.empty_like(x)
m.poly_sin_loop(x, loop_out)
same(loop_out, m.poly_sin(x), "poly_sin_loop, a plain function beside the ufuncs")
ok("poly_sin = numpy's expression (within 2 ulp: Go's sin) on 1-D, strided, transposed, float32 and int arrays")

y = rng.uniform(-10, 10, 100_003)
for dt in (np.float64, np.float32, np.int64):
    a, b = (x * 100).astype(dt), (y * 100).astype(dt)
    same(m.add(a, b), np.add(a, b), "add " + np.dtype(dt).name)
big = np.array([2**63 - 1, -(2**63)], dtype=np.int64)
same(m.add(big, np.int64(1)), np.add(big, np.int64(1)), "add int64 wraps")
same(m.add(np.int32([1, 2]), np.int32([3, 4])), np.add(np.int32([1, 2]), np.int32([3, 4])).astype(np.int64), "add int32 -> int64 loop")
same(m.add([1, 2], [3.5, 4]), np.add([1, 2], [3.5, 4]), "add lists")
same(m.hypot(x, y), np.hypot(x, y), "hypot", exact=False)
same(m.hypot(1e300, 1e300), np.hypot(1e300, 1e300), "hypot no overflow", exact=False)
special = np.array([np.nan, 1.0, -np.inf, np.inf, 0.0, -0.0])
p, q = np.meshgrid(special, special)
same(m.maximum(p, q), np.maximum(p, q), "maximum with NaN and inf")
i32 = rng.integers(-100, 100, 10_000, dtype=np.int32)
same(m.clip(i32, np.int32(-20), np.int32(30)), ref.clip(i32, np.int32(-20), np.int32(30)), "clip int32")
ba, bb = rng.random(1000) < 0.5, rng.random(1000) < 0.5
same(m.xor(ba, bb), np.logical_xor(ba, bb), "xor")
# numpy bools that are not 0 or 1 (a view of bytes) are still true.
raw = np.array([0, 1, 2, 255], dtype=np.uint8).view(np.bool_)
same(m.xor(raw, False), np.logical_xor(raw, False), "xor on bool bytes 2 and 255")
num, den = rng.integers(-10**12, 10**12, 50_000), rng.integers(-1000, 1000, 50_000)
den[den == 0] = 7
qq, rr = m.divmod(num, den)
wq, wr = np.divmod(num, den)
same(qq, wq, "divmod quotient")
same(rr, wr, "divmod remainder")
fx, fy = rng.uniform(-1.5, 1.5, 10_000).astype(np.float32), rng.uniform(-1.5, 1.5, 10_000).astype(np.float32)
same(m.in_unit_disk(fx, fy), ref.in_unit_disk(fx, fy), "in_unit_disk float32 -> bool")
ok("add (3 loops), hypot, maximum, clip, xor, divmod, in_unit_disk = numpy's")

# --- Broadcasting.
a3, b2 = rng.uniform(size=(3, 1, 4)), rng.uniform(size=(5, 4))
same(m.add(a3, b2), np.add(a3, b2), "broadcast (3,1,4)+(5,4)")
same(m.add(a3, 2.5), np.add(a3, 2.5), "broadcast scalar")
same(m.clip(i32.reshape(100, 100), np.int32([[-5], [5]] * 50), np.int32(50)), ref.clip(i32.reshape(100, 100), np.int32([[-5], [5]] * 50), np.int32(50)), "clip broadcast 3 inputs")
same_error(lambda: m.add(np.ones(2), np.ones(3)), lambda: np.add(np.ones(2), np.ones(3)), "add", "add", "shapes (2,) (3,)")
ok("broadcasting = numpy's")

# --- out= and where=.
for n in (100, 100_003):
    a, b = rng.uniform(size=n), rng.uniform(size=n)
    mask = rng.random(n) < 0.3
    o1, o2 = np.full(n, -1.0), np.full(n, -1.0)
    r1 = m.add(a, b, out=o1, where=mask)
    r2 = np.add(a, b, out=o2, where=mask)
    assert r1 is o1 and r2 is o2
    same(o1, o2, "add out= where= n=%d" % n)
o1 = np.zeros((4, 6), dtype=np.float32)
m.hypot(np.ones((4, 6)), 2.0, out=o1)
same(o1, np.hypot(np.ones((4, 6)), 2.0).astype(np.float32), "hypot out=float32 (same_kind cast)")
view = np.zeros((10, 10))
m.poly_sin(np.arange(5.0), out=view[2, ::2])
want = np.zeros((10, 10))
want[2, ::2] = ref.poly_sin(np.arange(5.0))
same(view, want, "poly_sin out= a strided view", exact=False)
q2, r2 = np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
m.divmod(np.int64([7, -7, 9, 10]), 3, out=(q2, r2))
same(q2, np.int64([2, -3, 3, 3]), "divmod out= tuple")
same(r2, np.int64([1, 2, 0, 1]), "divmod out= tuple")
same_error(lambda: m.hypot(np.ones(2), np.ones(2), out=np.zeros(2, dtype=np.int64)),
           lambda: np.hypot(np.ones(2), np.ones(2), out=np.zeros(2, dtype=np.int64)), "hypot", "hypot", "out= int64 for a float64 result")
same_error(lambda: m.add(np.ones(2), np.ones(2), out=np.zeros(3)), lambda: np.add(np.ones(2), np.ones(2), out=np.zeros(3)), "add", "add", "out= of another shape")
ok("out= and where= = numpy's")

# --- Wrong dtypes: numpy's own messages.
same_error(lambda: m.hypot(1j, 1j), lambda: np.hypot(1j, 1j), "hypot", "hypot", "complex")
same_error(lambda: m.hypot(["a"], ["b"]), lambda: np.hypot(["a"], ["b"]), "hypot", "hypot", "strings")
same_error(lambda: m.clip(np.ones(3), 0, 1), lambda: np.bitwise_and(np.ones(3), 1), "clip", "bitwise_and", "float64 into an int32 ufunc")
same_error(lambda: m.hypot(np.ones(2, dtype=np.float32), np.ones(2), casting="no"),
           lambda: np.arctan2(np.ones(2, dtype=np.float32), np.ones(2), casting="no", dtype=np.float64), "hypot", "arctan2", "casting='no'")
same_error(lambda: m.xor(np.ones(2), np.ones(2)), lambda: np.bitwise_and(np.ones(2), np.ones(2)), "xor", "bitwise_and", "float64 into a bool ufunc")
same_error(lambda: m.hypot(np.ones(2), np.ones(2), np.ones(2), np.ones(2)),
           lambda: np.hypot(np.ones(2), np.ones(2), np.ones(2), np.ones(2)), "hypot", "hypot", "too many arguments")
ok("wrong dtypes raise numpy's exceptions")

# --- reduce, accumulate, outer, at.
a2 = rng.uniform(size=(30, 40))
# numpy's own float add sums pairwise along a contiguous axis; a ufunc's
# loop sums in order, as accumulate does: the same up to rounding, and
# exactly what accumulate's last element is.
for axis in (0, 1, None, (0, 1)):
    same(m.add.reduce(a2, axis=axis), np.add.reduce(a2, axis=axis), "add.reduce axis=%s" % (axis,), exact=False)
for axis in (0, 1):
    same(m.add.reduce(a2, axis=axis), np.take(np.add.accumulate(a2, axis=axis), -1, axis=axis), "add.reduce axis=%d in order" % axis)
ia2 = rng.integers(-10**6, 10**6, (30, 40))
for axis in (0, 1, None, (0, 1)):
    same(m.add.reduce(ia2, axis=axis), np.add.reduce(ia2, axis=axis), "add.reduce int64 axis=%s" % (axis,))
same(m.add.reduce(a2, axis=1, keepdims=True), np.add.reduce(a2, axis=1, keepdims=True), "add.reduce keepdims", exact=False)
same(m.add.reduce(np.array([])), np.add.reduce(np.array([])), "add.reduce of nothing is the identity 0")
same(m.add.reduce(np.arange(10**6)), np.add.reduce(np.arange(10**6)), "add.reduce int64")
same(m.add.accumulate(a2, axis=1), np.add.accumulate(a2, axis=1), "add.accumulate")
# Big enough to go parallel, were the elements not chained: reduce and
# accumulate must run in order.
fbig = rng.uniform(size=10**6)
same(m.add.accumulate(fbig), np.add.accumulate(fbig), "add.accumulate 10^6 float64")
same(m.add.accumulate(np.arange(10**6)), np.add.accumulate(np.arange(10**6)), "add.accumulate 10^6 int64")
same(m.add.reduce(fbig), np.add.accumulate(fbig)[-1], "add.reduce 10^6 float64 in order")
same(m.maximum.accumulate(fbig), np.maximum.accumulate(fbig), "maximum.accumulate 10^6")
same(m.add.reduce(np.arange(10**6).reshape(1000, 1000), axis=0), np.add.reduce(np.arange(10**6).reshape(1000, 1000), axis=0), "add.reduce axis=0 of 1000x1000")
inplace = np.arange(10**6, dtype=np.float64)
m.add(inplace, 1.0, out=inplace)
same(inplace, np.arange(1, 10**6 + 1, dtype=np.float64), "add in place, out= the input, 10^6")
same(m.add.outer(np.arange(3.0), np.arange(4.0)), np.add.outer(np.arange(3.0), np.arange(4.0)), "add.outer")
same(m.add.reduceat(np.arange(8.0), [0, 4, 1, 5]), np.add.reduceat(np.arange(8.0), [0, 4, 1, 5]), "add.reduceat")
acc1, acc2 = np.zeros(5), np.zeros(5)
m.add.at(acc1, [0, 1, 1, 4], 1.0)
np.add.at(acc2, [0, 1, 1, 4], 1.0)
same(acc1, acc2, "add.at")
p2 = a2.copy()
p2[3, 7] = np.nan
for axis in (0, 1, None):
    same(m.maximum.reduce(p2, axis=axis), np.maximum.reduce(p2, axis=axis), "maximum.reduce axis=%s" % (axis,))
same_error(lambda: m.maximum.reduce(np.array([])), lambda: np.maximum.reduce(np.array([])), "maximum", "maximum", "reduce of nothing without identity")
same(m.hypot.reduce(np.array([3.0, 4.0, 12.0])), np.float64(13.0), "hypot.reduce")
same_error(lambda: m.hypot.reduce(a2, axis=(0, 1)), lambda: np.subtract.reduce(a2, axis=(0, 1)), "hypot", "subtract", "several axes, not reorderable")
same_error(lambda: m.poly_sin.reduce(x), lambda: np.sin.reduce(x), "poly_sin", "sin", "reduce of a unary ufunc")
same_error(lambda: m.divmod.reduce(num), lambda: np.divmod.reduce(num), "divmod", "divmod", "reduce with two results")
assert m.larger.identity == -np.inf and m.first.identity == 2.5
same(m.larger.reduce(np.zeros((0, 3)), axis=0), np.full(3, -np.inf), "identity=-inf for an empty reduce")
same(m.larger.reduce(a2, axis=(0, 1)), np.max(a2), "identity=-inf reduces over several axes")
same(m.first.reduce(np.array([])), np.float64(2.5), "identity=2.5")
ok("reduce, accumulate, outer, reduceat, at = numpy's; identities")

# --- Big inputs: every core, the GIL released, panics in workers.
main_tid = threading.get_native_id()
cores = len(os.sched_getaffinity(0))
small = np.unique(m.thread_id(np.zeros(100)))
assert list(small) == [main_tid], (small, main_tid)
assert m.gil_held(np.zeros(100)).all(), "numpy keeps the GIL for runs under 500 elements"
big_tids = np.unique(m.thread_id(np.zeros(2_000_000)))
if cores > 1 and os.environ.get("GOMAXPROCS") != "1":
    assert len(big_tids) > 1, ("10^6 elements ran on one thread", big_tids)
assert not m.gil_held(np.zeros(2_000_000)).any(), "the GIL was held for a big run"
if len(big_tids) > 1:
    # Cast to float64: numpy buffers 8192 elements a run, each spread too.
    assert len(np.unique(m.thread_id(np.zeros(2_000_000, dtype=np.float32)))) > 1
ok("small runs on the calling thread with the GIL; 2*10^6 elements on %d threads without it (%d cores)" % (len(big_tids), cores))

for n, dt in ((50, np.float64), (10**6, np.float64), (10**6, np.float32)):
    e = raises(lambda: m.panic_at(np.arange(n, dtype=dt), n - 3))
    assert isinstance(e, m.GoPanic) and "the element at which to panic" in str(e), e
e = raises(lambda: m.divmod(np.arange(3), 0))
assert isinstance(e, m.GoPanic) and "integer divide by zero" in str(e), e
same(m.add(np.ones(3), 1.0), np.full(3, 2.0), "a call after a panic")
ok("a panic in the loop, on the calling thread or a worker, raises GoPanic")

# Ctrl-C stops a long ufunc call part-way, whichever way numpy runs the
# loop: one run over every core (float64), many buffered runs (float32,
# cast: numpy goes on calling the loop after the first one raised), and
# a short run on the calling thread (4000 elements, in pieces).


def timed(run):
    start = time.perf_counter()
    try:
        run()
    except KeyboardInterrupt:
        return time.perf_counter() - start, True
    return time.perf_counter() - start, False


for what, n, dt in (("over every core", 200_000, np.float64), ("buffered runs", 200_000, np.float32), ("one thread", 4000, np.float64)):
    count = 100
    while True:
        full, _ = timed(lambda: m.spin(np.zeros(n, dtype=dt), count))
        if full > 1.0:
            break
        count *= max(2, int(1.5 / max(full, 1e-3)))
    timer = threading.Timer(full / 10, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    took, stopped = timed(lambda: m.spin(np.zeros(n, dtype=dt), count))
    timer.join()
    assert stopped and took < full / 2, (what, full, took, stopped)
    ok("Ctrl-C at %.2f s stops spin on %s after %.2f s (uninterrupted %.2f s)" % (full / 10, what, took, full))

# Two Python threads call at once (both may fan out: one gets the pool,
# the other runs its loop on its own thread).
results = [None, None]


def work(i):
    results[i] = m.add(x * i, y)


ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
same(results[0], np.add(x * 0, y), "thread 0")
same(results[1], np.add(x * 1, y), "thread 1")
ok("two threads at once")

print("all ufunc checks passed")
