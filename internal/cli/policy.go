package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// policyCmd manages the Rego policies that policy phases evaluate.
type policyCmd struct {
	Put    policyPutCmd    `cmd:"" help:"Create or replace a policy from a Rego file (admin scope); its version counts changes of the module."`
	List   policyListCmd   `cmd:"" help:"List the stored policies."`
	Show   policyShowCmd   `cmd:"" help:"Show a policy and its Rego module."`
	Delete policyDeleteCmd `cmd:"" help:"Delete a policy (admin scope); releases keep the verdicts it gave."`
}

type policyPutCmd struct {
	apiFlags
	Name        string   `arg:"" help:"Policy name: lower-case letters, digits, '-', '_', '.'."`
	File        string   `arg:"" type:"existingfile" help:"The Rego (v1) module: deny and/or warn rules, each a set of messages."`
	Env         []string `name:"env" sep:"," help:"Environments it applies to, names or patterns (prod-*); none for every environment. Comma-separated or repeated."`
	Overridable bool     `help:"A denial waits for an approval that overrides it instead of failing the release."`
	Description string   `help:"What the policy is for."`
}

func (c *policyPutCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	module, err := os.ReadFile(c.File)
	if err != nil {
		return err
	}
	p, err := s.c.PutPolicy(g.Context(), c.Name, apiwire.PolicyRequest{Module: string(module), Environments: c.Env,
		Overridable: c.Overridable, Description: c.Description})
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(p)
	}
	fmt.Fprintf(s.out, "policy %s version %d stored (%s)\n", p.Name, p.Version, policyScope(p))
	return nil
}

type policyListCmd struct {
	apiFlags
}

func (c *policyListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	l, err := s.c.ListPolicies(g.Context())
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(l)
	}
	tw := s.table("NAME", "VERSION", "APPLIES TO", "DENIAL", "UPDATED", "BY")
	for _, p := range l.Policies {
		denial := "fails the release"
		if p.Overridable {
			denial = "may be overridden"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", p.Name, p.Version, policyScope(p), denial, when(&p.UpdatedAt), p.UpdatedBy)
	}
	return tw.Flush()
}

type policyShowCmd struct {
	apiFlags
	Name string `arg:"" help:"Policy name."`
}

func (c *policyShowCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	p, err := s.c.GetPolicy(g.Context(), c.Name)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(p)
	}
	fmt.Fprintf(s.out, "%s version %d (%s; a denial %s)\n", p.Name, p.Version, policyScope(p),
		map[bool]string{true: "may be overridden by an approval", false: "fails the release"}[p.Overridable])
	if p.Description != "" {
		fmt.Fprintf(s.out, "%s\n", p.Description)
	}
	fmt.Fprintf(s.out, "\n%s\n", strings.TrimRight(p.Module, "\n"))
	return nil
}

type policyDeleteCmd struct {
	apiFlags
	Name string `arg:"" help:"Policy name."`
}

func (c *policyDeleteCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	if err := s.c.DeletePolicy(g.Context(), c.Name); err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]string{"deleted": c.Name})
	}
	fmt.Fprintf(s.out, "policy %s deleted\n", c.Name)
	return nil
}

func policyScope(p *release.Policy) string {
	if len(p.Environments) == 0 {
		return "every environment"
	}
	return "environments " + strings.Join(p.Environments, ", ")
}
