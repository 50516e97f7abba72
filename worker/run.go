package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

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
	// backendConfig is the -backend-config file of the pg backend; backend
	// and backendEnv are shiplog's http backend and its TF_HTTP_* settings.
	backendConfig string
	backend       *statebackend.Server
	backendEnv    map[string]string
	varFile       string
	// planned is set once a plan phase saved its plan.
	planned bool
	// ingests are plan ingestions still running; runCtx outlives phases.
	ingests []chan error
	runCtx  context.Context
	// pausedAt is the phase waiting for approval (-1: none).
	pausedAt int
	// secrets are the values of variables marked sensitive.
	secrets []string
}

// runRelease works a claimed (IN_PROGRESS) release until it finishes or
// pauses for approval, and records the outcome. It never panics the worker.
func (w *Worker) runRelease(ctx context.Context, r *release.Release) {
	log := w.log.With("release", r.ID, "environment", r.Environment)
	st := w.cfg.Store
	runCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)

	// Shutdown, abort, timeout and a lost lease all end the run through
	// runCtx, each with its own cause.
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
	ru := &run{w: w, r: r, log: log, dir: w.releaseDir(r.ID), runCtx: runCtx, pausedAt: -1}
	ru.logs = NewLogWriter(st, r.ID, lastSeq, r.DeploymentType, w.cfg.Logs)
	ru.sys("", "release %d of %s picked up by worker %s (terraform %s)", r.ID, r.Environment, w.cfg.ID, w.tfVersion)

	status, reason, paused := ru.execute(runCtx)
	ru.waitIngest() // nothing of this run may outlive it
	ru.finish(context.WithoutCancel(ctx))
	reason = ru.logs.redact(reason)

	// Logs first: once the release is final (or parked), every line is in
	// the store, and a worker resuming it numbers on from there.
	ru.sys("", "release %s", finalWord(status, paused))
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
	change := store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: status, Reason: reason}
	if paused {
		change.To, change.NextPhase = release.StatusPendingApproval, &ru.pausedAt
	} else {
		ru.recordResources(closeCtx, status)
	}
	// The outcome must land: retry through a database outage, renewing the
	// lease meanwhile, until it does or another writer decided otherwise.
	err = retry(final, 5*time.Minute, func() error {
		err := st.Transition(final, change)
		var conflict *store.StatusConflictError
		if err != nil && !errors.As(err, &conflict) {
			st.Heartbeat(final, r.ID, w.cfg.ID, w.cfg.Lease)
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
	log.Info("release "+finalWord(status, paused), "status", change.To, "took", time.Since(claimed).Round(time.Millisecond))
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

func finalWord(s release.Status, paused bool) string {
	if paused {
		return "waiting for approval"
	}
	return strings.ToLower(strings.ReplaceAll(string(s), "_", " "))
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

// execute runs the phases from where the release stands. It returns the
// final status and error text, or paused when waiting for approval.
func (ru *run) execute(ctx context.Context) (release.Status, string, bool) {
	st := ru.w.cfg.Store
	if err := ru.prepare(ctx); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			s, _ := outcomeOf(cause)
			return s, causeText(cause), false
		}
		ru.sys("", "error: %v", err)
		return release.StatusFailed, err.Error(), false
	}
	start, err := st.NextPhase(ctx, ru.r.ID)
	if err != nil {
		return release.StatusFailed, err.Error(), false
	}
	if start > 0 {
		ru.planned = true // the plan was made before the pause
	}
	for i := start; i < len(ru.r.Phases); i++ {
		p := ru.r.Phases[i]
		if cause := context.Cause(ctx); cause != nil {
			ru.skipFrom(ctx, i)
			s, _ := outcomeOf(cause)
			return s, causeText(cause), false
		}
		if ru.needsApproval(p) && p.Status != release.PhasePendingApproval {
			// the approver sees the plan's changes
			err := ru.waitIngest()
			if err == nil {
				err = ru.pause(ctx, i)
			}
			if cause := context.Cause(ctx); cause != nil {
				ru.skipFrom(ctx, i)
				s, _ := outcomeOf(cause)
				return s, causeText(cause), false
			}
			if err != nil {
				ru.skipFrom(ctx, i)
				return release.StatusFailed, err.Error(), false
			}
			return "", "", true
		}
		if p.Status == release.PhasePendingApproval {
			ru.sys(p.Name, "approved by %s%s", ru.r.Approval.By, commentSuffix(ru.r.Approval.Comment))
		}
		if err := ru.phase(ctx, i, p); err != nil {
			ru.waitIngest()
			ru.skipFrom(ctx, i+1)
			cause := context.Cause(ctx)
			var pt *phaseTimeoutError
			if errors.As(err, &pt) {
				cause = errPhaseTimeout
			}
			s, _ := outcomeOf(cause)
			if s == release.StatusFailed {
				return s, fmt.Sprintf("phase %s (%s) failed: %s", p.Name, p.Action, errorText(err)), false
			}
			return s, causeText(cause) + " during phase " + p.Name, false
		}
	}
	if err := ru.waitIngest(); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			s, _ := outcomeOf(cause)
			return s, causeText(cause), false
		}
		return release.StatusFailed, err.Error(), false
	}
	return release.StatusSucceeded, "", false
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}

