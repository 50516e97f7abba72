//go:build !unix

package worker

import (
	"context"
	"os/exec"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/gitsource"
)

// tfUser and tfIdentity do not exist where the worker does not run (see
// errUnsupported).
type (
	tfUser     struct{}
	tfIdentity struct{}
)

func runAs(*exec.Cmd, *tfUser) {}

func readOwnFile(string) ([]byte, error) { return nil, errUnsupported }

func (ru *run) writeOwnFile(string, []byte) error { return errUnsupported }

func (w *Worker) dropPrivileges() error { return errUnsupported }

func (ru *run) handOver() error { return errUnsupported }

func (ru *run) resolveUser() error { return errUnsupported }

func (ru *run) sweepProcesses(context.Context, string) error { return errUnsupported }

func (ru *run) gitOptions(string) (gitsource.Options, error) {
	return gitsource.Options{}, errUnsupported
}

func (ru *run) checkReadable(context.Context, string) error { return errUnsupported }
