//go:build !linux

package worker

import (
	"errors"
	"fmt"
	"runtime"
)

// process is one live process; only Linux lists them (from /proc).
type process struct {
	pid  int
	uids [4]uint32
	cwd  string
	cmd  string
}

func (p process) String() string { return fmt.Sprintf("pid %d", p.pid) }

// errNoProcessList: without /proc the worker cannot list processes by uid.
var errNoProcessList = errors.New("listing processes by uid needs Linux's /proc (this is " + runtime.GOOS + ")")

func processesWithUID(lo, hi uint32) ([]process, error) { return nil, errNoProcessList }