func causeText(cause error) string {
	switch {
	case errors.Is(cause, errShutdown):
		return "stopped: the worker shut down"
	case errors.Is(cause, errReleaseTimeout):
		return "timed out: the release ran past its timeout"
	case errors.Is(cause, errPhaseTimeout):
		return "timed out: the phase ran past its timeout"
	case errors.Is(cause, errAborted):
		return "aborted"
	case errors.Is(cause, errLeaseLost):
		return "stopped: lease lost"
	}
	return cause.Error()
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

func (ru *run) needsApproval(p release.Phase) bool {
	if p.Options.ApprovalRequired {
		return true
	}
	return ru.env != nil && ru.env.ApprovalRequired && p.Action == release.ActionApply
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
		outcomes, err := st.ChangedResources(ctx, ru.r.ID)
		if err == nil {
			err = st.RecordResourceStatus(ctx, ru.r.ID, outcomes, release.ResourceQueued, ru.artifactURL())
		}
		if err != nil {
			ru.log.Warn("recording resource status", "error", err)
		}
	}
	ru.sys(p.Name, "phase %s (%s) needs approval: the release waits for approve or reject", p.Name, p.Action)
	ru.pausedAt = i
	return nil
}

func (ru *run) skipFrom(ctx context.Context, from int) {
	for j := from; j < len(ru.r.Phases); j++ {
		ru.w.cfg.Store.SetPhaseStatus(context.WithoutCancel(ctx), ru.r.ID, j, release.PhaseSkipped)
	}
}

