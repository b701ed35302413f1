// Package pi integrates 4/(1+x²) over [0, 1] by the midpoint rule, on
// every core: build it with 'hpp build ./examples/goext/pi'.
package pi

import "hpp/pyext"

// Pi approximates pi with n midpoint rectangles. The sum is taken in
// fixed blocks added in order, so the result does not depend on the
// number of cores.
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
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, s := range sums {
		total += s
	}
	return total * h, nil
}
