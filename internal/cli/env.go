package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

type envCmd struct {
	Create  envCreateCmd  `cmd:"" help:"Create an environment (admin scope)."`
	Update  envUpdateCmd  `cmd:"" help:"Change an environment's settings: only what the flags give (admin scope)."`
	Delete  envDeleteCmd  `cmd:"" help:"Delete an environment (admin scope); refused while a release is queued or running, and while it has history unless --force."`
	List    envListCmd    `cmd:"" help:"List environments."`
	Show    envShowCmd    `cmd:"" help:"Show an environment and its resources."`
	Push    envPushCmd    `cmd:"" help:"Upload a configuration directory to an environment whose source is upload (write scope)."`
	States  envStatesCmd  `cmd:"" help:"List the Terraform state versions shiplog keeps for an environment (never the state)."`
	Outputs envOutputsCmd `cmd:"" help:"Show an environment's output values as its last successful apply left them (sensitive ones without value)."`
	Pause   envPauseCmd   `cmd:"" help:"Pause an environment (admin scope): its queued releases wait, in order, until it is resumed; a running release goes on."`
	Resume  envResumeCmd  `cmd:"" help:"Resume a paused environment (admin scope): its queued releases run in the order they were queued."`
	Queue   envQueueCmd   `cmd:"" help:"Show an environment's queue: what has not finished, in the order it runs, and what each waits for ('shiplog release abort ID' cancels one)."`
	Lock    envLockCmd    `cmd:"" help:"Show whether an environment's Terraform state is locked, by which lock and release."`
	Unlock  envUnlockCmd  `cmd:"" help:"Release a stuck state lock (admin scope; terraform force-unlock for shiplog's backend), recorded as an UNLOCK release: who, why, which lock."`
}

type envQueueCmd struct {
	apiFlags
	Name string `arg:"" help:"Environment name."`
}

func (c *envQueueCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	q, err := s.c.Queue(g.Context(), c.Name)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(q)
	}
	if q.Paused != nil {
		fmt.Fprintf(s.out, "paused by %s at %s: %s\n", q.Paused.By, when(&q.Paused.At), q.Paused.Reason)
	}
	if q.WindowOpens != nil {
		fmt.Fprintf(s.out, "outside its maintenance windows: the next opens at %s\n", when(q.WindowOpens))
	}
	tw := s.table("POSITION", "ID", "STATUS", "TEMPLATE", "TRIGGERED BY", "QUEUED", "WAITS FOR")
	for _, e := range q.Releases {
		pos := "now"
		if e.Position > 0 {
			pos = fmt.Sprint(e.Position)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", pos, e.Release.ID, e.Release.Status, e.Release.Template, e.Release.TriggeredBy,
			when(e.Release.QueuedAt), orDash(e.WaitsFor))
	}
	return tw.Flush()
}

type envPauseCmd struct {
	apiFlags
	Name   string `arg:"" help:"Environment name."`
	Reason string `required:"" help:"Why it is paused: the releases waiting for it show the reason."`
}

func (c *envPauseCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	e, err := s.c.PauseEnvironment(g.Context(), c.Name, c.Reason)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(e)
	}
	fmt.Fprintf(s.out, "environment %s paused by %s: %s\nits queued releases wait until `shiplog env resume %s`\n", c.Name, e.Paused.By, e.Paused.Reason, c.Name)
	return nil
}

type envResumeCmd struct {
	apiFlags
	Name string `arg:"" help:"Environment name."`
}

func (c *envResumeCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	e, err := s.c.ResumeEnvironment(g.Context(), c.Name)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(e)
	}
	fmt.Fprintf(s.out, "environment %s resumed: its queued releases run in order\n", c.Name)
	return nil
}

