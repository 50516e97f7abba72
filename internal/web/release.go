package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type releasePage struct {
	R *release.Release
	// ErrorHead is the error log's first lines; ErrorRest the others;
	// ErrorFirst its first line; ErrorLines how many it has.
	ErrorHead, ErrorRest, ErrorFirst string
	ErrorLines                       int
	// Ending is the phase that ended the release (or ""), Tail its last
	// lines, Cause what they and the error log say went wrong.
	Ending  string
	Tail    []numbered
	Cause   cause
	Phases  []phaseRow
	Top     []store.StoredChange
	More    bool
	Deploys []release.ApplicationDeployment
	// Previous is the environment's last successful release before this
	// one (0 if none): what "Compare with previous" compares against.
	Previous int64
	// LastSeq is the release's last log line: where the page's live
	// stream starts.
	LastSeq int64
	Actions actions
	// Time is the time taken split into running and waiting for approval.
	Time timeSplit
	// Confirm opens the reason form of an action ("reject" from the first
	// screen's Reject…).
	Confirm string
	// PolicyDenied: a policy denied the release (its checks come first);
	// Overrides are the policies an approval now overrides.
	PolicyDenied bool
	Overrides    []string
	// EnvPaused is set when the release waits in the queue of a paused
	// environment; WindowOpens when it waits for its environment's next
	// maintenance window (then, when it opens).
	EnvPaused   *release.Pause
	WindowOpens *time.Time
}

type phaseRow struct {
	release.Phase
	// Width is the bar's share of the longest phase, in percent.
	Width int
	Lines int64
}

type actions struct {
	Approve, Abort, SignOff, Rollback bool
	// ApplyPlan: the person may apply this PLAN release's saved plan;
	// ApplyPlanRefused says why it cannot be applied (stale, too old)
	// when that is the only thing in the way.
	ApplyPlan        bool
	ApplyPlanRefused string
	// PromoteTo are the environments downstream the person may promote
	// this release to; PromoteRefused says why not when it is not
	// promotable (not signed off where that is required).
	PromoteTo []promoteTarget
}

// promoteTarget is a downstream environment on a release's page.
type promoteTarget struct {
	Env     string
	Refused string // why the environment would not take it now ("")
}

// errorLines is how much of the error log shows before "show all".
const errorLines = 20

// topChanges is how many changes the details page lists.
const topChanges = 20

// endingPhase is the phase a release ended in: the running one, else the
// one that failed, timed out, was aborted or stopped, else the last that ran.
func endingPhase(r *release.Release) string {
	last := ""
	for _, ph := range r.Phases {
		switch ph.Status {
		case release.PhaseInProgress, release.PhaseFailed, release.PhaseTimedOut, release.PhaseAborted, release.PhaseStopped:
			return ph.Name
		}
		if ph.StartedAt != nil {
			last = ph.Name
		}
	}
	return last
}

// previousSucceeded is the id of the last SUCCEEDED release of rel's
// environment created before rel, or 0: comparing a failed release with
// the failed one before it says little about what broke.
func (p *Pages) previousSucceeded(ctx context.Context, rel *release.Release) (int64, error) {
	prev, err := p.store.ListReleases(ctx, store.ReleaseFilter{Environment: rel.Environment,
		Statuses: []release.Status{release.StatusSucceeded}, BeforeID: rel.ID, Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("previous successful release of %s: %w", rel.Environment, err)
	}
	if len(prev) == 0 {
		return 0, nil
	}
	return prev[0].ID, nil
}

func releaseID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id", "release id %q is not a positive whole number", v)
	}
	return id, nil
}

// releaseOf reads the release of a /releases/{id}/… page through the
// API's release cache.
func (p *Pages) releaseOf(r *http.Request) (*release.Release, error) {
	id, err := releaseID(r)
	if err != nil {
		return nil, err
	}
	return p.api.Release(r.Context(), id)
}

