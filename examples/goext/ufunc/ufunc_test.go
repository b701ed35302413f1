package ufunc

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sinBranchFree must give math.Sin's bits: on random arguments of every
// size, and at the edges (zeros, multiples of π/4, the reduction's
// threshold, infinities, NaN).
func TestSinBranchFreeIsMathSin(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := []float64{0, math.Copysign(0, -1), math.Pi / 4, math.Pi / 2, math.Pi, -math.Pi, 3 * math.Pi / 4, 1 << 29,
		math.Nextafter(1<<29, 0), -(1 << 29), math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64, 1e300}
	for range 2_000_000 {
		xs = append(xs, (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(12)-3)))
	}
	for k := 1; k < 2000; k++ {
		xs = append(xs, float64(k)*math.Pi/4, math.Nextafter(float64(k)*math.Pi/4, 0))
	}
	for _, x := range xs {
		got, want := sinBranchFree(x), math.Sin(x)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("sinBranchFree(%v) = %v, math.Sin = %v", x, got, want)
		}
	}
}