type envCreateCmd struct {
	apiFlags
	Name             string   `arg:"" help:"Environment name (lower-case letters, digits and '-')."`
	Dir              string   `type:"path" xor:"source" required:"" help:"Directory of the environment's Terraform configuration (must exist on the API server's and every worker's machine)."`
	GitURL           string   `name:"git-url" xor:"source" required:"" help:"Git repository of the configuration (https://, ssh://, git@host:path or file://); workers fetch it."`
	GitRef           string   `name:"git-ref" help:"Branch, tag or commit of --git-url (default HEAD)."`
	GitSubdir        string   `name:"git-subdir" help:"Directory of the root module inside the repository."`
	GitUser          string   `name:"git-user" help:"User name sent with --git-token over HTTPS (default x-access-token)."`
	GitToken         string   `name:"git-token" help:"HTTPS token for --git-url (sealed, never shown; @FILE reads FILE)."`
	GitSSHKey        string   `name:"git-ssh-key" type:"existingfile" help:"File of the SSH private key for --git-url (sealed, never shown)."`
	Upload           bool     `xor:"source" required:"" help:"The configuration is pushed with 'shiplog env push' (or the API); releases run the newest push unless they name one."`
	Namespace        string   `help:"Namespace (default: default)."`
	DefaultTemplate  string   `name:"default-template" help:"Template of releases that name none (default terraform-apply)."`
	ApprovalRequired bool     `name:"approval-required" help:"Applies wait for approval."`
	Var              []string `help:"Terraform variable NAME=VALUE (repeatable)."`
	SensitiveVar     []string `name:"sensitive-var" help:"Sensitive Terraform variable NAME=VALUE, sealed and never shown (repeatable; NAME=@FILE reads FILE)."`
	PhaseTimeout     []string `name:"phase-timeout" help:"Timeout of phases of an action, ACTION=DURATION (repeatable, e.g. apply=45m)."`
	Runner           string   `name:"runner" enum:"worker,job" default:"worker" help:"What runs its releases: worker (the worker pool) or job (a Kubernetes Job per release in --namespace, made by 'shiplog controller --runner=job')."`
	Upstream         string   `name:"upstream" help:"The environment before this one in its release stream (staging for production): 'shiplog release promote' brings its releases here."`
	RequireSignoff   bool     `name:"require-upstream-signoff" help:"Take only what was signed off APPROVED upstream: every release that changes it must carry the blueprint and artifacts of such a release (needs --upstream)."`
}

func (c *envCreateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	src, where, err := c.source()
	if err != nil {
		return err
	}
	spec := apiwire.EnvironmentRequest{Name: c.Name, Namespace: c.Namespace, Source: src,
		DefaultTemplate: c.DefaultTemplate, ApprovalRequired: c.ApprovalRequired, Runner: release.Runner(c.Runner),
		Upstream: c.Upstream, RequireUpstreamSignOff: c.RequireSignoff}
	if spec.Variables, err = variables(c.Var, c.SensitiveVar); err != nil {
		return err
	}
	timeouts, err := keyValues("phase-timeout", c.PhaseTimeout)
	if err != nil {
		return err
	}
	for _, kv := range timeouts {
		if spec.PhaseTimeouts == nil {
			spec.PhaseTimeouts = map[string]string{}
		}
		spec.PhaseTimeouts[kv[0]] = kv[1]
	}
	env, err := s.c.CreateEnvironment(g.Context(), spec)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(env)
	}
	fmt.Fprintf(s.out, "environment %s created (configuration %s)\n", c.Name, where)
	return nil
}

// source is the configuration source the flags give, and how to say it.
func (c *envCreateCmd) source() (release.Source, string, error) {
	switch {
	case c.Upload:
		return release.Source{Kind: release.SourceUpload}, "pushed with 'shiplog env push " + c.Name + " DIR'", nil
	case c.GitURL != "":
		src := release.Source{Kind: release.SourceGit, GitURL: c.GitURL, GitRef: c.GitRef, GitSubdir: c.GitSubdir, GitUser: c.GitUser}
		if c.GitToken != "" {
			tok, err := fileOrValue("git-token", c.GitToken)
			if err != nil {
				return src, "", err
			}
			src.GitToken = tok
		}
		if c.GitSSHKey != "" {
			key, err := os.ReadFile(c.GitSSHKey)
			if err != nil {
				return src, "", fmt.Errorf("--git-ssh-key: %w", err)
			}
			src.GitSSHKey = string(key)
		}
		return src, "from " + c.GitURL, nil
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return release.Source{}, "", err
	}
	return release.Source{Kind: release.SourceDir, Dir: dir}, "in " + dir, nil
}

type envPushCmd struct {
	apiFlags
	Name string `arg:"" help:"Environment name (its source must be upload)."`
	Dir  string `arg:"" type:"existingdir" help:"Configuration directory to upload (.terraform, .git, local state and plan files are left out)."`
}

func (c *envPushCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	archive, _, err := blueprint.Pack(c.Dir)
	if err != nil {
		return err
	}
	res, err := s.c.PushConfiguration(g.Context(), c.Name, bytes.NewReader(archive))
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(res)
	}
	how := "stored"
	if !res.Created {
		how = "already stored; now the newest upload"
	}
	fmt.Fprintf(s.out, "environment %s: configuration %s %s (%d bytes)\n", res.Environment, res.BlueprintVersion, how, res.Bytes)
	return nil
}

// environment is an environment as the API shows it, with its timeouts.
type environment struct {
	release.Environment
	PhaseTimeouts map[string]string `json:"phase_timeouts"`
}

type envListCmd struct {
	apiFlags
}

