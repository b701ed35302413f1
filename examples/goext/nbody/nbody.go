// Package nbody advances a gravitational n-body system by one time step,
// in place on numpy arrays: build it with 'hpp build ./examples/goext/nbody'.
package nbody

import (
	"math"

	"hpp/pyext"
)

// Step advances the bodies by dt with a symplectic Euler step: every
// velocity from the old positions, then every position from the new
// velocities. pos and vel hold x, y, z for each body (shape (n, 3),
// passed as a flat contiguous array: pos.ravel()); mass holds n masses.
// eps softens close encounters. The bodies are shared out over every core.
//
//hpp:export readonly=mass
func Step(pos, vel, mass []float64, dt, eps float64) error {
	n := len(mass)
	if len(pos) != 3*n || len(vel) != 3*n {
		return pyext.Errorf(pyext.ValueError, "pos and vel need 3 values per body: %d bodies, len(pos) = %d, len(vel) = %d",
			n, len(pos), len(vel))
	}
	eps2 := eps * eps
	err := pyext.ParallelFor(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi, yi, zi := pos[3*i], pos[3*i+1], pos[3*i+2]
			ax, ay, az := 0.0, 0.0, 0.0
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				dx, dy, dz := pos[3*j]-xi, pos[3*j+1]-yi, pos[3*j+2]-zi
				r2 := dx*dx + dy*dy + dz*dz + eps2
				inv := 1.0 / (r2 * math.Sqrt(r2))
				ax += mass[j] * dx * inv
				ay += mass[j] * dy * inv
				az += mass[j] * dz * inv
			}
			vel[3*i] += ax * dt
			vel[3*i+1] += ay * dt
			vel[3*i+2] += az * dt
		}
	})
	if err != nil {
		return err
	}
	for k := range pos {
		pos[k] += vel[k] * dt
	}
	return nil
}
