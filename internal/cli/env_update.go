package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

type envUpdateCmd struct {
	apiFlags
	Name             string   `arg:"" help:"Environment name."`
	Dir              string   `type:"path" xor:"source" help:"New configuration directory (the source becomes dir)."`
	GitURL           string   `name:"git-url" xor:"source" help:"New git repository (the source becomes git; credentials are kept only while the source stays git)."`
	GitRef           string   `name:"git-ref" help:"Branch, tag or commit of the git source."`
	GitSubdir        string   `name:"git-subdir" help:"Directory of the root module inside the git repository."`
	GitUser          string   `name:"git-user" help:"User name sent with the git token."`
	GitToken         string   `name:"git-token" help:"New HTTPS token of the git source (sealed; @FILE reads FILE; kept when not given)."`
	GitSSHKey        string   `name:"git-ssh-key" type:"existingfile" help:"File of a new SSH private key of the git source (sealed; kept when not given)."`
	Upload           bool     `xor:"source" help:"The source becomes upload ('shiplog env push')."`
	Namespace        string   `help:"New namespace."`
	DefaultTemplate  string   `name:"default-template" help:"New template of releases that name none."`
	ApprovalRequired *bool    `name:"approval-required" negatable:"" help:"Applies wait for approval (--no-approval-required: they do not)."`
	Var              []string `help:"Set a Terraform variable NAME=VALUE (repeatable; others are kept)."`
	SensitiveVar     []string `name:"sensitive-var" help:"Set a sensitive Terraform variable NAME=VALUE or NAME=@FILE (repeatable; other sensitive values are kept)."`
	UnsetVar         []string `name:"unset-var" help:"Remove a Terraform variable by NAME (repeatable)."`
	PhaseTimeout     []string `name:"phase-timeout" help:"Set the timeout of an action's phases, ACTION=DURATION (repeatable; others are kept)."`
	Window           []string `name:"window" xor:"window" sep:"none" help:"Replace the maintenance windows, when releases may start: 'DAYS HH:MM-HH:MM [TIME_ZONE]', DAYS 'daily' or comma-separated mon..sun (e.g. 'sat,sun 01:00-05:00 Europe/Berlin'; repeatable)."`
	NoWindows        bool     `name:"no-windows" xor:"window" help:"Remove the maintenance windows: releases start any time."`
	Runner           string   `name:"runner" enum:",worker,job" default:"" help:"What runs its releases from now on: worker (the worker pool) or job (a Kubernetes Job per release, 'shiplog controller --runner=job')."`
	Upstream         string   `name:"upstream" xor:"upstream" help:"The environment before this one in its release stream (staging for production): 'shiplog release promote' brings its releases here."`
	NoUpstream       bool     `name:"no-upstream" xor:"upstream" help:"Remove the upstream environment (and the sign-off requirement)."`
	RequireSignoff   *bool    `name:"require-upstream-signoff" negatable:"" help:"Take only what was signed off APPROVED upstream: every release that changes it must carry the blueprint and artifacts of such a release (--no-require-upstream-signoff: any)."`
}

func (c *envUpdateCmd) Help() string {
	return "Changes only what the flags give; everything else, sensitive values included, is kept as it is."
}

func (c *envUpdateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	cur, err := s.c.GetEnvironment(g.Context(), c.Name)
	if err != nil {
		return err
	}
	spec, err := c.apply(cur)
	if err != nil {
		return err
	}
	env, err := s.c.UpdateEnvironment(g.Context(), spec)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(env)
	}
	fmt.Fprintf(s.out, "environment %s updated (configuration %s)\n", c.Name, describeSource(env.Source))
	return nil
}

// apply is the environment as it is with the flags' changes on top. The
// server shows sensitive values blank and keeps a blank one as it was.
func (c *envUpdateCmd) apply(cur *apiwire.Environment) (apiwire.EnvironmentRequest, error) {
	e := cur.Environment
	spec := apiwire.EnvironmentRequest{Name: e.Name, Namespace: e.Namespace, Source: e.Source,
		DefaultTemplate: e.DefaultTemplate, ApprovalRequired: e.ApprovalRequired, Variables: e.Variables,
		PhaseTimeouts: map[string]string{}, MaintenanceWindows: e.MaintenanceWindows, Runner: e.Runner,
		Upstream: e.Upstream, RequireUpstreamSignOff: e.RequireUpstreamSignOff}
	if c.Upstream != "" {
		spec.Upstream = c.Upstream
	}
	if c.NoUpstream {
		spec.Upstream, spec.RequireUpstreamSignOff = "", false
	}
	if c.RequireSignoff != nil {
		spec.RequireUpstreamSignOff = *c.RequireSignoff
	}
	if c.Runner != "" {
		spec.Runner = release.Runner(c.Runner)
	}
	if c.NoWindows {
		spec.MaintenanceWindows = nil
	}
	if len(c.Window) > 0 {
		spec.MaintenanceWindows = nil
		for _, w := range c.Window {
			mw, err := parseWindow(w)
			if err != nil {
				return spec, err
			}
			spec.MaintenanceWindows = append(spec.MaintenanceWindows, mw)
		}
	}
	for a, d := range cur.PhaseTimeouts {
		spec.PhaseTimeouts[a] = d
	}
	if c.Namespace != "" {
		spec.Namespace = c.Namespace
	}
	if c.DefaultTemplate != "" {
		spec.DefaultTemplate = c.DefaultTemplate
	}
	if c.ApprovalRequired != nil {
		spec.ApprovalRequired = *c.ApprovalRequired
	}
	if err := c.source(&spec.Source); err != nil {
		return spec, err
	}
	set, err := variables(c.Var, c.SensitiveVar)
	if err != nil {
		return spec, err
	}
	for _, n := range c.UnsetVar {
		if !slices.ContainsFunc(spec.Variables, func(v release.Variable) bool { return v.Name == n }) {
			return spec, fmt.Errorf("--unset-var %s: environment %s has no variable %s", n, e.Name, n)
		}
		spec.Variables = slices.DeleteFunc(spec.Variables, func(v release.Variable) bool { return v.Name == n })
	}
	for _, v := range set {
		i := slices.IndexFunc(spec.Variables, func(o release.Variable) bool { return o.Name == v.Name })
		if i < 0 {
			spec.Variables = append(spec.Variables, v)
			continue
		}
		spec.Variables[i] = v
	}
	timeouts, err := keyValues("phase-timeout", c.PhaseTimeout)
	if err != nil {
		return spec, err
	}
	for _, kv := range timeouts {
		spec.PhaseTimeouts[kv[0]] = kv[1]
	}
	return spec, nil
}

