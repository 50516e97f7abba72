//go:build unix

package worker

import (
	"os/exec"
	"syscall"
)

// runAs makes cmd (whose SysProcAttr childAttr set) run as u; nil: as the
// worker's own user.
func runAs(cmd *exec.Cmd, u *tfUser) {
	if u != nil {
		cmd.SysProcAttr.Credential = u.credential()
	}
}

// errUnsupported is nil: the worker runs here (process groups, signals).
var errUnsupported error

// signalGroup sends sig to the process group led by pid (see childAttr).
func signalGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// interruptGroup asks the process group led by pid to stop (SIGINT).
func interruptGroup(pid int) error { return signalGroup(pid, syscall.SIGINT) }

// killGroup kills the process group led by pid (SIGKILL).
func killGroup(pid int) error { return signalGroup(pid, syscall.SIGKILL) }

// lowerPriority makes pid yield the CPU to the worker's other children
// (nice 10); failing is harmless.
func lowerPriority(pid int) { syscall.Setpriority(syscall.PRIO_PROCESS, pid, 10) }
