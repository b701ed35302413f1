package pyext

import (
	"sync"
	"sync/atomic"
)

// Objects keeps the Go values that the Python objects of one exported
// class stand for. A Python object holds a handle, a small integer,
// because C memory must not hold Go pointers: Go's collector does not see
// it. The value stays reachable from here until the object's deallocator
// deletes the handle; then the collector frees it.
//
// Why Get needs no lock: a slot is written only by Put, before its handle
// is returned (and so before any Python object, or any other thread, has
// it), and cleared only by Delete, which the deallocator calls once no
// Python reference is left, so no call can be reading it. Slots live in
// fixed chunks that are never moved or freed, so a lookup is two atomic
// loads whatever Put and Delete do meanwhile on other slots; Put and
// Delete, which change the free list, take the mutex.
//
// The generated glue keeps one Objects per class; the zero value is ready.
type Objects[T any] struct {
	mu     sync.Mutex
	free   []uint32 // deleted slots, reused first (most recent first, still in cache)
	next   uint32   // slots handed out so far
	live   int
	chunks [objChunks]atomic.Pointer[[objChunk]atomic.Pointer[T]]
}

const (
	objChunkBits = 12
	objChunk     = 1 << objChunkBits // slots per chunk: 32 KB
	objChunks    = 1 << 14           // at most 2^26 (67 million) live objects per class
)

// Put stores v and returns its handle, never 0; a nil v gets the handle
// 0, which Get maps back to nil. Past 2^26 live objects it panics (the
// glue turns that into GoPanic).
func (o *Objects[T]) Put(v *T) uint64 {
	if v == nil {
		return 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var i uint32
	if n := len(o.free); n > 0 {
		i = o.free[n-1]
		o.free = o.free[:n-1]
	} else {
		if o.next == objChunk*objChunks {
			panic("hpp: more than 67108864 live Python objects of one Go type")
		}
		i = o.next
		o.next++
	}
	c := o.chunks[i>>objChunkBits].Load()
	if c == nil {
		c = new([objChunk]atomic.Pointer[T])
		o.chunks[i>>objChunkBits].Store(c)
	}
	c[i&(objChunk-1)].Store(v)
	o.live++
	return uint64(i) + 1
}

// Get returns the value of handle h, or nil for 0 or a deleted handle.
func (o *Objects[T]) Get(h uint64) *T {
	i := h - 1
	if i >= objChunk*objChunks {
		return nil
	}
	c := o.chunks[i>>objChunkBits].Load()
	if c == nil {
		return nil
	}
	return c[i&(objChunk-1)].Load()
}

// Delete forgets handle h, so that its value can be collected once Go
// holds no other reference to it. Deleting 0 or a deleted handle does
// nothing.
func (o *Objects[T]) Delete(h uint64) {
	i := h - 1
	if i >= objChunk*objChunks {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.chunks[i>>objChunkBits].Load()
	if c == nil || c[i&(objChunk-1)].Load() == nil {
		return
	}
	c[i&(objChunk-1)].Store(nil)
	o.free = append(o.free, uint32(i))
	o.live--
}

// Len returns the number of live handles.
func (o *Objects[T]) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.live
}