// source changes src as the source flags say; a git flag without --git-url
// changes the git source the environment has.
func (c *envUpdateCmd) source(src *release.Source) error {
	gitFlags := c.GitRef != "" || c.GitSubdir != "" || c.GitUser != "" || c.GitToken != "" || c.GitSSHKey != ""
	switch {
	case c.Upload:
		*src = release.Source{Kind: release.SourceUpload}
	case c.Dir != "":
		dir, err := filepath.Abs(c.Dir)
		if err != nil {
			return fmt.Errorf("--dir: %w", err)
		}
		*src = release.Source{Kind: release.SourceDir, Dir: dir}
	case c.GitURL != "":
		if src.Kind != release.SourceGit {
			*src = release.Source{Kind: release.SourceGit}
		}
		src.GitURL = c.GitURL
	case gitFlags && src.Kind != release.SourceGit:
		return fmt.Errorf("--git-ref, --git-subdir, --git-user, --git-token and --git-ssh-key change a git source, but environment %s's source is %s: give --git-url too", c.Name, src.Kind)
	}
	if (c.Upload || c.Dir != "") && gitFlags {
		return fmt.Errorf("--git-ref, --git-subdir, --git-user, --git-token and --git-ssh-key go with a git source, not --dir or --upload")
	}
	if c.GitRef != "" {
		src.GitRef = c.GitRef
	}
	if c.GitSubdir != "" {
		src.GitSubdir = c.GitSubdir
	}
	if c.GitUser != "" {
		src.GitUser = c.GitUser
	}
	if c.GitToken != "" {
		tok, err := fileOrValue("git-token", c.GitToken)
		if err != nil {
			return err
		}
		src.GitToken = tok
	}
	if c.GitSSHKey != "" {
		key, err := os.ReadFile(c.GitSSHKey)
		if err != nil {
			return fmt.Errorf("--git-ssh-key: %w", err)
		}
		src.GitSSHKey = string(key)
	}
	return nil
}

type envDeleteCmd struct {
	apiFlags
	Name  string `arg:"" help:"Environment name."`
	Force bool   `help:"Also delete the environment's history: its releases (with their logs and changes), state versions and outputs."`
}

func (c *envDeleteCmd) Help() string {
	return "Refused while a release of the environment is QUEUED, IN_PROGRESS or PENDING_APPROVAL (the error names it). " +
		"An environment with history (releases, state versions, outputs) is only deleted with --force, which deletes that history too; " +
		"without history it is deleted at once. Exit 1 when refused."
}

func (c *envDeleteCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	res, err := s.c.DeleteEnvironment(g.Context(), c.Name, c.Force)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(res)
	}
	fmt.Fprintf(s.out, "environment %s deleted (with %d releases, %d state versions, %d outputs)\n",
		res.Environment, res.Releases, res.StateVersions, res.Outputs)
	return nil
}

// parseWindow reads --window: "DAYS HH:MM-HH:MM [TIME_ZONE]".
func parseWindow(s string) (release.MaintenanceWindow, error) {
	f := strings.Fields(s)
	bad := fmt.Errorf("--window %q: want 'DAYS HH:MM-HH:MM [TIME_ZONE]', e.g. 'sat,sun 01:00-05:00 Europe/Berlin' or 'daily 22:00-02:00'", s)
	if len(f) < 2 || len(f) > 3 {
		return release.MaintenanceWindow{}, bad
	}
	start, end, ok := strings.Cut(f[1], "-")
	if !ok {
		return release.MaintenanceWindow{}, bad
	}
	w := release.MaintenanceWindow{Start: start, End: end}
	if f[0] != "daily" {
		w.Days = strings.Split(f[0], ",")
	}
	if len(f) == 3 {
		w.TimeZone = f[2]
	}
	if err := w.Validate(); err != nil {
		return w, fmt.Errorf("--window %q: %w", s, err)
	}
	return w, nil
}
