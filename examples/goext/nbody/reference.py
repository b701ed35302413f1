"""Pure-Python reference for the nbody example: one symplectic Euler step
on flat lists pos and vel (x, y, z per body) and masses."""
import math


def step(pos, vel, mass, dt, eps):
    n = len(mass)
    eps2 = eps * eps
    for i in range(n):
        xi, yi, zi = pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]
        ax = ay = az = 0.0
        for j in range(n):
            if j == i:
                continue
            dx, dy, dz = pos[3 * j] - xi, pos[3 * j + 1] - yi, pos[3 * j + 2] - zi
            r2 = dx * dx + dy * dy + dz * dz + eps2
            inv = 1.0 / (r2 * math.sqrt(r2))
            ax += mass[j] * dx * inv
            ay += mass[j] * dy * inv
            az += mass[j] * dz * inv
        vel[3 * i] += ax * dt
        vel[3 * i + 1] += ay * dt
        vel[3 * i + 2] += az * dt
    for k in range(len(pos)):
        pos[k] += vel[k] * dt
