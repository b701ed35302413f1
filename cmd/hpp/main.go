// Command hpp profiles Python programs, reads and reports their profiles,
// and measures the machine they run on. See 'hpp help'.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"hpp/internal/cli"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 {
		if c := cli.Lookup(args[0]); c != nil && c.KeepsHeap {
			// A report keeps nearly everything it allocates, so the
			// collector only costs time (about 16% at 30k functions,
			// docs/benchmarks.md); the memory limit still bounds the heap
			// if a hostile file makes garbage.
			debug.SetGCPercent(-1)
			debug.SetMemoryLimit(1 << 30)
		}
	}
	os.Exit(cli.Main(context.Background(), args, &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