func (c *envListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	raw, err := s.c.Raw(g.Context(), nil, "environments")
	if err != nil {
		return err
	}
	var l struct {
		Environments []environment `json:"environments"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return fmt.Errorf("reading the environment list: %w", err)
	}
	if s.json {
		return s.printJSON(map[string]any{"environments": json.RawMessage(mustJSON(l.Environments))})
	}
	tw := s.table("NAME", "NAMESPACE", "TEMPLATE", "APPROVAL", "SOURCE")
	for _, e := range l.Environments {
		approval := "-"
		if e.ApprovalRequired {
			approval = "required"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, e.Namespace, e.DefaultTemplate, approval, describeSource(e.Source))
	}
	return tw.Flush()
}

// describeSource says where a configuration comes from, in a few words.
func describeSource(src release.Source) string {
	switch src.Kind {
	case release.SourceGit:
		d := "git " + src.GitURL + " @ " + src.GitRef
		if src.GitSubdir != "" {
			d += " (" + src.GitSubdir + ")"
		}
		return d
	case release.SourceUpload:
		return "upload"
	}
	return src.Dir
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

type envShowCmd struct {
	apiFlags
	Name string `arg:"" help:"Environment name."`
}

func (c *envShowCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	raw, err := s.c.Raw(g.Context(), nil, "environments", c.Name)
	if err != nil {
		return err
	}
	res, err := s.c.ListResourceStatus(g.Context(), c.Name, "")
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"environment": raw, "resources": res})
	}
	var e environment
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("reading environment %s: %w", c.Name, err)
	}
	tw := s.table()
	fmt.Fprintf(tw, "Environment\t%s (namespace %s)\n", e.Name, e.Namespace)
	fmt.Fprintf(tw, "Source\t%s\n", describeSource(e.Source))
	fmt.Fprintf(tw, "Default template\t%s\n", e.DefaultTemplate)
	fmt.Fprintf(tw, "Approval\t%v\n", map[bool]string{true: "required for applies", false: "not required"}[e.ApprovalRequired])
	if e.Runner == release.RunnerJob {
		fmt.Fprintf(tw, "Runner\ta Kubernetes Job per release in namespace %s\n", e.Namespace)
	}
	if e.Upstream != "" {
		req := "promotions and any release carrying what it ran"
		if e.RequireUpstreamSignOff {
			req = "only what was signed off APPROVED there"
		}
		fmt.Fprintf(tw, "Upstream\t%s (takes %s)\n", e.Upstream, req)
	}
	if p := e.Paused; p != nil {
		fmt.Fprintf(tw, "Paused\tby %s at %s: %s (queued releases wait)\n", p.By, when(&p.At), p.Reason)
	}
	for _, v := range e.Variables {
		val := v.Value
		if v.Sensitive {
			val = "(sensitive)"
		}
		fmt.Fprintf(tw, "Variable\t%s = %s\n", v.Name, val)
	}
	for a, d := range e.PhaseTimeouts {
		fmt.Fprintf(tw, "Timeout\t%s phases: %s\n", a, d)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if e.Upstream != "" {
		if err := s.unpromotedTable(g, c.Name); err != nil {
			return err
		}
	}
	fmt.Fprintln(s.out)
	return s.resourceTable(res)
}

// unpromotedTable prints what is upstream of env and not promoted yet.
func (s *apiSession) unpromotedTable(g *Globals, env string) error {
	u, err := s.c.Unpromoted(g.Context(), env)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out)
	if len(u.Releases) == 0 {
		fmt.Fprintf(s.out, "Everything that succeeded in %s is promoted.\n", u.Upstream)
		return nil
	}
	fmt.Fprintf(s.out, "Not yet promoted from %s (shiplog release promote ID --to %s):\n", u.Upstream, env)
	tw := s.table("RELEASE", "FINISHED", "BLUEPRINT", "SIGN-OFF", "PROMOTION")
	for _, r := range u.Releases {
		signOff := "not signed off"
		if r.SignOff != "" {
			signOff = string(r.SignOff) + " by " + r.SignOffBy
		}
		if !r.Promotable {
			signOff += " (sign-off required)"
		}
		promo := "-"
		if r.Promotion != 0 {
			promo = fmt.Sprintf("release %d %s", r.Promotion, r.PromotionStatus)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, when(r.FinishedAt), r.BlueprintVersion, signOff, promo)
	}
	return tw.Flush()
}

func (s *apiSession) resourceTable(res []release.ResourceStatus) error {
	if len(res) == 0 {
		fmt.Fprintln(s.out, "(no resources recorded yet)")
		return nil
	}
	tw := s.table("ADDRESS", "SYNC", "RELEASE", "HEALTH", "LAST RELEASE", "BLUEPRINT")
	for _, r := range res {
		sync := string(r.SyncStatus)
		if r.DriftReleaseID != 0 {
			sync += fmt.Sprintf(" (drifted: release %d)", r.DriftReleaseID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.Address, sync, r.ReleaseStatus, r.HealthStatus, r.LastReleaseID, orDash(r.LiveBlueprintVersion))
	}
	return tw.Flush()
}
