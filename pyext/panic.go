package pyext

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
)

// PanicMessage formats a recovered panic for Python: the value, then the
// Go stack from the panicking frame up to the generated glue, which is
// what a reader of the traceback needs. Call it from the deferred
// function that recovered.
func PanicMessage(r any) string {
	if wp, ok := r.(*WorkerPanic); ok {
		return fmt.Sprintf("%v (in a ParallelFor worker)\n\nGo stack:\n%s", wp.Value, trimStack(wp.Stack))
	}
	return fmt.Sprintf("%v\n\nGo stack:\n%s", r, trimStack(debug.Stack()))
}

// wrapperFrame is the generated wrapper's own frame; closures inlined
// into it are named main.hppgo_0_1.F.func1 and are kept.
var wrapperFrame = regexp.MustCompile(`^main\.hppgo_\d+_\d+\(`)

// trimStack keeps the frames between the panic and the generated
// wrapper (main.hppgo_*), dropping the runtime's and the recovery's.
func trimStack(stack []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	start := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			start = i + 2 // the frame's function line and its file line
		}
	}
	var out []string
	for i := start; i+1 < len(lines); i += 2 {
		if wrapperFrame.MatchString(lines[i]) || strings.HasPrefix(lines[i], "hpp/pyext.(*job).call(") {
			break
		}
		out = append(out, lines[i], lines[i+1])
	}
	return strings.Join(out, "\n")
}
