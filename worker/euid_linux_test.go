package worker_test

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// runEUIDOnly is the re-executed test binary as a process whose effective
// uid alone is uidText (real and saved stay root's).
func runEUIDOnly(uidText string) {
	uid, err := strconv.Atoi(uidText)
	if err == nil {
		err = syscall.Setresuid(-1, uid, -1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("ready")
	select {} // until killed
}
