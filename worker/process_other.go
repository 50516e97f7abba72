//go:build !unix

package worker

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// errUnsupported is New's error where releases cannot run: the worker
// interrupts terraform and the commands of a release through Unix process
// groups and signals.
var errUnsupported = fmt.Errorf("the shiplog worker is not supported on this OS (%s): run workers on Linux, macOS or FreeBSD", runtime.GOOS)

func childAttr() *syscall.SysProcAttr { return nil }

func interruptGroup(pid int) error { return killGroup(pid) }

func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func lowerPriority(int) {}
