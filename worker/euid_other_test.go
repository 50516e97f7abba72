//go:build !linux

package worker_test

import (
	"fmt"
	"os"
)

// runEUIDOnly needs Linux's setresuid.
func runEUIDOnly(string) {
	fmt.Fprintln(os.Stderr, "a process with only its effective uid changed needs Linux")
	os.Exit(2)
}
