package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// This file is the life of one release run: pick up, run the phases in
// order, end (log, resources, final status). The phases are in phase.go,
// what each action does in actions.go, plan ingestion in ingest.go, why a
// run stops in outcome.go and the working copy in prepare.go.

// run is one release being worked on by this worker.
type run struct {
	w      *Worker
	r      *release.Release
	env    *release.Environment
	log    hclog.Logger
	logs   *LogWriter
	dir    string // the release's directory: config/ and .shiplog/
	config string // the working copy of the configuration
	state  string // shiplog's files for this run: plans, var file, backend config
	info   configInfo
	tf     *terraform
	// tfUser is who terraform runs as (nil: the worker's own user).
	tfUser *tfUser
	// backendConfig is the -backend-config file of the pg backend; backend
	// and backendEnv are shiplog's http backend and its TF_HTTP_* settings.
	backendConfig string
	backend       *statebackend.Server
	backendEnv    map[string]string
	varFile       string
	// planned is set once a plan phase saved its plan.
	planned bool
	// applying is set once an apply phase started terraform apply: from
	// then on the release's resources may have changed.
	applying bool
	// ingest records plans in the background, on the run's context.
	ingest *ingester
	// pausedAt is the phase waiting for approval (-1: none).
	pausedAt int
	// override names the policies whose denials the next phase's
	// approval overrides (set by a policy phase that was denied).
	override []string
	// secrets are the values of variables marked sensitive; masks adds
	// rotated-out values and the forms terraform prints them in (mask.go).
	secrets []string
	masks   []string
	// stop cancels the run's context with a cause (outcome.go).
	stop context.CancelCauseFunc
}

// runRelease works a claimed (IN_PROGRESS) release until it finishes or
// pauses for approval, and records the outcome. It never panics the worker.
func (w *Worker) runRelease(ctx context.Context, r *release.Release) {
	log := w.log.With("release", r.ID, "environment", r.Environment)
	st := w.cfg.Store
	runCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)

	// Shutdown, abort, timeout and a lost lease all end the run through
	// runCtx, each with its own cause (outcome.go).
	stopWatch := context.AfterFunc(ctx, func() { cancel(errShutdown) })
	defer stopWatch()
	// The release timeout counts this claim's running time: time spent
	// waiting for approval is not running time.
	claimed := time.Now()
	timer := time.AfterFunc(w.cfg.ReleaseTimeout, func() { cancel(errReleaseTimeout) })
	defer timer.Stop()
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		w.monitor(runCtx, r.ID, cancel, log)
	}()
	defer func() { cancel(nil); <-monitorDone }()

	// Numbering must continue where the log stands: guessing would make the
	// store skip new lines as already written. If the database stays away,
	// give up; the lease then runs out and the release is STOPPED.
	var lastSeq int64
	err := retry(runCtx, 2*time.Minute, func() error {
		var err error
		lastSeq, err = st.LastLogSeq(runCtx, r.ID)
		return err
	})
	if err != nil {
		log.Error("cannot read the release's log position; leaving the release to its lease", "error", err)
		return
	}
	ru := &run{w: w, r: r, log: log, dir: w.newReleaseDir(r.ID), pausedAt: -1, stop: cancel}
	ru.logs = NewLogWriter(st, r.ID, lastSeq, r.DeploymentType, w.cfg.Logs)
	ru.ingest = &ingester{ctx: runCtx, store: st, id: r.ID, logs: ru.logs, log: log}
	ru.sys("", "release %d of %s picked up by worker %s (terraform %s)", r.ID, r.Environment, w.cfg.ID, w.tfVersion)

	out := ru.execute(runCtx)
	ru.ingest.wait() // nothing of this run may outlive it
	ru.finish(context.WithoutCancel(ctx))
	out.reason = ru.logs.redact(out.reason)

	// Logs first: once the release is final (or parked), every line is in
	// the store, and a worker resuming it numbers on from there.
	ru.sys("", "release %s", finalWord(out.status, out.paused))
	final := context.WithoutCancel(ctx)
	closeCtx, closeCancel := context.WithTimeout(final, 2*time.Minute)
	defer closeCancel()
	if err := ru.logs.Close(closeCtx); err != nil {
		log.Error("log lines lost at the end of the release", "error", err)
	}
	if errors.Is(context.Cause(runCtx), errLeaseLost) {
		log.Warn("lease lost: the release was stopped by another worker")
		return
	}
	change := store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: out.status, Reason: out.reason}
	if out.paused {
		change.To, change.NextPhase = release.StatusPendingApproval, &ru.pausedAt
	} else {
		ru.recordResources(closeCtx, out.status)
	}
	// The outcome must land: retry through a database outage, renewing the
	// lease meanwhile, until it does or another writer decided otherwise.
	err = retry(final, 5*time.Minute, func() error {
		err := st.Transition(final, change)
		var conflict *store.StatusConflictError
		if err != nil && !errors.As(err, &conflict) {
			if _, herr := st.Heartbeat(final, r.ID, w.cfg.ID, w.cfg.Lease); herr != nil {
				log.Warn("renewing the lease while recording the outcome", "error", herr)
			}
			return err
		}
		if err != nil {
			return permanent{err}
		}
		return nil
	})
	if err != nil {
		log.Error("recording the release outcome", "status", change.To, "error", err)
		return
	}
	log.Info("release "+finalWord(out.status, out.paused), "status", change.To, "took", time.Since(claimed).Round(time.Millisecond))
}

