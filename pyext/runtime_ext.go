//go:build hpp_ext

package pyext

// #include "hpp_ext.h"
//
// #include <stdlib.h>
import "C"

import "unsafe"

func init() {
	sigintPending = (*int32)(unsafe.Pointer(&C.hpp_sigint_pending))
	gilHeld = func() int { return int(C.hpp_gil_held()) }
	onMainThread = func() bool { return C.hpp_on_main_thread() != 0 }
	cAlloc = func(n uintptr) unsafe.Pointer { return C.calloc(C.size_t(n), 1) }
	cFree = func(p unsafe.Pointer) { C.free(p) }
}