// phase runs one phase with its timeout and records it.
func (ru *run) phase(ctx context.Context, i int, p release.Phase) error {
	st := ru.w.cfg.Store
	timeout := ru.w.cfg.PhaseTimeout
	if d, ok := ru.env.PhaseTimeouts[p.Action]; ok {
		timeout = d
	}
	if p.Options.Timeout > 0 {
		timeout = p.Options.Timeout
	}
	if err := st.StartPhase(ctx, ru.r.ID, i); err != nil {
		return err
	}
	ru.sys(p.Name, "phase %d/%d %s (%s) started, timeout %s", i+1, len(ru.r.Phases), p.Name, p.Action, timeout)
	pctx, cancel := context.WithTimeoutCause(ctx, timeout, errPhaseTimeout)
	defer cancel()
	stdout, stderr := ru.logs.Stream(p.Name, release.Stdout), ru.logs.Stream(p.Name, release.Stderr)
	ru.tf.stdout, ru.tf.stderr = stdout, stderr
	err := ru.action(pctx, p)
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
			_, status = outcomeOf(cause)
			errText = causeText(cause)
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

type phaseTimeoutError struct{ error }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// action does what the phase's action says.
func (ru *run) action(ctx context.Context, p release.Phase) error {
	if p.Action != release.ActionInit && p.Action != release.ActionRun {
		if err := ru.ensureInitialized(ctx, p.Name); err != nil {
			return err
		}
	}
	switch p.Action {
	case release.ActionInit:
		return ru.tf.init(ctx, ru.backendConfig)
	case release.ActionPlan, release.ActionDestroyPlan:
		return ru.plan(ctx, p)
	case release.ActionApply:
		return ru.apply(ctx, p)
	case release.ActionMigrate:
		return ru.migrate(ctx, p)
	case release.ActionRun:
		return ru.command(ctx, p)
	}
	return fmt.Errorf("unknown action %q", p.Action)
}

// ensureInitialized runs init when a working copy was made afresh (a
// release resumed on another worker after approval).
func (ru *run) ensureInitialized(ctx context.Context, phase string) error {
	if _, err := os.Stat(filepath.Join(ru.config, ".terraform")); err == nil {
		return nil
	}
	hasInit := false
	for _, p := range ru.r.Phases {
		hasInit = hasInit || p.Action == release.ActionInit
	}
	if !hasInit {
		return nil
	}
	ru.sys(phase, "working copy is new on this worker: running terraform init first")
	return ru.tf.init(ctx, ru.backendConfig)
}

func (ru *run) plan(ctx context.Context, p release.Phase) error {
	st := ru.w.cfg.Store
	out := filepath.Join(ru.state, p.Name+".tfplan")
	o := planOptions{out: out, varFile: ru.varFile, refresh: p.Options.Refresh, parallelism: p.Options.Parallelism,
		destroy: p.Action == release.ActionDestroyPlan}
	if p.Options.TargetsFromRelease {
		if len(ru.r.Targets) == 0 {
			return errors.New("the phase uses targets: fromRelease but the release has no targets")
		}
		o.targets = ru.r.Targets
	}
	if err := ru.tf.plan(ctx, o); err != nil {
		return err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("reading the plan file: %w", err)
	}
	sum, err := st.SavePlanFile(ctx, ru.r.ID, p.Name, data)
	if err != nil {
		return err
	}
	ru.sys(p.Name, "plan saved (%d bytes, sha256 %s)", len(data), sum[:16])
	ru.planned = true
	// Recording the plan's changes (terraform show -json into the store)
	// runs alongside the next phases; waitIngest joins it wherever the
	// changes are needed, and before the release ends.
	done := make(chan error, 1)
	ru.ingests = append(ru.ingests, done)
	tf := *ru.tf
	showErr := ru.logs.Stream(p.Name, release.Stderr)
	tf.stdout, tf.stderr = io.Discard, showErr
	go func() {
		var summary release.Summary
		var err error
		// A database outage is waited out (the plan file is still on disk,
		// so show runs again); a plan terraform wrote but shiplog cannot
		// read is not retried.
		for attempt, backoff := 1, 200*time.Millisecond; ; attempt, backoff = attempt+1, min(backoff*2, 5*time.Second) {
			err = tf.showJSON(ru.runCtx, out, func(r io.Reader) error {
				var err error
				summary, err = st.ReplaceChanges(ru.runCtx, ru.r.ID, p.Name, plan.NewReader(r, plan.WithSecrets(ru.secrets)))
				return err
			})
			var perr *plan.Error
			if err == nil || errors.As(err, &perr) || ru.runCtx.Err() != nil || attempt == 12 {
				break
			}
			ru.log.Warn("recording the plan's changes failed; trying again", "attempt", attempt, "error", err)
			select {
			case <-ru.runCtx.Done():
			case <-time.After(backoff):
			}
		}
		showErr.Flush()
		if err != nil {
			done <- fmt.Errorf("recording the changes of phase %s: %w", p.Name, err)
			return
		}
		ru.sys(p.Name, "changes recorded: %d to create, %d to update, %d to replace, %d to delete (%d unchanged)",
			summary.Create, summary.Update, summary.Replace, summary.Delete, summary.NoOp)
		done <- nil
	}()
	return nil
}

// waitIngest waits for every plan ingestion started so far.
func (ru *run) waitIngest() error {
	var errs []error
	for _, done := range ru.ingests {
		errs = append(errs, <-done)
	}
	ru.ingests = nil
	return errors.Join(errs...)
}

func (ru *run) apply(ctx context.Context, p release.Phase) error {
	data, sum, from, err := ru.w.cfg.Store.PlanFile(ctx, ru.r.ID, "")
	if err != nil {
		return err
	}
	path := filepath.Join(ru.state, "apply.tfplan")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("writing the saved plan: %w", err)
	}
	ru.sys(p.Name, "applying the plan saved by phase %s (sha256 %s)", from, sum[:16])
	if ru.r.Type != release.TypePlan {
		ingests := ru.ingests
		ru.ingests = nil
		marked := make(chan error, 1)
		ru.ingests = append(ru.ingests, marked)
		go func() {
			// once the changes are recorded, their resources are in progress
			var errs []error
			for _, done := range ingests {
				errs = append(errs, <-done)
			}
			if err := errors.Join(errs...); err != nil {
				marked <- err
				return
			}
			if outcomes, err := ru.w.cfg.Store.ChangedResources(ru.runCtx, ru.r.ID); err == nil {
				ru.w.cfg.Store.RecordResourceStatus(ru.runCtx, ru.r.ID, outcomes, release.ResourceInProgress, ru.artifactURL())
			}
			marked <- nil
		}()
	}
	return ru.tf.apply(ctx, path, p.Options.Parallelism)
}

