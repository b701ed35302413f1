"""Pure Python, one thread: the reference code itself (also run by PyPy)."""
import labkern as K


def fib(kernel, args, inp, cores):
    return K.fib


def pi(kernel, args, inp, cores):
    n = inp["n"]
    return lambda: K.pi_part(0, n, n)


def julia(kernel, args, inp, cores):
    return lambda: K.julia_rows(inp["xs"], inp["ys"], inp["maxiter"])


def nbody(kernel, args, inp, cores):
    return lambda: K.reference("nbody", inp)


def mem(kernel, args, inp, cores):
    return lambda: K.mem_part(inp["a"], inp["idx"], 0, len(inp["idx"]))


def text(kernel, args, inp, cores):
    return lambda: K.text_result(K.text_count(inp["text"]))
