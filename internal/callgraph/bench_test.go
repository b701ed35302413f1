package callgraph

import (
	"fmt"
	"math/rand"
	"testing"

	"hpp/internal/profile"
)

// bigCycle makes a call graph with one recursive cycle of n functions,
// entered from k outside callers at random members: the worst shape for
// drawing cycles, since every entry draws the cycle anew.
func bigCycle(n, k int) *profile.Profile {
	rng := rand.New(rand.NewSource(1))
	p := &profile.Profile{}
	total := n + k + 1
	p.Funcs = make([]profile.Function, total)
	for i := range p.Funcs {
		p.Funcs[i].Func = profile.Func{File: "big.py", Line: i + 1, Name: fmt.Sprintf("f%d", i)}
		p.Funcs[i].Listed = true
		p.Funcs[i].TotTime = 1e-4
		p.Funcs[i].NCalls, p.Funcs[i].PCalls = 1, 1
	}
	edge := func(from, to int, ct float64) {
		p.Funcs[to].Callers = append(p.Funcs[to].Callers, profile.Edge{Caller: profile.FuncID(from), Stats: profile.Stats{NCalls: 1, PCalls: 1, CumTime: ct}})
	}
	// Members 0..n-1 form a ring with chords; callers n..n+k-1 enter it;
	// n+k is the top.
	for i := 0; i < n; i++ {
		edge(i, (i+1)%n, 1e-3)
		edge(i, rng.Intn(n), 1e-3*rng.Float64())
	}
	for j := 0; j < k; j++ {
		edge(n+k, n+j, 1)
		edge(n+j, rng.Intn(n), 0.5)
	}
	p.NumListed = total
	for i := range p.Funcs {
		p.TotalTT += p.Funcs[i].TotTime
	}
	return p
}

// BenchmarkBigCycle draws a 5,000-function cycle entered from 200
// callers (go test -bench BigCycle ./internal/callgraph).
func BenchmarkBigCycle(b *testing.B) {
	p := bigCycle(5000, 200)
	for b.Loop() {
		NewEstimator(p).Tree(Options{})
	}
}