func (p *Pages) release(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rel, err := p.releaseOf(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	id := rel.ID
	pg := releasePage{R: rel, Time: splitTime(rel, p.now()), Confirm: r.URL.Query().Get("confirm")}
	pg.PolicyDenied, _ = release.PolicyDenied(rel.PolicyChecks)
	pg.Overrides = service.OverriddenPolicies(rel)
	if rel.Status == release.StatusQueued {
		env, err := p.store.GetEnvironment(r.Context(), rel.Environment)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		pg.EnvPaused = env.Paused
		pg.WindowOpens = nextWindow(env, p.now())
	}
	lines := strings.Split(strings.TrimRight(rel.ErrorLog, "\n"), "\n")
	pg.ErrorFirst, pg.ErrorLines = plain(lines[0]), len(lines)
	if len(lines) > errorLines {
		pg.ErrorHead, pg.ErrorRest = strings.Join(lines[:errorLines], "\n"), strings.Join(lines[errorLines:], "\n")
	} else {
		pg.ErrorHead = rel.ErrorLog
	}
	idx, err := p.store.LogIndex(ctx, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, pl := range idx {
		pg.LastSeq = max(pg.LastSeq, pl.LastSeq)
	}
	var longest int64 = 1
	for _, ph := range rel.Phases {
		if ms := ph.DurationMS(); ms != nil {
			longest = max(longest, *ms)
		}
	}
	for _, ph := range rel.Phases {
		row := phaseRow{Phase: ph}
		if ms := ph.DurationMS(); ms != nil {
			row.Width = int(max(1, *ms*100/longest))
		}
		for _, pl := range idx {
			if pl.Phase == ph.Name {
				row.Lines = pl.Lines
			}
		}
		pg.Phases = append(pg.Phases, row)
	}
	if rel.Status != release.StatusSucceeded && rel.Status.Terminal() {
		pg.Ending = endingPhase(rel)
		for _, pl := range idx {
			if pl.Phase == pg.Ending {
				if pg.Tail, err = p.tailOf(ctx, id, pl, causeLines); err != nil {
					p.fail(w, r, err)
					return
				}
			}
		}
		pg.Cause = causeOf(rel, pg.Tail)
		if i := strings.Index(pg.ErrorFirst, ": Error: "); i >= 0 && len(pg.Cause.Diagnostics) > 0 {
			pg.ErrorFirst = pg.ErrorFirst[:i] // the diagnostic follows
		}
		for _, ph := range rel.Phases {
			if ph.Name == pg.Ending && ph.Action == release.ActionApply && ph.StartedAt != nil {
				es, _, err := p.store.SearchLogEntries(ctx, id, ph.Name, "complete after", 1000)
				if err != nil {
					p.fail(w, r, err)
					return
				}
				pg.Cause.Applied, pg.Cause.AppliedKnown = appliedOf(es), true
			}
		}
	}
	if pg.Top, err = p.store.ListChanges(ctx, id, store.ChangeFilter{Limit: topChanges + 1}); err != nil {
		p.fail(w, r, err)
		return
	}
	if len(pg.Top) > topChanges {
		pg.Top, pg.More = pg.Top[:topChanges], true
	}
	if pg.Deploys, err = p.store.Deployments(ctx, store.DeploymentFilter{ReleaseID: id, Limit: 200}); err != nil {
		p.fail(w, r, err)
		return
	}
	if pg.Previous, err = p.previousSucceeded(ctx, rel); err != nil {
		p.fail(w, r, err)
		return
	}
	// the buttons show when the service would allow the caller the move
	c := callerOf(r)
	pg.Actions = actions{
		Approve: rel.Status == release.StatusPendingApproval && c.Holds(apiwire.RoleApprover, rel.Environment),
		Abort:   !rel.Status.Terminal() && rel.AbortRequested == nil && c.Holds(apiwire.RoleDeployer, rel.Environment),
		// a rejected release never ran its changes: nothing to sign off
		SignOff:  rel.Status.Terminal() && rel.Status != release.StatusRejected && rel.SignOff.Status == "" && c.Holds(apiwire.RoleApprover, rel.Environment),
		Rollback: rel.Status == release.StatusSucceeded && rel.Type == release.TypeApply && rel.BlueprintVersion != "" && c.Holds(apiwire.RoleDeployer, rel.Environment),
	}
	if err := p.streamActions(ctx, c, rel, &pg.Actions); err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "release", view{Title: "Release #" + strconv.FormatInt(id, 10), Nav: "releases", Data: pg})
}

// act carries out a form's action through the API's own route, as the
// signed-in token: the API checks scope and status and says why not.
// callerOf is the signed-in token or person as the use cases see it (no
// role without one).
func callerOf(r *http.Request) service.Caller {
	if c := whoOf(r.Context()); c != nil {
		return *c
	}
	return service.Caller{From: api.RemoteHost(r)}
}

func (p *Pages) act(w http.ResponseWriter, r *http.Request) {
	id, err := releaseID(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	action := r.PathValue("action")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, badRequest("comment", "the form could not be read: %s", err.Error()))
		return
	}
	svc, ctx, comment := p.api.Service(), r.Context(), r.PostForm.Get("comment")
	caller := callerOf(r)
	target := id
	switch action {
	case "approve":
		err = svc.Approve(ctx, caller, id, comment)
	case "reject", "abort":
		comment = strings.TrimSpace(comment)
		if comment == "" {
			p.fail(w, r, badRequest("comment", "say why you %s release %d: a reason is required", action, id))
			return
		}
		if action == "reject" {
			err = svc.Reject(ctx, caller, id, comment)
		} else {
			err = svc.Abort(ctx, caller, id, comment)
		}
	case "signoff":
		err = svc.SignOff(ctx, caller, id, release.SignOffStatus(r.PostForm.Get("status")), comment)
	case "rollback":
		var rel *release.Release
		if rel, err = svc.Rollback(ctx, caller, id); err == nil {
			target = rel.ID
		}
	case "apply-plan":
		var rel *release.Release
		if rel, err = svc.ApplySavedPlan(ctx, caller, id); err == nil {
			target = rel.ID
		}
	case "promote":
		var rel *release.Release
		if rel, err = svc.Promote(ctx, caller, id, apiwire.PromoteRequest{Environment: r.PostForm.Get("environment")}); err == nil {
			target = rel.ID
		}
	default:
		p.fail(w, r, &pageError{Status: http.StatusNotFound,
			Message: "no release action " + strconv.Quote(action) + " (approve, reject, abort, signoff, rollback, apply-plan, promote)"})
		return
	}
	if err != nil {
		status, msg := p.api.Explain(r, err)
		p.fail(w, r, &pageError{Status: status, Message: action + ": " + msg})
		return
	}
	setFlash(w, r, flashWords[action])
	http.Redirect(w, r, "/releases/"+strconv.FormatInt(target, 10), http.StatusSeeOther)
}

