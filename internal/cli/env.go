package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

type envCmd struct {
	Create envCreateCmd `cmd:"" help:"Create an environment (admin scope)."`
	List   envListCmd   `cmd:"" help:"List environments."`
	Show   envShowCmd   `cmd:"" help:"Show an environment and its resources."`
	States envStatesCmd `cmd:"" help:"List the Terraform state versions shiplog keeps for an environment (never the state)."`
}

type envCreateCmd struct {
	apiFlags
	Name             string   `arg:"" help:"Environment name (lower-case letters, digits and '-')."`
	Dir              string   `required:"" type:"path" help:"Directory of the environment's Terraform configuration (on the worker's machine)."`
	Namespace        string   `help:"Namespace (default: default)."`
	DefaultTemplate  string   `name:"default-template" help:"Template of releases that name none (default terraform-apply)."`
	ApprovalRequired bool     `name:"approval-required" help:"Applies wait for approval."`
	Var              []string `help:"Terraform variable NAME=VALUE (repeatable)."`
	SensitiveVar     []string `name:"sensitive-var" help:"Sensitive Terraform variable NAME=VALUE, sealed and never shown (repeatable; NAME=@FILE reads FILE)."`
	PhaseTimeout     []string `name:"phase-timeout" help:"Timeout of phases of an action, ACTION=DURATION (repeatable, e.g. apply=45m)."`
}

func (c *envCreateCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return err
	}
	spec := apiwire.EnvironmentRequest{Name: c.Name, Namespace: c.Namespace, Source: release.Source{Dir: dir},
		DefaultTemplate: c.DefaultTemplate, ApprovalRequired: c.ApprovalRequired}
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
	fmt.Fprintf(s.out, "environment %s created (configuration in %s)\n", c.Name, dir)
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, e.Namespace, e.DefaultTemplate, approval, e.Source.Dir)
	}
	return tw.Flush()
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
	fmt.Fprintf(tw, "Source\t%s\n", e.Source.Dir)
	fmt.Fprintf(tw, "Default template\t%s\n", e.DefaultTemplate)
	fmt.Fprintf(tw, "Approval\t%v\n", map[bool]string{true: "required for applies", false: "not required"}[e.ApprovalRequired])
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
	fmt.Fprintln(s.out)
	return s.resourceTable(res)
}

func (s *apiSession) resourceTable(res []release.ResourceStatus) error {
	if len(res) == 0 {
		fmt.Fprintln(s.out, "(no resources recorded yet)")
		return nil
	}
	tw := s.table("ADDRESS", "SYNC", "RELEASE", "HEALTH", "LAST RELEASE", "BLUEPRINT")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.Address, r.SyncStatus, r.ReleaseStatus, r.HealthStatus, r.LastReleaseID, orDash(r.LiveBlueprintVersion))
	}
	return tw.Flush()
}
