package worker

import "syscall"

// childAttr puts a child in its own process group (so signals reach its
// children too) and kills it if the worker dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
