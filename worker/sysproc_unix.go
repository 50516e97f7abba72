//go:build unix && !linux

package worker

import "syscall"

// childAttr puts a child in its own process group; only Linux can also
// kill it when the worker dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
