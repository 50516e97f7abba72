package worker

import (
	"context"
	"errors"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file answers "why did the run stop": the causes a run's context is
// cancelled with, and the statuses and text each one means.

// stopCause is why a run (or a phase) was cut short. It is the cause the
// run's context is cancelled with (context.Cause), and it knows what that
// means for the release, for the interrupted phase and for the operator
// reading the release's error log.
type stopCause struct {
	err    string              // the cause as an error
	text   string              // the release's error log says this
	status release.Status      // the release ends in this status
	phase  release.PhaseStatus // the interrupted phase ends in this status
}

func (c *stopCause) Error() string { return c.err }

// The reasons a release run is cut short.
var (
	errAborted = &stopCause{err: "aborted", text: "aborted",
		status: release.StatusAborted, phase: release.PhaseAborted}
	errShutdown = &stopCause{err: "worker shutting down", text: "stopped: the worker shut down",
		status: release.StatusStopped, phase: release.PhaseStopped}
	errLeaseLost = &stopCause{err: "lease lost", text: "stopped: lease lost",
		status: release.StatusStopped, phase: release.PhaseStopped}
	errReleaseTimeout = &stopCause{err: "release timed out", text: "timed out: the release ran past its timeout",
		status: release.StatusTimedOut, phase: release.PhaseTimedOut}
	errPhaseTimeout = &stopCause{err: "phase timed out", text: "timed out: the phase ran past its timeout",
		status: release.StatusTimedOut, phase: release.PhaseTimedOut}
)

// stopOf reads a context's cause: one of the stop causes, or any other
// error (or none), which is a failure told by its own text.
func stopOf(cause error) *stopCause {
	var sc *stopCause
	if errors.As(cause, &sc) {
		return sc
	}
	text := ""
	if cause != nil {
		text = cause.Error()
	}
	return &stopCause{err: text, text: text, status: release.StatusFailed, phase: release.PhaseFailed}
}

// outcome is how a run ended: a final status with its reason, or a pause
// for approval (then status and reason are empty).
type outcome struct {
	status release.Status
	reason string
	paused bool
}

// stoppedBy is the outcome of a run whose context ended with cause.
func stoppedBy(cause error) outcome {
	s := stopOf(cause)
	return outcome{status: s.status, reason: s.text}
}

// failed is the outcome of a run that failed for reason.
func failed(reason string) outcome {
	return outcome{status: release.StatusFailed, reason: reason}
}

// interrupted reports why ctx was cancelled, if it was, as the outcome.
func interrupted(ctx context.Context) (outcome, bool) {
	if cause := context.Cause(ctx); cause != nil {
		return stoppedBy(cause), true
	}
	return outcome{}, false
}

func finalWord(s release.Status, paused bool) string {
	if paused {
		return "waiting for approval"
	}
	return strings.ToLower(strings.ReplaceAll(string(s), "_", " "))
}

// errorText is an error as an operator wants it: terraform's diagnostics,
// not a Go chain of wrappers.
func errorText(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.Index(s, "exit status "); i >= 0 {
		// tfexec: "exit status 1\n\nError: ..." — keep the diagnostics.
		rest := strings.TrimSpace(s[i:])
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			return strings.TrimSpace(rest[nl:])
		}
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
