"""Recursive Fibonacci: the classic cProfile example.

    python -m cProfile -o fib.prof fib.py     # what hpp run does in one step
"""
import sys


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fib_seq(n):
    seq = []
    for i in range(n):
        seq.append(fib(i))
    return seq


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    print(fib_seq(n)[-1])
