package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Exit codes of `shiplog release wait`.
const (
	ExitFailed   = 10 // the release FAILED
	ExitAborted  = 11 // ABORTED
	ExitRejected = 12 // REJECTED at approval
	ExitTimedOut = 13 // TIMED_OUT (a phase or the release ran too long)
	ExitStopped  = 14 // STOPPED (its worker shut down or vanished)
	ExitGaveUp   = 15 // the wait ended (--timeout, or interrupted) before the release did
)

// exitCodes maps final statuses to wait's exit codes.
var exitCodes = map[release.Status]int{
	release.StatusSucceeded: 0,
	release.StatusFailed:    ExitFailed,
	release.StatusAborted:   ExitAborted,
	release.StatusRejected:  ExitRejected,
	release.StatusTimedOut:  ExitTimedOut,
	release.StatusStopped:   ExitStopped,
}

type releaseCmd struct {
	Create     releaseCreateCmd     `cmd:"" help:"Queue a release of an environment."`
	List       releaseListCmd       `cmd:"" help:"List releases, newest first."`
	Show       releaseShowCmd       `cmd:"" help:"Show a release: status, phases, approval, summary, artifacts."`
	Changes    releaseChangesCmd    `cmd:"" help:"List a release's planned changes."`
	Logs       releaseLogsCmd       `cmd:"" help:"Print a release's log (--follow: live, until it ends)."`
	Wait       releaseWaitCmd       `cmd:"" help:"Wait for a release to finish; the exit code says how it ended (see --help)."`
	Approve    releaseApproveCmd    `cmd:"" help:"Approve a release waiting for approval."`
	Reject     releaseRejectCmd     `cmd:"" help:"Reject a release waiting for approval."`
	Abort      releaseAbortCmd      `cmd:"" help:"Abort a queued, waiting or running release."`
	Signoff    releaseSignoffCmd    `cmd:"" help:"Sign off a finished release (APPROVED or REJECTED)."`
	Rollback   releaseRollbackCmd   `cmd:"" help:"Queue a ROLLBACK release that re-applies an earlier SUCCEEDED release."`
	IngestPlan releaseIngestPlanCmd `cmd:"" name:"ingest-plan" help:"Store a plan produced elsewhere as the changes of a release's phase."`
	RecordPlan releaseRecordPlanCmd `cmd:"" name:"record-plan" help:"Record a plan produced elsewhere as a finished PLAN release of an environment."`
}

type releaseCreateCmd struct {
	apiFlags
	Env              string   `name:"env" short:"e" required:"" help:"Environment to release."`
	Template         string   `help:"Release template, name or namespace/name (default: the environment's)."`
	Target           []string `help:"Resource address to target (repeatable)."`
	Artifact         []int64  `help:"ID of a registered artifact to deploy (repeatable)."`
	ArtifactURI      []string `name:"artifact-uri" help:"URI of a new artifact to register and deploy (repeatable)."`
	App              string   `help:"App name of the --artifact-uri artifacts."`
	Stack            string   `help:"Stack name of the --artifact-uri artifacts."`
	BuildID          string   `name:"build-id" help:"Build ID of the --artifact-uri artifacts."`
	Var              []string `help:"Terraform variable NAME=VALUE (repeatable)."`
	SensitiveVar     []string `name:"sensitive-var" help:"Sensitive Terraform variable NAME=VALUE, sealed and never shown (repeatable; NAME=@FILE reads the value from FILE)."`
	MigrationScript  []string `name:"migration-script" help:"State migration script NAME=FILE (repeatable)."`
	DeploymentType   string   `name:"deployment-type" enum:"REGULAR,CUSTOM" default:"REGULAR" help:"REGULAR or CUSTOM."`
	BlueprintVersion string   `name:"blueprint-version" help:"Configuration version label (default: the worker's snapshot hash)."`
}

