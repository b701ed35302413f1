/* The lab's kernels in plain C: a library for ctypes and cffi, and the
   body of the hand-written extension labcext.c, which includes it. */
#include <math.h>

double lab_fib(long n) {
	double a = 0.0, b = 1.0;
	for (long i = 0; i < n; i++) { double t = a + b; b = a; a = t; }
	return a;
}

double lab_pi(long n) {
	double h = 1.0 / n, s = 0.0;
	for (long i = 0; i < n; i++) { double x = (i + 0.5) * h; s += 4.0 / (1.0 + x * x); }
	return s * h;
}

long long lab_julia(const double *xs, long nx, const double *ys, long ny, long maxiter) {
	long long total = 0;
	for (long j = 0; j < ny; j++)
		for (long i = 0; i < nx; i++) {
			double zr = xs[i], zi = ys[j];
			long n = 0;
			while (n < maxiter && zr * zr + zi * zi < 4) {
				double t = zr * zr - zi * zi + -0.62772;
				zi = zr * zi + zi * zr + -0.42193;
				zr = t;
				n++;
			}
			total += n;
		}
	return total;
}

/* nbody: steps symplectic Euler steps in place; acc holds 3n doubles. */
void lab_nbody(double *pos, double *vel, const double *mass, long n, long steps, double dt, double eps, double *acc) {
	double eps2 = eps * eps;
	for (long s = 0; s < steps; s++) {
		for (long i = 0; i < n; i++) {
			double ax = 0, ay = 0, az = 0;
			for (long j = 0; j < n; j++) {
				if (j == i) continue;
				double dx = pos[3 * j] - pos[3 * i], dy = pos[3 * j + 1] - pos[3 * i + 1], dz = pos[3 * j + 2] - pos[3 * i + 2];
				double r2 = dx * dx + dy * dy + dz * dz + eps2;
				double inv = 1.0 / (r2 * sqrt(r2));
				ax += mass[j] * dx * inv;
				ay += mass[j] * dy * inv;
				az += mass[j] * dz * inv;
			}
			acc[3 * i] = ax; acc[3 * i + 1] = ay; acc[3 * i + 2] = az;
		}
		for (long k = 0; k < 3 * n; k++) vel[k] += acc[k] * dt;
		for (long k = 0; k < 3 * n; k++) pos[k] += vel[k] * dt;
	}
}

/* memsum: the sum of a[idx[k]]; -1 in *bad if an index is out of range. */
long long lab_memsum(const long long *a, long na, const long long *idx, long n, int *bad) {
	long long s = 0;
	*bad = 0;
	for (long k = 0; k < n; k++) {
		long long i = idx[k];
		if (i < 0 || i >= na) { *bad = 1; return 0; }
		s += a[i];
	}
	return s;
}
