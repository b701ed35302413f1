package pyext

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"weak"
)

// TestObjectsRandom checks Put, Get and Delete against a plain map on a
// random sequence of operations that reuses and revisits handles.
func TestObjectsRandom(t *testing.T) {
	var o Objects[int]
	ref := map[uint64]*int{}
	var handles []uint64
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 200000 {
		switch r := rng.IntN(10); {
		case r < 5 || len(handles) == 0:
			v := new(int)
			*v = step
			h := o.Put(v)
			if h == 0 || ref[h] != nil {
				t.Fatalf("step %d: Put gave %d, which is 0 or live", step, h)
			}
			ref[h] = v
			handles = append(handles, h)
		case r < 8:
			k := rng.IntN(len(handles))
			h := handles[k]
			o.Delete(h)
			o.Delete(h) // twice: a no-op
			delete(ref, h)
			handles[k] = handles[len(handles)-1]
			handles = handles[:len(handles)-1]
			if o.Get(h) != nil {
				t.Fatalf("step %d: Get(%d) after Delete is not nil", step, h)
			}
		default:
			h := handles[rng.IntN(len(handles))]
			if o.Get(h) != ref[h] {
				t.Fatalf("step %d: Get(%d) = %p, want %p", step, h, o.Get(h), ref[h])
			}
		}
	}
	if o.Len() != len(ref) {
		t.Errorf("Len() = %d, want %d", o.Len(), len(ref))
	}
	for h, v := range ref {
		if o.Get(h) != v {
			t.Fatalf("Get(%d) = %p, want %p", h, o.Get(h), v)
		}
	}
	for _, h := range []uint64{0, 1 << 40, ^uint64(0)} {
		if o.Get(h) != nil {
			t.Errorf("Get(%d) is not nil", h)
		}
		o.Delete(h)
	}
	if o.Put(nil) != 0 {
		t.Error("Put(nil) is not 0")
	}
}

// TestObjectsConcurrent has goroutines put, look up and delete their own
// values while the others do the same (run with -race too).
func TestObjectsConcurrent(t *testing.T) {
	var o Objects[[2]int]
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []uint64
			for i := range 20000 {
				h := o.Put(&[2]int{g, i})
				mine = append(mine, h)
				if v := o.Get(h); v == nil || v[0] != g || v[1] != i {
					t.Errorf("goroutine %d: Get(%d) = %v", g, h, v)
					return
				}
				if i%3 == 0 {
					o.Delete(mine[len(mine)/2])
					mine = append(mine[:len(mine)/2], mine[len(mine)/2+1:]...)
				}
			}
			for _, h := range mine {
				if v := o.Get(h); v == nil || v[0] != g {
					t.Errorf("goroutine %d: Get(%d) = %v", g, h, v)
				}
				o.Delete(h)
			}
		}()
	}
	wg.Wait()
	if o.Len() != 0 {
		t.Errorf("Len() = %d after every Delete", o.Len())
	}
}

// TestObjectsRelease checks with Go's own collector that a value is kept
// while its handle lives and collected once it is deleted.
func TestObjectsRelease(t *testing.T) {
	var o Objects[[64]byte]
	h := o.Put(new([64]byte))
	w := weak.Make(o.Get(h))
	runtime.GC()
	runtime.GC()
	if w.Value() == nil {
		t.Fatal("a live handle's value was collected")
	}
	o.Delete(h)
	runtime.GC()
	runtime.GC()
	if w.Value() != nil {
		t.Fatal("a deleted handle's value was not collected")
	}
}

func BenchmarkObjectsGet(b *testing.B) {
	var o Objects[int]
	h := o.Put(new(int))
	for b.Loop() {
		if o.Get(h) == nil {
			b.Fatal("nil")
		}
	}
}