func (c *releaseCreateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	req := apiwire.CreateReleaseRequest{Environment: c.Env, Template: c.Template, Targets: c.Target,
		DeploymentType: release.DeploymentType(c.DeploymentType), BlueprintVersion: c.BlueprintVersion}
	for _, id := range c.Artifact {
		req.Artifacts = append(req.Artifacts, apiwire.ArtifactRef{ID: id})
	}
	for _, uri := range c.ArtifactURI {
		req.Artifacts = append(req.Artifacts, apiwire.ArtifactRef{URI: uri, AppName: c.App, StackName: c.Stack, BuildID: c.BuildID})
	}
	if req.Variables, err = variables(c.Var, c.SensitiveVar); err != nil {
		return err
	}
	scripts, err := keyValues("migration-script", c.MigrationScript)
	if err != nil {
		return err
	}
	for _, kv := range scripts {
		b, err := os.ReadFile(kv[1])
		if err != nil {
			return fmt.Errorf("--migration-script %s: %w", kv[0], err)
		}
		req.MigrationScripts = append(req.MigrationScripts, release.MigrationScript{Name: kv[0], Script: string(b)})
	}
	r, err := s.c.CreateRelease(g.Context(), req)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d of %s queued (%s, %s)\n", r.ID, r.Environment, r.Template, r.Type)
	return nil
}

type releaseListCmd struct {
	apiFlags
	Env            string        `name:"env" short:"e" help:"Only this environment's releases."`
	Status         []string      `help:"Only releases in these statuses (comma-separated)."`
	Template       string        `help:"Only releases of this template."`
	DeploymentType string        `name:"deployment-type" help:"Only REGULAR, CUSTOM or ROLLBACK releases."`
	TriggeredBy    string        `name:"triggered-by" help:"Only releases triggered by this token."`
	Since          time.Duration `help:"Only releases created within this long (e.g. 24h)."`
	Limit          int           `short:"n" default:"50" help:"How many releases at most."`
}

func (c *releaseListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	f := client.ReleaseFilter{Environment: c.Env, Template: c.Template, DeploymentType: release.DeploymentType(c.DeploymentType), TriggeredBy: c.TriggeredBy}
	for _, st := range c.Status {
		f.Statuses = append(f.Statuses, release.Status(strings.ToUpper(st)))
	}
	if c.Since > 0 {
		f.CreatedAfter = time.Now().Add(-c.Since)
	}
	var rs []*release.Release
	for len(rs) < c.Limit {
		f.Limit = min(c.Limit-len(rs), 500)
		p, err := s.c.ListReleases(g.Context(), f)
		if err != nil {
			return err
		}
		rs = append(rs, p.Releases...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if s.json {
		if rs == nil {
			rs = []*release.Release{}
		}
		return s.printJSON(map[string]any{"releases": rs})
	}
	tw := s.table("ID", "ENVIRONMENT", "STATUS", "TEMPLATE", "TYPE", "DEPLOYMENT", "BY", "CREATED", "DURATION")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Environment, r.Status, r.Template, r.Type, r.DeploymentType,
			r.TriggeredBy, when(&r.CreatedAt), ms(r.DurationMS()))
	}
	return tw.Flush()
}

type releaseShowCmd struct {
	apiFlags
	ID int64 `arg:"" help:"Release ID."`
}

func (c *releaseShowCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.GetRelease(g.Context(), c.ID)
	if err != nil {
		return err
	}
	return s.showRelease(r)
}

