package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// PolicyScope is the scope storing and deleting policies needs; reading
// them needs ListScope.
const PolicyScope = apiwire.ScopeAdmin

var policyName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// PutPolicy stores policy name (created, or its module and settings
// replaced; the version counts module changes) and returns it, and
// whether it was created. Forbidden without the admin role on every environment; Invalid naming
// the field: the name, a module that does not compile (the message gives
// line and column), a bad environment pattern.
func (s *Service) PutPolicy(ctx context.Context, c Caller, name string, req apiwire.PolicyRequest) (_ *release.Policy, created bool, err error) {
	act := &Act{Kind: "policy.put", Detail: name}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "storing a policy"); err != nil {
		return nil, false, err
	}
	if !policyName.MatchString(name) {
		return nil, false, invalid("name", "policy name %q must be 1 to 63 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", name)
	}
	if strings.TrimSpace(req.Module) == "" {
		return nil, false, invalid("module", "module is required: the policy's Rego source")
	}
	if _, err := policy.Check(name, req.Module); err != nil {
		var se *policy.SourceError
		if errors.As(err, &se) {
			return nil, false, invalid("module", "the Rego module does not compile: %s", se.Error())
		}
		return nil, false, err
	}
	for i, pat := range req.Environments {
		if err := release.ValidatePattern(pat); err != nil {
			return nil, false, invalid("environments", "environments[%d]: %s", i, err.Error())
		}
	}
	p, created, err := s.store.PutPolicy(ctx, &release.Policy{Name: name, Description: req.Description, Module: req.Module,
		Environments: req.Environments, Overridable: req.Overridable, UpdatedBy: c.Name})
	if err != nil {
		return nil, false, typed(err)
	}
	act.Detail = fmt.Sprintf("%s version %d", name, p.Version)
	s.log.Info("policy stored", "policy", name, "version", p.Version, "by", c.Name)
	return p, created, nil
}

// GetPolicy reads policy name. Forbidden without the viewer role on some environment; NotFound.
func (s *Service) GetPolicy(ctx context.Context, c Caller, name string) (*release.Policy, error) {
	if err := c.Authorize(apiwire.RoleViewer, AnyEnvironment, "reading policies"); err != nil {
		return nil, err
	}
	p, err := s.store.GetPolicy(ctx, name)
	return p, typed(err)
}

// ListPolicies lists every policy by name. Forbidden without the viewer role on some environment.
func (s *Service) ListPolicies(ctx context.Context, c Caller) ([]*release.Policy, error) {
	if err := c.Authorize(apiwire.RoleViewer, AnyEnvironment, "reading policies"); err != nil {
		return nil, err
	}
	ps, err := s.store.ListPolicies(ctx)
	return ps, typed(err)
}

// DeletePolicy removes policy name; releases keep the verdicts it gave.
// Forbidden without the admin role on every environment; NotFound.
func (s *Service) DeletePolicy(ctx context.Context, c Caller, name string) (err error) {
	defer s.audit(ctx, c, &Act{Kind: "policy.delete", Detail: name}, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "deleting a policy"); err != nil {
		return err
	}
	if err := s.store.DeletePolicy(ctx, name); err != nil {
		return typed(err)
	}
	s.log.Info("policy deleted", "policy", name, "by", c.Name)
	return nil
}

// OverriddenPolicies are the policies an approval of r overrides: those
// whose denial made it wait (every denial overridable), by name; none
// when it does not wait for that.
func OverriddenPolicies(r *release.Release) []string {
	denied, overridable := release.PolicyDenied(r.PolicyChecks)
	if !denied || !overridable || r.Status != release.StatusPendingApproval {
		return nil
	}
	var names []string
	for _, c := range r.PolicyChecks {
		if c.Verdict == "deny" {
			names = append(names, c.Policy)
		}
	}
	return names
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}
