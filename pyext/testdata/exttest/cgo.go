package exttest

// #include <stdlib.h>
import "C"

// CAbs returns |x|, computed by C's labs: a function in a file that
// uses cgo is exported like any other.
//
//hpp:export
func CAbs(x int) int { return int(C.labs(C.long(x))) }
