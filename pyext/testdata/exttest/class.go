package exttest

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
)

// liveBlobs counts the Blobs of size 5 that Go's collector has not freed yet.
var liveBlobs atomic.Int64

// LiveBlobs runs Go's collector and returns how many Blobs of size 5 made
// by NewBlob are still alive: the witness that a Blob's Go value goes with its
// Python object.
//
//hpp:export
func LiveBlobs() int {
	for range 3 {
		runtime.GC() // finalizers run on their own goroutine: give them time
		runtime.Gosched()
	}
	return int(liveBlobs.Load())
}

// Blob is a test class with a property of each scalar kind and a payload
// that makes a leak of its values visible in the process's RSS.
//
//hpp:export readonly=Size
type Blob struct {
	Size  int    // fixed at construction
	Label string // any text
	Ratio float32
	Flag  bool
	Small int8
	U     uint16
	Skip  []int // not a property: Python does not see slices of fields

	payload [256]byte
}

// NewBlob makes a blob of size; a negative size is an error, 13 a nil
// blob without an error, and blobs of size 5 are counted by LiveBlobs.
func NewBlob(size int) (*Blob, error) {
	if size < 0 {
		return nil, errors.New("negative size")
	}
	if size == 13 {
		return nil, nil
	}
	b := &Blob{Size: size}
	b.payload[0] = 1
	if size == 5 { // counted; not all, since a finalizer delays freeing by a cycle
		liveBlobs.Add(1)
		runtime.SetFinalizer(b, func(*Blob) { liveBlobs.Add(-1) })
	}
	return b, nil
}

// Boom panics as kind says, like Boom.
func (b *Blob) Boom(kind string) int {
	if kind == "nil" {
		var p *Blob
		return p.Size
	}
	panic("blob boom: " + kind)
}

// Same reports whether other is the same Go value as b.
func (b *Blob) Same(other *Blob) bool { return b == other }

// Clone returns a copy of b: a new Go value, and a new Python object.
func (b *Blob) Clone() *Blob {
	c := *b
	return &c
}

// Nil returns a nil *Blob, which Python sees as None.
func (b *Blob) Nil() *Blob { return nil }

// Describe returns the label in upper case and the size, or an error for
// an empty label.
func (b *Blob) Describe(sep string, times int) (string, error) {
	if b.Label == "" {
		return "", errors.New("no label")
	}
	return strings.Repeat(b.Label+sep, times), nil
}

func (b *Blob) private() {}

// BlobSize takes a Blob from Python.
//
//hpp:export
func BlobSize(b *Blob) int { return b.Size }

// Bare has no constructor: Bare() makes a zero value.
//
//hpp:export name=Plain
type Bare struct {
	N int
}

// Incr adds one to N and returns it.
func (b *Bare) Incr() int {
	b.N++
	return b.N
}

// GIL reports whether the method runs with the GIL, as GILState does.
func (b *Bare) GIL() int { return gilState() }

// GILHold is GIL, marked holdgil.
//
//hpp:export holdgil
func (b *Bare) GILHold() int { return gilState() }
