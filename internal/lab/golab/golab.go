// Package golab is the lab's kernels in Go, built into a CPython extension
// by hpp build (hpp lab writes this source out and builds it): the loops
// spread over every core with pyext.ParallelFor, one core when the lab
// runs it with GOMAXPROCS=1.
package golab

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"hpp/pyext"
)

// Fib is the Cython chapter's float Fibonacci.
//
//hpp:export
func Fib(n int) float64 {
	a, b := 0.0, 1.0
	for range n {
		a, b = a+b, a
	}
	return a
}

// Pi integrates 4/(1+x²) over [0, 1] with n midpoint rectangles, summed
// in fixed blocks added in order: the result does not depend on the cores.
//
//hpp:export
func Pi(n int) (float64, error) {
	if n <= 0 {
		return 0, pyext.Errorf(pyext.ValueError, "n must be positive, got %d", n)
	}
	const block = 4096
	h := 1.0 / float64(n)
	sums := make([]float64, (n+block-1)/block)
	err := pyext.ParallelFor(len(sums), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			s := 0.0
			for i := b * block; i < min((b+1)*block, n); i++ {
				x := (float64(i) + 0.5) * h
				s += 4.0 / (1.0 + x*x)
			}
			sums[b] = s
		}
	})
	total := 0.0
	for _, s := range sums {
		total += s
	}
	return total * h, err
}

// Julia returns the total of the escape counts over the grid xs × ys
// (rows ys), c = -0.62772-0.42193i, at most maxiter steps per point.
//
//hpp:export readonly=xs,ys
func Julia(xs, ys []float64, maxiter int) (int, error) {
	var total atomic.Int64
	err := pyext.ParallelFor(len(ys), func(lo, hi int) {
		t := 0
		for _, y := range ys[lo:hi] {
			for _, x := range xs {
				zr, zi, n := x, y, 0
				for n < maxiter && zr*zr+zi*zi < 4 {
					zr, zi = zr*zr-zi*zi+-0.62772, zr*zi+zi*zr+-0.42193
					n++
				}
				t += n
			}
		}
		total.Add(int64(t))
	})
	return int(total.Load()), err
}

// Nbody advances the bodies steps times by dt with symplectic Euler steps
// (every velocity from the old positions, then every position), in place;
// pos and vel hold x, y, z per body, eps softens close encounters.
//
//hpp:export readonly=mass
func Nbody(pos, vel, mass []float64, steps int, dt, eps float64) error {
	n := len(mass)
	if len(pos) != 3*n || len(vel) != 3*n {
		return pyext.Errorf(pyext.ValueError, "pos and vel need 3 values per body: %d bodies, len(pos) = %d, len(vel) = %d", n, len(pos), len(vel))
	}
	eps2 := eps * eps
	acc := make([]float64, 3*n)
	for range steps {
		err := pyext.ParallelFor(n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				ax, ay, az := 0.0, 0.0, 0.0
				for j := range n {
					if j == i {
						continue
					}
					dx, dy, dz := pos[3*j]-pos[3*i], pos[3*j+1]-pos[3*i+1], pos[3*j+2]-pos[3*i+2]
					r2 := dx*dx + dy*dy + dz*dz + eps2
					inv := 1.0 / (r2 * math.Sqrt(r2))
					ax += mass[j] * dx * inv
					ay += mass[j] * dy * inv
					az += mass[j] * dz * inv
				}
				acc[3*i], acc[3*i+1], acc[3*i+2] = ax, ay, az
			}
		})
		if err != nil {
			return err
		}
		for k := range vel {
			vel[k] += acc[k] * dt
		}
		for k := range pos {
			pos[k] += vel[k] * dt
		}
	}
	return nil
}

// Memsum returns the sum of a[idx[k]] over k.
//
//hpp:export readonly=a,idx
func Memsum(a, idx []int64) (int, error) {
	for _, i := range idx {
		if i < 0 || i >= int64(len(a)) {
			return 0, pyext.Errorf(pyext.IndexError, "index %d out of range for %d values", i, len(a))
		}
	}
	var total atomic.Int64
	err := pyext.ParallelFor(len(idx), func(lo, hi int) {
		var s int64
		for _, i := range idx[lo:hi] {
			s += a[i]
		}
		total.Add(s)
	})
	return int(total.Load()), err
}

// Words counts the words (runs of non-space) of text and returns, as
// JSON, [distinct words, [[word, count] of the 10 most frequent]], ties
// in word order.
//
//hpp:export
func Words(text string) (string, error) {
	// Cut at spaces into one piece per 256 KB, count each piece apart.
	var cuts []int
	for lo := 0; lo < len(text); {
		hi := min(lo+256<<10, len(text))
		for hi < len(text) && !isSpace(text[hi]) {
			hi++
		}
		cuts = append(cuts, lo, hi)
		lo = hi
	}
	total := map[string]int{}
	var mu sync.Mutex
	err := pyext.ParallelFor(len(cuts)/2, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			m := map[string]int{}
			for _, w := range strings.Fields(text[cuts[2*p]:cuts[2*p+1]]) {
				m[w]++
			}
			mu.Lock()
			for w, c := range m {
				total[w] += c
			}
			mu.Unlock()
		}
	})
	if err != nil {
		return "", err
	}
	type wc struct {
		w string
		c int
	}
	all := make([]wc, 0, len(total))
	for w, c := range total {
		all = append(all, wc{w, c})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].c != all[j].c {
			return all[i].c > all[j].c
		}
		return all[i].w < all[j].w
	})
	top := [][2]any{}
	for _, x := range all[:min(10, len(all))] {
		top = append(top, [2]any{x.w, x.c})
	}
	b, err := json.Marshal([]any{len(total), top})
	return string(b), err
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}
