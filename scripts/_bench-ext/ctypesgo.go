// Command ctypesgo is fib as a plain Go c-shared library, for timing a
// ctypes call into Go in scripts/bench-ext.
package main

import "C"

//export fib
func fib(n C.long) C.double {
	a, b := 0.0, 1.0
	for range int(n) {
		a, b = a+b, a
	}
	return C.double(a)
}

func main() {}