func (s *apiSession) showRelease(r *release.Release) error {
	if s.json {
		return s.printJSON(r)
	}
	tw := s.table()
	fmt.Fprintf(tw, "Release\t%d %s\n", r.ID, r.Status)
	fmt.Fprintf(tw, "Environment\t%s\n", r.Environment)
	fmt.Fprintf(tw, "Template\t%s (%s, %s)\n", r.Template, r.Type, r.DeploymentType)
	if r.RollbackOf != nil {
		fmt.Fprintf(tw, "Rolls back to\trelease %d\n", *r.RollbackOf)
	}
	fmt.Fprintf(tw, "Triggered by\t%s at %s\n", r.TriggeredBy, when(&r.CreatedAt))
	fmt.Fprintf(tw, "Started\t%s\n", when(r.StartedAt))
	fmt.Fprintf(tw, "Finished\t%s (took %s)\n", when(r.FinishedAt), ms(r.DurationMS()))
	fmt.Fprintf(tw, "Blueprint\t%s\n", orDash(r.BlueprintVersion))
	if len(r.Targets) > 0 {
		fmt.Fprintf(tw, "Targets\t%s\n", strings.Join(r.Targets, ", "))
	}
	fmt.Fprintf(tw, "Changes\t%s\n", summaryLine(r.Summary))
	switch {
	case r.Approval.By != "":
		verdict := "approved"
		if r.Status == release.StatusRejected {
			verdict = "rejected"
		}
		fmt.Fprintf(tw, "Approval\t%s by %s at %s %s\n", verdict, r.Approval.By, when(r.Approval.At), quoted(r.Approval.Comment))
	case r.Approval.Required:
		fmt.Fprintf(tw, "Approval\trequired\n")
	}
	if r.SignOff.Status != "" {
		fmt.Fprintf(tw, "Sign-off\t%s by %s at %s %s\n", r.SignOff.Status, r.SignOff.By, when(r.SignOff.At), quoted(r.SignOff.Comment))
	}
	if r.AbortRequested != nil {
		fmt.Fprintf(tw, "Abort\trequested by %s at %s\n", r.AbortRequested.By, when(&r.AbortRequested.At))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(s.out)
	tw = s.table("PHASE", "ACTION", "STATUS", "STARTED", "DURATION")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Action, p.Status, when(p.StartedAt), ms(p.DurationMS()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Artifacts) > 0 {
		fmt.Fprintln(s.out)
		tw = s.table("ARTIFACT", "APP", "STACK", "BUILD", "URI")
		for _, a := range r.Artifacts {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.ID, orDash(a.AppName), orDash(a.StackName), orDash(a.BuildID), a.URI)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if r.ErrorLog != "" {
		fmt.Fprintf(s.out, "\n%s\n", r.ErrorLog)
	}
	return nil
}

func quoted(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("(%q)", s)
}

type releaseChangesCmd struct {
	apiFlags
	ID            int64  `arg:"" help:"Release ID."`
	Kind          string `enum:"resource,output,drift" default:"resource" help:"What changes: resource, output or drift."`
	Action        string `help:"Only changes of this action (create, update, delete, replace, read, no-op, forget)."`
	Type          string `help:"Only resources of this type."`
	Module        string `help:"Only resources of this module (\"root\" for the root module)."`
	AddressPrefix string `name:"address-prefix" help:"Only addresses starting with this."`
}

func (c *releaseChangesCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	f := client.ChangeFilter{Kind: release.ChangeKind(c.Kind), Action: release.ChangeAction(c.Action), Type: c.Type, Module: c.Module,
		AddressPrefix: c.AddressPrefix, Limit: 500}
	// Page by page: a release of many thousand changes is never held whole.
	tw := s.table("ACTION", "ADDRESS", "CHANGED FIELDS", "PHASE")
	n := 0
	if s.json {
		fmt.Fprint(s.out, "{\"changes\": [")
	}
	for {
		p, err := s.c.ListChanges(g.Context(), c.ID, f)
		if err != nil {
			return err
		}
		for _, ch := range p.Changes {
			if s.json {
				b, err := jsonLine(ch)
				if err != nil {
					return err
				}
				if n > 0 {
					fmt.Fprint(s.out, ",")
				}
				fmt.Fprintf(s.out, "\n  %s", b)
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", ch.Action, ch.Address, changedFields(ch.Fields), ch.Phase)
			}
			n++
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if s.json {
		if n > 0 {
			fmt.Fprint(s.out, "\n")
		}
		_, err := fmt.Fprintln(s.out, "]}")
		return err
	}
	if n == 0 {
		fmt.Fprintf(s.out, "release %d has no %s changes matching %s\n", c.ID, c.Kind, f)
		return nil
	}
	return tw.Flush()
}

func changedFields(fs []release.Field) int {
	n := 0
	for _, f := range fs {
		if f.Changed {
			n++
		}
	}
	return n
}

type releaseLogsCmd struct {
	apiFlags
	ID     int64  `arg:"" help:"Release ID."`
	Follow bool   `short:"f" help:"Follow the log live until the release ends, reconnecting (and resuming) as needed."`
	Phase  string `help:"Only this phase's lines (without --follow)."`
	After  int64  `help:"Start after this line (seq)."`
}

func (c *releaseLogsCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	print := func(e release.LogEntry) error {
		if s.json {
			b, err := jsonLine(e)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(s.out, "%s\n", b)
			return err
		}
		_, err := fmt.Fprintln(s.out, e.Text)
		return err
	}
	if c.Follow {
		if c.Phase != "" {
			return errors.New("--phase cannot be combined with --follow")
		}
		return followLogs(g.Context(), s.c, g, c.ID, c.After, print)
	}
	f := client.LogFilter{Phase: c.Phase, Limit: 500}
	if c.After > 0 {
		f.Cursor = fmt.Sprint(c.After)
	}
	for {
		p, err := s.c.ListLogs(g.Context(), c.ID, f)
		if err != nil {
			return err
		}
		for _, e := range p.Entries {
			if err := print(e); err != nil {
				return err
			}
		}
		if p.NextCursor == "" {
			return nil
		}
		f.Cursor = p.NextCursor
	}
}

// followLogs streams a release's log from after, resuming from the last
// line seen whenever the connection breaks, until the release has ended and
// every line was printed.
func followLogs(ctx context.Context, c *client.Client, g *Globals, id, after int64, fn func(release.LogEntry) error) error {
	last := after
	backoff := 250 * time.Millisecond
	for {
		cursor := ""
		if last > 0 {
			cursor = fmt.Sprint(last)
		}
		err := c.StreamLogs(ctx, id, cursor, func(e release.LogEntry) error {
			if e.Seq <= last {
				return nil // already printed
			}
			last = e.Seq
			backoff = 250 * time.Millisecond
			return fn(e)
		})
		if err == nil || ctx.Err() != nil {
			return err
		}
		if ce, ok := client.AsError(err); ok && ce.Status >= 400 && ce.Status < 500 {
			return err // not found, not allowed: retrying will not help
		}
		g.Logger().Debug("log stream broke; resuming", "release", id, "after", last, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

type releaseWaitCmd struct {
	apiFlags
	ID       int64         `arg:"" help:"Release ID."`
	Within   time.Duration `name:"within" default:"0" help:"Give up after this long (0: wait for as long as it takes)."`
	Interval time.Duration `default:"2s" help:"How often to look."`
}

// Help is shown by `shiplog release wait --help`.
func (c *releaseWaitCmd) Help() string {
	return `Waits until the release has finished and prints it. On a terminal it shows
progress (status and phase) on standard error. Requests that fail (the server
restarting, the network) are retried until --within runs out.

Exit codes:
   0  SUCCEEDED
  10  FAILED
  11  ABORTED
  12  REJECTED (at approval)
  13  TIMED_OUT
  14  STOPPED (its worker shut down or vanished)
  15  gave up waiting (--within ran out, or interrupted) before it finished
   1  any other error (unknown release, bad token, ...)`
}

func (c *releaseWaitCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	ctx := g.Context()
	if c.Within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Within)
		defer cancel()
	}
	interval := max(c.Interval, 50*time.Millisecond)
	var shown string
	var r *release.Release
	for {
		r, err = s.c.GetRelease(ctx, c.ID)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return s.gaveUp(c.ID, r, shown)
		default:
			if ce, ok := client.AsError(err); ok && ce.Status >= 400 && ce.Status < 500 {
				return err
			}
			g.Logger().Debug("waiting: the server did not answer; trying again", "error", err)
		}
		if r != nil {
			line := progressLine(r)
			if line != shown && s.progress != nil {
				fmt.Fprintf(s.progress, "\r\033[K%s", line)
			}
			shown = line
			if r.Status.Terminal() {
				if s.progress != nil {
					fmt.Fprintln(s.progress)
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			return s.gaveUp(c.ID, r, shown)
		case <-time.After(interval):
		}
	}
	if err := s.showRelease(r); err != nil {
		return err
	}
	code := exitCodes[r.Status]
	if code == 0 {
		return nil
	}
	msg := fmt.Sprintf("release %d %s", r.ID, r.Status)
	if first, _, _ := strings.Cut(strings.TrimSpace(r.ErrorLog), "\n"); first != "" {
		msg += ": " + first
	}
	return &ExitError{Code: code, Err: errors.New(msg)}
}

func (s *apiSession) gaveUp(id int64, r *release.Release, shown string) error {
	if s.progress != nil && shown != "" {
		fmt.Fprintln(s.progress)
	}
	status := "not seen"
	if r != nil {
		status = string(r.Status)
	}
	return &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("gave up waiting for release %d (last seen %s)", id, status)}
}

// progressLine says where a release is: its status and current phase.
func progressLine(r *release.Release) string {
	line := fmt.Sprintf("release %d %s", r.ID, r.Status)
	for _, p := range r.Phases {
		if p.Status == release.PhaseInProgress || p.Status == release.PhasePendingApproval {
			line += fmt.Sprintf(": phase %s (%s) %s", p.Name, p.Action, p.Status)
		}
	}
	if r.Status == release.StatusPendingApproval {
		line += " — approve with: shiplog release approve " + fmt.Sprint(r.ID)
	}
	return line
}

type decision struct {
	apiFlags
	ID      int64  `arg:"" help:"Release ID."`
	Comment string `short:"m" help:"Why."`
}

func (c *decision) run(g *Globals, act func(context.Context, *client.Client) (*release.Release, error), done string) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := act(g.Context(), s.c)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d %s: now %s\n", r.ID, done, r.Status)
	return nil
}

type releaseApproveCmd struct{ decision }

func (c *releaseApproveCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.Approve(ctx, c.ID, c.Comment)
	}, "approved")
}

type releaseRejectCmd struct{ decision }

func (c *releaseRejectCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.Reject(ctx, c.ID, c.Comment)
	}, "rejected")
}

