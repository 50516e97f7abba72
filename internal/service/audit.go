package service

import (
	"context"
	"errors"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Act is a state-changing act for the audit log: its kind (e.g.
// "release.approve", "environment.delete", "token.create",
// "session.sign_in"), the environment and release it touched when it
// touched one, and a short detail — never a secret (no variable value, no
// token).
type Act struct {
	Kind        string
	Environment string
	Release     int64
	Detail      string
}

// Audit appends act by c to the audit log with its outcome: ok when err
// is nil, refused for a typed *Error of kind Forbidden, Invalid, NotFound
// or Conflict (the act was not done), failed otherwise. The use cases call
// it for themselves; callers call it for acts that are not use cases here
// (tokens, sign-ins). A failure to record is logged as an error, never
// hidden, and returned.
func (s *Service) Audit(ctx context.Context, c Caller, act Act, err error) error {
	e := &release.AuditEvent{Actor: c.Name, RemoteAddr: c.From, Kind: act.Kind, Environment: act.Environment, Detail: act.Detail, Outcome: "ok"}
	if e.Actor == "" {
		e.Actor = "anonymous"
	}
	if act.Release > 0 {
		id := act.Release
		e.ReleaseID = &id
	}
	if err = typed(err); err != nil {
		e.Outcome, e.Error = "failed", err.Error()
		var se *Error
		if errors.As(err, &se) && se.Kind != 0 {
			e.Outcome, e.Error = "refused", se.Message
		}
	}
	// a cancelled request still leaves its record
	if rerr := s.store.RecordAudit(context.WithoutCancel(ctx), e); rerr != nil {
		s.log.Error("audit event not recorded", "kind", act.Kind, "actor", e.Actor, "error", rerr)
		return rerr
	}
	return nil
}

// audit records act with the outcome *errp holds when the use case
// returns: `defer s.audit(ctx, c, Act{...}, &err)`.
func (s *Service) audit(ctx context.Context, c Caller, act *Act, errp *error) {
	_ = s.Audit(ctx, c, *act, *errp)
}

// AuditScope is the scope reading the audit log needs.
const AuditScope = apiwire.ScopeAdmin

// ListAudit lists audit events newest first. Forbidden without the admin
// role on every environment.
func (s *Service) ListAudit(ctx context.Context, c Caller, f store.AuditFilter) ([]release.AuditEvent, error) {
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "reading the audit log"); err != nil {
		return nil, err
	}
	evs, err := s.store.ListAudit(ctx, f)
	return evs, typed(err)
}
