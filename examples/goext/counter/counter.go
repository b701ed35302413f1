// Package counter shows a Go type as a Python class: build it with
// 'hpp build ./examples/goext/counter', then
//
//	c = counter.Counter("apples", step=2); c.tick(3); c.count(); repr(c)
package counter

import (
	"sync"

	"hpp/pyext"
)

// Counter counts things in steps. Its methods may be called from several
// Python threads at once: the count is guarded by a mutex, as any Go
// value shared between goroutines must be. Name and Step are plain
// fields: set them while no method of the same Counter runs.
//
//hpp:export
type Counter struct {
	Name string // what is counted
	Step int    // what Tick adds each time

	mu    sync.Mutex
	count int
}

// NewCounter returns a counter of name that steps by step.
func NewCounter(name string, step int) (*Counter, error) {
	if step <= 0 {
		return nil, pyext.Errorf(pyext.ValueError, "step must be positive, got %d", step)
	}
	return &Counter{Name: name, Step: step}, nil
}

// Tick adds Step n times and returns the new count.
func (c *Counter) Tick(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count += n * c.Step
	return c.count
}

// Count returns the count.
func (c *Counter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// Merged returns a new counter named "a+b" whose count is the sum of both
// counts, with c's step.
func (c *Counter) Merged(other *Counter) *Counter {
	n := other.Count()
	c.mu.Lock()
	defer c.mu.Unlock()
	return &Counter{Name: c.Name + "+" + other.Name, Step: c.Step, count: c.count + n}
}

// Nop does nothing: the class-method call of scripts/bench-ext.
func (c *Counter) Nop() {}
