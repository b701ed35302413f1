# Recursion, direct (fib) and mutual (even/odd), and no imports.
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def even(n):
    return True if n == 0 else odd(n - 1)


def odd(n):
    return False if n == 0 else even(n - 1)


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main():
    for i in range(20):
        fib(i)
    for _ in range(200):
        even(300)
    spin(0.05)


main()
