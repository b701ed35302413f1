package report

import (
	"cmp"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"hpp/internal/profile"
)

// TestSortFastPaths holds the sort's fast paths (the precomputed first
// key, the unstable sort with the index as last key, the top-k heap)
// against a plain stable sort on random profiles full of ties.
func TestSortFastPaths(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.Intn(300)
		p := &profile.Profile{NumListed: n}
		for i := 0; i < n; i++ {
			p.Funcs = append(p.Funcs, profile.Function{
				Func:  profile.Func{File: fmt.Sprint("f", rng.Intn(4), ".py"), Line: rng.Intn(5), Name: fmt.Sprint("n", rng.Intn(6))},
				Stats: profile.Stats{PCalls: int64(rng.Intn(3)), NCalls: int64(rng.Intn(3)), TotTime: float64(rng.Intn(4)) / 8, CumTime: float64(rng.Intn(4)) / 8},
			})
		}
		keys := []string{sortKeys[rng.Intn(len(sortKeys))].name}
		if rng.Intn(2) == 0 {
			keys = append(keys, sortKeys[rng.Intn(len(sortKeys))].name)
		}
		o, err := ParseOrder(keys)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceSort(p, o)
		if got := o.Sort(p); !slices.Equal(got, want) {
			t.Fatalf("--sort %s on %d functions: %v, want %v", strings.Join(keys, ","), n, got, want)
		}
		k := rng.Intn(n/8 + 2)
		if got := o.sortTop(p, k); !slices.Equal(got[:min(k, n)], want[:min(k, n)]) {
			t.Fatalf("--sort %s --limit %d on %d functions: %v, want %v", strings.Join(keys, ","), k, n, got[:k], want[:k])
		}
	}
}

// referenceSort is sort_stats done plainly: a stable sort on the fields.
func referenceSort(p *profile.Profile, o *Order) []profile.FuncID {
	ids := p.ListedIDs()
	slices.SortStableFunc(ids, func(a, b profile.FuncID) int {
		fa, fb := &p.Funcs[a], &p.Funcs[b]
		for _, k := range o.keys {
			for _, f := range k.fields {
				var c int
				switch f {
				case fPCalls:
					c = cmp.Compare(fa.PCalls, fb.PCalls)
				case fNCalls:
					c = cmp.Compare(fa.NCalls, fb.NCalls)
				case fTotTime:
					c = cmp.Compare(fa.TotTime, fb.TotTime)
				case fCumTime:
					c = cmp.Compare(fa.CumTime, fb.CumTime)
				case fFile:
					c = strings.Compare(fa.File, fb.File)
				case fLine:
					c = cmp.Compare(fa.Line, fb.Line)
				case fName:
					c = strings.Compare(fa.Name, fb.Name)
				case fStdName:
					c = strings.Compare(fa.Func.String(), fb.Func.String())
				}
				if k.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
		}
		return 0
	})
	return ids
}