// nextWindow is when env's next maintenance window opens, while they are
// all closed at now; nil when releases may start now.
func nextWindow(env *release.Environment, now time.Time) *time.Time {
	if release.WindowsOpen(env.MaintenanceWindows, now) {
		return nil
	}
	next, ok := release.NextOpening(env.MaintenanceWindows, now)
	if !ok {
		return nil
	}
	return &next
}

// streamActions fills the actions that make a new release from this one:
// apply its saved plan (a SUCCEEDED PLAN) and promote it downstream (a
// SUCCEEDED APPLY), each only where the person holds deployer, with the
// rule that would refuse it.
func (p *Pages) streamActions(ctx context.Context, c service.Caller, rel *release.Release, a *actions) error {
	if rel.Status != release.StatusSucceeded {
		return nil
	}
	if rel.Type == release.TypePlan && c.Holds(apiwire.RoleDeployer, rel.Environment) {
		saved, err := p.store.SavedPlan(ctx, rel.ID)
		switch {
		case err != nil:
			return err
		case saved != nil:
			a.ApplyPlan = true
			if err := release.MayApplySavedPlan(*rel, saved, p.now(), p.api.Service().SavedPlanMaxAge()); err != nil {
				a.ApplyPlanRefused = err.Error()
			}
		}
	}
	if rel.Type != release.TypeApply || rel.BlueprintVersion == "" {
		return nil
	}
	downs, err := p.store.Downstream(ctx, rel.Environment)
	if err != nil {
		return err
	}
	for _, d := range downs {
		if !c.Holds(apiwire.RoleDeployer, d) {
			continue
		}
		env, err := p.store.GetEnvironment(ctx, d)
		if err != nil {
			return err
		}
		t := promoteTarget{Env: d}
		if err := release.MayPromote(*rel, *env); err != nil {
			t.Refused = err.Error()
		}
		a.PromoteTo = append(a.PromoteTo, t)
	}
	return nil
}
