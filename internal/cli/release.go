package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

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
	ApplyPlan  releaseApplyPlanCmd  `cmd:"" name:"apply-plan" help:"Queue a release that applies exactly the plan an earlier PLAN release saved (refused when stale)."`
	Promote    releasePromoteCmd    `cmd:"" help:"Promote a SUCCEEDED release downstream: run its exact blueprint and artifacts in the environment whose upstream is its environment."`
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
	DeploysTo        []string `name:"deploys-to" help:"Resource address or module prefix (module.web) the release's artifacts deploy to (repeatable): only those resources show the artifact's URL in their status."`
	Var              []string `help:"Terraform variable NAME=VALUE (repeatable)."`
	SensitiveVar     []string `name:"sensitive-var" help:"Sensitive Terraform variable NAME=VALUE, sealed and never shown (repeatable; NAME=@FILE reads the value from FILE)."`
	MigrationScript  []string `name:"migration-script" help:"State migration script NAME=FILE (repeatable)."`
	DeploymentType   string   `name:"deployment-type" enum:"REGULAR,CUSTOM" default:"REGULAR" help:"REGULAR or CUSTOM."`
	BlueprintVersion string   `name:"blueprint-version" help:"Configuration version label (default: the worker's snapshot hash)."`
	Wait             bool     `help:"Wait for the release as 'shiplog release wait' does, print it and exit with its exit code."`
	Follow           bool     `help:"As --wait, printing its log on standard error as it goes."`
	waitFlags
}

// Help is shown by `shiplog release create --help`.
func (c *releaseCreateCmd) Help() string {
	return "Queues a release and prints it. With --wait or --follow it then waits as\n'shiplog release wait' does.\n\n" + exitCodesHelp
}

func (c *releaseCreateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	req := apiwire.CreateReleaseRequest{Environment: c.Env, Template: c.Template, Targets: c.Target,
		DeploymentType: release.DeploymentType(c.DeploymentType), BlueprintVersion: c.BlueprintVersion}
	for _, id := range c.Artifact {
		req.Artifacts = append(req.Artifacts, apiwire.ArtifactRef{ID: id, DeploysTo: c.DeploysTo})
	}
	for _, uri := range c.ArtifactURI {
		req.Artifacts = append(req.Artifacts, apiwire.ArtifactRef{URI: uri, AppName: c.App, StackName: c.Stack, BuildID: c.BuildID,
			DeploysTo: c.DeploysTo})
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
	if c.Wait || c.Follow {
		fmt.Fprintf(g.Stderr(), "release %d of %s queued (%s, %s)\n", r.ID, r.Environment, r.Template, r.Type)
		return s.await(g, r.ID, c.waitFlags, c.Follow)
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
	ReleaseType    string        `name:"release-type" help:"Only PLAN, APPLY or DESTROY releases."`
	Limit          int           `short:"n" default:"50" help:"How many releases at most."`
	Cursor         string        `help:"Continue a listing: the next_cursor a previous one printed (same filters)."`
}

func (c *releaseListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	f := client.ReleaseFilter{Environment: c.Env, Template: c.Template, DeploymentType: release.DeploymentType(c.DeploymentType), TriggeredBy: c.TriggeredBy,
		Type: release.Type(strings.ToUpper(c.ReleaseType)), Cursor: c.Cursor}
	for _, st := range c.Status {
		f.Statuses = append(f.Statuses, release.Status(strings.ToUpper(st)))
	}
	if c.Since > 0 {
		f.CreatedAfter = time.Now().Add(-c.Since)
	}
	rs := []*release.Release{}
	next := ""
	for len(rs) < c.Limit {
		f.Limit = min(c.Limit-len(rs), 500)
		p, err := s.c.ListReleases(g.Context(), f)
		if err != nil {
			return err
		}
		rs = append(rs, p.Releases...)
		next = p.NextCursor
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if s.json {
		return s.printJSON(apiwire.ReleaseList{Releases: rs, NextCursor: next})
	}
	defer s.nextPage(g, next)
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
	if u := r.Unlock; u != nil {
		fmt.Fprintf(tw, "Unlocked\tstate lock %s of release %d (%s, held since %s): %s\n", u.Lock.ID, u.Lock.ReleaseID, u.Lock.Doing(), when(&u.Lock.CreatedAt), u.Reason)
	}
	if r.PromotedFrom != nil {
		fmt.Fprintf(tw, "Promoted from\trelease %d\n", *r.PromotedFrom)
	}
	if len(r.PromotedTo) > 0 {
		fmt.Fprintf(tw, "Promoted to\t%s\n", releaseIDs(r.PromotedTo))
	}
	if r.AppliesPlanOf != nil {
		fmt.Fprintf(tw, "Applies the plan of\trelease %d\n", *r.AppliesPlanOf)
	}
	if len(r.PlanAppliedBy) > 0 {
		fmt.Fprintf(tw, "Plan applied by\t%s\n", releaseIDs(r.PlanAppliedBy))
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
	if len(r.Phases) > 0 {
		fmt.Fprintln(s.out)
		tw = s.table("PHASE", "ACTION", "STATUS", "STARTED", "DURATION")
		for _, p := range r.Phases {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Action, p.Status, when(p.StartedAt), ms(p.DurationMS()))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.PolicyChecks) > 0 {
		fmt.Fprintln(s.out)
		tw = s.table("POLICY", "VERSION", "PHASE", "VERDICT", "SAYS")
		for _, pc := range r.PolicyChecks {
			version := strconv.Itoa(pc.Version)
			if pc.Version == 0 {
				version = "configuration"
			}
			verdict := pc.Verdict
			if pc.Verdict == "deny" && pc.Overridable {
				verdict += " (an approval overrides)"
			}
			says := append(append([]string{}, pc.Denials...), pc.Warnings...)
			if len(says) == 0 {
				says = []string{"-"}
			}
			for i, line := range says {
				if i == 0 {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pc.Policy, version, pc.Phase, verdict, line)
					continue
				}
				fmt.Fprintf(tw, "\t\t\t\t%s\n", line)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
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
	Counts        bool   `help:"On a table, one line per change with the number of changed fields instead of each field's before and after."`
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
	header := fieldChangeHeader
	if c.Counts {
		header = []string{"ACTION", "ADDRESS", "CHANGED FIELDS", "PHASE"}
	}
	tw := s.table(header...)
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
			} else if c.Counts {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", ch.Action, ch.Address, changedFields(ch.Fields), ch.Phase)
			} else {
				writeFieldChanges(tw, ch.Change)
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