type releaseAbortCmd struct{ decision }

func (c *releaseAbortCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.Abort(ctx, c.ID, c.Comment)
	}, "abort requested")
}

type releaseSignoffCmd struct {
	decision
	Status string `required:"" enum:"APPROVED,REJECTED" help:"APPROVED or REJECTED."`
}

func (c *releaseSignoffCmd) Run(g *Globals) error {
	return c.run(g, func(ctx context.Context, cl *client.Client) (*release.Release, error) {
		return cl.SignOff(ctx, c.ID, release.SignOffStatus(c.Status), c.Comment)
	}, "signed off "+c.Status)
}

type releaseRollbackCmd struct {
	apiFlags
	ID int64 `arg:"" help:"The earlier SUCCEEDED release to re-apply."`
}

func (c *releaseRollbackCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	r, err := s.c.Rollback(g.Context(), c.ID)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d queued: rolls %s back to release %d (blueprint %s)\n", r.ID, r.Environment, c.ID, orDash(r.BlueprintVersion))
	return nil
}

type releaseIngestPlanCmd struct {
	apiFlags
	ID    int64  `arg:"" help:"Release ID."`
	File  string `arg:"" help:"Plan JSON from 'terraform show -json PLANFILE' ('-' for standard input)."`
	Phase string `default:"plan" help:"The release's phase the plan belongs to."`
}