// permanent marks an error retry must not retry.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// retry calls fn until it succeeds, returns a permanent error, or the time
// is up, backing off from 100ms to 5s.
func retry(ctx context.Context, within time.Duration, fn func() error) error {
	deadline := time.Now().Add(within)
	backoff := 100 * time.Millisecond
	for {
		err := fn()
		var p permanent
		if err == nil || errors.As(err, &p) || time.Now().After(deadline) {
			if errors.As(err, &p) {
				return p.error
			}
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// monitor renews the lease and watches for an abort request.
func (w *Worker) monitor(ctx context.Context, id int64, cancel context.CancelCauseFunc, log hclog.Logger) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastBeat := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if aborted, err := w.cfg.Store.AbortRequested(ctx, id); err == nil && aborted {
			cancel(errAborted)
			return
		}
		if time.Since(lastBeat) < w.cfg.Lease/3 {
			continue
		}
		ok, err := w.cfg.Store.Heartbeat(ctx, id, w.cfg.ID, w.cfg.Lease)
		switch {
		case err != nil:
			log.Warn("renewing the lease", "error", err) // try again next tick
		case !ok:
			cancel(errLeaseLost)
			return
		default:
			lastBeat = time.Now()
		}
	}
}

// sys writes a line of shiplog's own into the release log.
func (ru *run) sys(phase, format string, args ...any) {
	ru.logs.Line(phase, release.System, fmt.Sprintf(format, args...))
}

// execute runs the phases from where the release stands, and says how the
// run ended: a final status and its reason, or paused for approval.
func (ru *run) execute(ctx context.Context) outcome {
	if err := ru.checkSavedPlan(ctx); err != nil {
		ru.sys("", "error: %v", err)
		return failed(err.Error())
	}
	if err := ru.prepare(ctx); err != nil {
		if out, stopped := interrupted(ctx); stopped {
			return out
		}
		ru.sys("", "error: %v", err)
		return failed(err.Error())
	}
	start, err := ru.w.cfg.Store.NextPhase(ctx, ru.r.ID)
	if err != nil {
		return failed(err.Error())
	}
	if start > 0 {
		ru.planned = true // the plan was made before the pause
	}
	for i := start; i < len(ru.r.Phases); i++ {
		p := ru.r.Phases[i]
		// the phases that do not run are SKIPPED by the release's final
		// move (store.Transition)
		if out, stopped := interrupted(ctx); stopped {
			return out
		}
		if (p.NeedsApproval(ru.env) || len(ru.override) > 0) && p.Status != release.PhasePendingApproval {
			return ru.park(ctx, i)
		}
		if p.Status == release.PhasePendingApproval {
			ru.sys(p.Name, "approved by %s%s", ru.r.Approval.By, commentSuffix(ru.r.Approval.Comment))
		}
		if err := ru.phase(ctx, i, p); err != nil {
			ru.ingest.wait()
			return phaseOutcome(ctx, p, err)
		}
	}
	if len(ru.override) > 0 {
		// denied, and no phase left whose approval could override it
		return failed(fmt.Sprintf("denied by policy %s", strings.Join(ru.override, ", ")))
	}
	if err := ru.ingest.wait(); err != nil {
		if out, stopped := interrupted(ctx); stopped {
			return out
		}
		return failed(err.Error())
	}
	return outcome{status: release.StatusSucceeded}
}

// recordResources updates resource status and deployments at the end of
// an apply: COMPLETED after success, FAILED once terraform apply ran and
// did not succeed. A release that ended before applying leaves them to the
// store, which puts back what parking for approval changed.
func (ru *run) recordResources(ctx context.Context, status release.Status) {
	st := ru.w.cfg.Store
	if ru.r.Type == release.TypePlan || !ru.planned || !ru.applying {
		return
	}
	outcomes, err := ru.changedResources(ctx)
	if err != nil {
		ru.log.Warn("reading changed resources", "error", err)
		return
	}
	rs := release.ResourceFailed
	if status == release.StatusSucceeded {
		rs = release.ResourceCompleted
		if err := st.RecordDeployments(ctx, ru.r.ID); err != nil {
			ru.log.Warn("recording deployments", "error", err)
		}
	}
	if err := st.RecordResourceStatus(ctx, ru.r.ID, outcomes, rs); err != nil {
		ru.log.Warn("recording resource status", "error", err)
	}
}

// changedResources are the resources the release's plan changes, each
// with the URL of the release's artifact linked to it (if any).
func (ru *run) changedResources(ctx context.Context) ([]store.ResourceOutcome, error) {
	outcomes, err := ru.w.cfg.Store.ChangedResources(ctx, ru.r.ID)
	if err != nil {
		return nil, err
	}
	for i := range outcomes {
		if a := release.ArtifactFor(ru.r.Artifacts, outcomes[i].Address); a != nil {
			outcomes[i].ArtifactURL = &a.URI
		}
	}
	return outcomes, nil
}
