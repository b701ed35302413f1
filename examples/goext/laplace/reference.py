"""Pure-Python reference for the laplace example: explicit diffusion
steps with the five-point stencil on a grid of nested lists, the border
held fixed."""


def diffuse(u, steps, d):
    u = [row[:] for row in u]
    h, w = len(u), len(u[0])
    for _ in range(steps):
        v = [row[:] for row in u]
        for i in range(1, h - 1):
            for j in range(1, w - 1):
                c = u[i][j]
                lap = u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1] - 4 * c
                v[i][j] = c + d * lap
        u = v
    return u


def diffuse_numpy(u, steps, d):
    """The same with numpy slices, in the Go code's order of operations."""
    u = u.copy()
    for _ in range(steps):
        c = u[1:-1, 1:-1]
        lap = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * c
        v = u.copy()
        v[1:-1, 1:-1] = c + d * lap
        u = v
    return u


def laplacian(u):
    """The five-point Laplacian at the interior points of nested lists."""
    return [[u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1] - 4 * u[i][j]
             for j in range(1, len(u[0]) - 1)] for i in range(1, len(u) - 1)]
