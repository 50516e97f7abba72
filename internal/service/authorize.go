package service

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Caller is who runs a use case: the name recorded with what they do (a
// token's name, or a person's name from the identity provider), what they
// may do — a token's scopes, each its role on every environment, and the
// role bindings that apply to them (Grants) — and where they called from.
type Caller struct {
	Name string
	// Scopes are the token's scopes (apiwire.Scope values); none for a
	// person signed in with the identity provider.
	Scopes []string
	// Grants are the caller's role bindings: the token's, or the person's
	// and their groups'.
	Grants []Grant
	// Person: Name is a person's from the identity provider (not a
	// token's); Groups are the groups the provider gave at sign-in.
	Person bool
	Groups []string
	// From is where the call came from (the client's address), for the
	// audit log; empty when not known.
	From string
}

// Grant is a role on the environments whose names match Environment: "*"
// (all), a path.Match pattern ("prod-*") or one name.
type Grant struct {
	Role        apiwire.Role
	Environment string
	// scope: the grant stands for a token scope, which allows what that
	// scope always allowed and no more: the approve scope is the approver
	// role without the viewer role an approver binding includes.
	scope bool
}

// The environment arguments of Authorize that are not one environment.
const (
	// AllEnvironments: an act not about one environment (tokens, roles,
	// policies, the audit log) needs the role on every environment, a
	// grant on "*".
	AllEnvironments = "*"
	// AnyEnvironment: the role on at least one environment (an API
	// route's gate before its use case looks at the environment).
	AnyEnvironment = ""
)

// grants is every grant the caller holds: its scopes' roles on "*", then
// its bindings.
func (c Caller) grants() []Grant {
	out := make([]Grant, 0, len(c.Scopes)+len(c.Grants))
	for _, s := range c.Scopes {
		if r := apiwire.RoleOfScope(apiwire.Scope(s)); r != "" {
			out = append(out, Grant{Role: r, Environment: AllEnvironments, scope: true})
		}
	}
	return append(out, c.Grants...)
}

// covers reports whether g's pattern covers env as Authorize reads it.
func (g Grant) covers(env string) bool {
	switch env {
	case AnyEnvironment:
		return true
	case AllEnvironments:
		return g.Environment == AllEnvironments
	}
	ok, err := path.Match(g.Environment, env)
	return err == nil && ok
}

// allows reports whether g's role allows what role allows: a binding's
// role includes those below it (apiwire.Role.Includes); a scope's is that
// role alone, or admin.
func (g Grant) allows(role apiwire.Role) bool {
	if g.scope {
		return g.Role == role || g.Role == apiwire.RoleAdmin
	}
	return g.Role.Includes(role)
}

// Holds reports whether the caller holds role (or one that includes it)
// on environment env (a name, AllEnvironments or AnyEnvironment).
func (c Caller) Holds(role apiwire.Role, env string) bool {
	for _, g := range c.grants() {
		if g.allows(role) && g.covers(env) {
			return true
		}
	}
	return false
}

// Authorize is the one authorization check: nil when the caller holds role
// on environment env (a name; AllEnvironments for acts not about one
// environment; AnyEnvironment for a route's gate), else a Forbidden *Error
// saying what doing needs — which role on which environment — and what the
// caller holds.
func (c Caller) Authorize(role apiwire.Role, env, doing string) error {
	if c.Holds(role, env) {
		return nil
	}
	where := "on environment " + env
	switch env {
	case AllEnvironments:
		where = "on every environment (*)"
	case AnyEnvironment:
		where = "on some environment"
	}
	return &Error{Kind: Forbidden, Message: fmt.Sprintf("%s needs the %s role %s; %q has %s", doing, role, where, c.Name, c.Holding())}
}

// Holding says what the caller holds, for a refusal or a page: "approver
// on staging, viewer on *" or "no role".
func (c Caller) Holding() string {
	var parts []string
	for _, g := range c.grants() {
		if s := fmt.Sprintf("%s on %s", g.Role, g.Environment); !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "no role"
	}
	return strings.Join(parts, ", ")
}

// TokenCaller is the caller of an API token: its name and scopes and the
// bindings of subject kind token with its name.
func (s *Service) TokenCaller(ctx context.Context, name string, scopes []string, from string) (Caller, error) {
	bs, err := s.store.RoleBindingsOf(ctx, name, "", nil)
	if err != nil {
		return Caller{}, err
	}
	return Caller{Name: name, Scopes: scopes, Grants: grantsOf(bs), From: from}, nil
}

// PersonCaller is the caller of a person signed in with the identity
// provider: the bindings of their name and of the groups the provider gave
// at sign-in. A person holds no scopes.
func (s *Service) PersonCaller(ctx context.Context, user string, groups []string, from string) (Caller, error) {
	bs, err := s.store.RoleBindingsOf(ctx, "", user, groups)
	if err != nil {
		return Caller{}, err
	}
	return Caller{Name: user, Grants: grantsOf(bs), Person: true, Groups: groups, From: from}, nil
}

func grantsOf(bs []store.RoleBinding) []Grant {
	out := make([]Grant, 0, len(bs))
	for _, b := range bs {
		out = append(out, Grant{Role: apiwire.Role(b.Role), Environment: b.Environment})
	}
	return out
}

// EnvironmentOfRelease is the environment release id belongs to, for
// authorizing an act on it or a read of it (NotFound when there is no
// such release).
func (s *Service) EnvironmentOfRelease(ctx context.Context, id int64) (string, error) {
	env, err := s.store.ReleaseEnvironment(ctx, id)
	if err != nil {
		return "", typed(err)
	}
	return env, nil
}
