"""Pure-Python reference for the pi example: the midpoint rule for the
integral of 4/(1+x^2) over [0, 1]."""


def pi(n):
    h = 1.0 / n
    s = 0.0
    for i in range(n):
        x = (i + 0.5) * h
        s += 4.0 / (1.0 + x * x)
    return s * h
