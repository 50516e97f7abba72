package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// This file is the plumbing around one phase: its timeout, its log
// streams, its recorded start and outcome, and the pause before a phase
// that needs approval.

// phase runs one phase with its timeout and records it.
func (ru *run) phase(ctx context.Context, i int, p release.Phase) error {
	st := ru.w.cfg.Store
	timeout := ru.phaseTimeout(p)
	if err := st.StartPhase(ctx, ru.r.ID, i); err != nil {
		if errors.Is(err, store.ErrAbortRequested) {
			// recorded before the phase started: it never starts
			ru.stop(errAborted)
			st.SetPhaseStatus(context.WithoutCancel(ctx), ru.r.ID, i, release.PhaseSkipped)
			ru.sys(p.Name, "phase %s not started: the release's abort is recorded", p.Name)
		}
		return err
	}
	ru.sys(p.Name, "phase %d/%d %s (%s) started, timeout %s", i+1, len(ru.r.Phases), p.Name, p.Action, timeout)
	pctx, cancel := context.WithTimeoutCause(ctx, timeout, errPhaseTimeout)
	defer cancel()
	stdout, stderr := ru.logs.Stream(p.Name, release.Stdout), ru.logs.Stream(p.Name, release.Stderr)
	err := ru.action(pctx, p, output{stdout: stdout, stderr: stderr})
	stdout.Flush()
	stderr.Flush()
	if err == nil && context.Cause(pctx) != nil {
		// terraform can exit 0 after an interrupt it honoured: the phase
		// did not complete all the same.
		err = fmt.Errorf("phase interrupted: %w", context.Cause(pctx))
	}
	status := release.PhaseSucceeded
	errText := ""
	if err != nil {
		cause := context.Cause(pctx)
		if cause == nil || errors.Is(cause, context.Canceled) {
			cause = context.Cause(ctx)
		}
		if cause != nil {
			stop := stopOf(cause)
			status, errText = stop.phase, stop.text
			if errors.Is(cause, errPhaseTimeout) {
				// the release's own context is fine: mark it for the caller
				ru.sys(p.Name, "phase %s ran past its timeout of %s: terraform was interrupted", p.Name, timeout)
			}
		} else {
			status = release.PhaseFailed
			errText = errorText(err)
		}
		ru.sys(p.Name, "phase %s %s: %s", p.Name, strings.ToLower(string(status)), firstLine(errText)) // redacted by the writer
	} else {
		ru.sys(p.Name, "phase %s succeeded", p.Name)
	}
	if ferr := st.FinishPhase(context.WithoutCancel(ctx), ru.r.ID, i, status, ru.logs.redact(errText)); ferr != nil {
		ru.log.Error("recording the phase outcome", "phase", p.Name, "error", ferr)
	}
	if err != nil && errors.Is(context.Cause(pctx), errPhaseTimeout) && context.Cause(ctx) == nil {
		return &phaseTimeoutError{err}
	}
	return err
}

// phaseTimeout is the phase's own timeout, else the environment's for its
// action, else the worker's.
func (ru *run) phaseTimeout(p release.Phase) time.Duration {
	timeout := ru.w.cfg.PhaseTimeout
	if d, ok := ru.env.PhaseTimeouts[p.Action]; ok {
		timeout = d
	}
	if p.Options.Timeout > 0 {
		timeout = p.Options.Timeout
	}
	return timeout
}

// phaseTimeoutError is a phase that ran past its own timeout while the
// release's context was fine.
type phaseTimeoutError struct{ error }

// phaseOutcome is how the release ends when phase p returned err.
func phaseOutcome(ctx context.Context, p release.Phase, err error) outcome {
	cause := context.Cause(ctx)
	var pt *phaseTimeoutError
	if errors.As(err, &pt) {
		cause = errPhaseTimeout
	}
	stop := stopOf(cause)
	if stop.status == release.StatusFailed {
		return failed(fmt.Sprintf("phase %s (%s) failed: %s", p.Name, p.Action, errorText(err)))
	}
	return outcome{status: stop.status, reason: stop.text + " during phase " + p.Name}
}

// park stops the run before phase i, which needs approval: once the
// plan's changes are recorded (the approver sees them), the release waits.
func (ru *run) park(ctx context.Context, i int) outcome {
	err := ru.ingest.wait()
	if err == nil {
		err = ru.pause(ctx, i)
	}
	// the phases that did not run are SKIPPED by the release's final move
	if out, stopped := interrupted(ctx); stopped {
		return out
	}
	if err != nil {
		return failed(err.Error())
	}
	return outcome{paused: true}
}

// pause readies the release to wait for approval before phase i; the
// caller moves it to PENDING_APPROVAL once its log is written.
func (ru *run) pause(ctx context.Context, i int) error {
	st := ru.w.cfg.Store
	ctx = context.WithoutCancel(ctx) // these writes belong together
	p := ru.r.Phases[i]
	if err := st.SetPhaseStatus(ctx, ru.r.ID, i, release.PhasePendingApproval); err != nil {
		return err
	}
	if ru.r.Type != release.TypePlan {
		outcomes, err := ru.changedResources(ctx)
		if err == nil {
			err = st.RecordResourceStatus(ctx, ru.r.ID, outcomes, release.ResourceQueued)
		}
		if err != nil {
			ru.log.Warn("recording resource status", "error", err)
		}
	}
	if len(ru.override) > 0 {
		ru.sys(p.Name, "phase %s (%s) waits for an approval that overrides the denial of policy %s, or a rejection", p.Name, p.Action, strings.Join(ru.override, ", "))
	} else {
		ru.sys(p.Name, "phase %s (%s) needs approval: the release waits for approve or reject", p.Name, p.Action)
	}
	ru.pausedAt = i
	return nil
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}