// command runs a `run` phase's command in the working copy.
func (ru *run) command(ctx context.Context, p release.Phase) error {
	name := p.Options.Command
	if !strings.ContainsRune(name, '/') {
		if lp, err := exec.LookPath(name); err == nil {
			name = lp
		}
	} else if !filepath.IsAbs(name) {
		name = filepath.Join(ru.config, name)
	}
	cmd := exec.CommandContext(ctx, name, p.Options.Args...)
	cmd.Dir = ru.config
	cmd.Env = ru.tf.envList()
	cmd.Stdout, cmd.Stderr = ru.tf.stdout, ru.tf.stderr
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = ru.w.cfg.Grace
	err := cmd.Run()
	if cmd.Process != nil {
		// whatever the command started and left behind goes with it
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p.Options.Command, err)
	}
	return nil
}

// artifactURL is the release's first artifact, as resource status shows it.
func (ru *run) artifactURL() string {
	if len(ru.r.Artifacts) > 0 {
		return ru.r.Artifacts[0].URI
	}
	return ""
}

// recordResources updates resource status and deployments at the end.
func (ru *run) recordResources(ctx context.Context, status release.Status) {
	st := ru.w.cfg.Store
	if ru.r.Type == release.TypePlan || !ru.planned {
		return
	}
	outcomes, err := st.ChangedResources(ctx, ru.r.ID)
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
	if err := st.RecordResourceStatus(ctx, ru.r.ID, outcomes, rs, ru.artifactURL()); err != nil {
		ru.log.Warn("recording resource status", "error", err)
	}
}

// writeVarFile writes the environment's and release's variables (release
// wins) and, when the configuration declares them, shiplog_artifacts and
// shiplog_blueprint_version, as a JSON var file only this run can read.
func (ru *run) writeVarFile(ctx context.Context) error {
	relVars, err := ru.w.cfg.Store.ReleaseVariables(ctx, ru.r.ID)
	if err != nil {
		return err
	}
	vals := map[string]any{}
	var secrets []string
	for _, vs := range [][]release.Variable{ru.env.Variables, relVars} {
		for _, v := range vs {
			if v.Sensitive {
				secrets = append(secrets, v.Value)
			}
			if v.HCL {
				var j any
				if err := json.Unmarshal([]byte(v.Value), &j); err != nil {
					return fmt.Errorf("variable %q is marked as a structured value but is not JSON: %w", v.Name, err)
				}
				vals[v.Name] = j
			} else {
				vals[v.Name] = v.Value
			}
		}
	}
	if ru.info.Variables["shiplog_artifacts"] {
		arts := make([]map[string]any, 0, len(ru.r.Artifacts))
		for _, a := range ru.r.Artifacts {
			arts = append(arts, map[string]any{"artifact_uri": a.URI, "build_id": a.BuildID, "stack_name": a.StackName,
				"app_name": a.AppName, "registration_metadata": a.RegistrationMetadata})
		}
		vals["shiplog_artifacts"] = arts
	}
	if ru.info.Variables["shiplog_blueprint_version"] {
		vals["shiplog_blueprint_version"] = ru.r.BlueprintVersion
	}
	if ru.info.Variables["shiplog_release_id"] {
		vals["shiplog_release_id"] = ru.r.ID
	}
	for k := range vals {
		if !ru.info.Variables[k] {
			delete(vals, k) // terraform warns about undeclared values
		}
	}
	// terraform prints a value unless the configuration declares its
	// variable sensitive: shiplog masks what it knows to be sensitive.
	ru.logs.Redact(secrets)
	ru.secrets = secrets
	b, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	ru.varFile = filepath.Join(ru.state, "vars.tfvars.json")
	return os.WriteFile(ru.varFile, b, 0o600)
}
