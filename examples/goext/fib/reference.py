"""Pure-Python reference for the fib example (the Cython chapter's fib)."""


def fib(n):
    a, b = 0.0, 1.0
    for _ in range(n):
        a, b = a + b, a
    return a
