// Command hpp profiles Python programs, reads and reports their profiles,
// and measures the machine they run on. See 'hpp help'.
package main

import (
	"context"
	"os"

	"hpp/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