func (c *releaseIngestPlanCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(c.File)
	if err != nil {
		return err
	}
	defer closeIn()
	res, err := s.c.IngestPlan(g.Context(), c.ID, c.Phase, in)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(res)
	}
	fmt.Fprintf(s.out, "release %d phase %s: %s\n", c.ID, c.Phase, summaryLine(res.Summary))
	return nil
}

type releaseRecordPlanCmd struct {
	apiFlags
	Env              string `name:"env" short:"e" required:"" help:"Environment the plan was made for."`
	File             string `arg:"" help:"Plan JSON from 'terraform show -json PLANFILE' ('-' for standard input)."`
	Template         string `help:"Template of the record (default full-plan)."`
	Phase            string `help:"The template's phase the plan belongs to (default: its first plan phase)."`
	BlueprintVersion string `name:"blueprint-version" help:"Configuration version the plan was made from."`
}

func (c *releaseRecordPlanCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(c.File)
	if err != nil {
		return err
	}
	defer closeIn()
	r, err := s.c.RecordPlan(g.Context(), c.Env, client.RecordPlanOptions{Template: c.Template, Phase: c.Phase, BlueprintVersion: c.BlueprintVersion}, in)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	fmt.Fprintf(s.out, "release %d of %s recorded %s: %s\n", r.ID, r.Environment, r.Status, summaryLine(r.Summary))
	return nil
}

func openInput(name string) (*os.File, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the plan: %w", err)
	}
	return f, func() { f.Close() }, nil
}
