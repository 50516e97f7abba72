package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// This file is the admin's view of people's browser sessions: who is
// signed in, and ending a person's sessions (someone leaving, a lost
// laptop). A session keeps the groups the identity provider gave at sign-in
// for up to store.SessionMax, so removing a person from a group at the
// provider takes effect in shiplog when their session ends; this ends it
// now. A token's sessions end when the token is revoked.

// UserSessions lists the live sessions of people, newest sign-in first;
// user, when not empty, keeps that person's only. Forbidden without the
// admin role on every environment.
func (s *Service) UserSessions(ctx context.Context, c Caller, user string) ([]store.UserSession, error) {
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "listing people's sessions"); err != nil {
		return nil, err
	}
	ss, err := s.store.ListUserSessions(ctx, user)
	return ss, typed(err)
}

// EndUserSessions ends every session of the person named user and returns
// how many were live; none is not an error (they may have signed out).
// Forbidden without the admin role on every environment; Invalid for an
// empty name. Audited session.end.
func (s *Service) EndUserSessions(ctx context.Context, c Caller, user string) (_ int64, err error) {
	act := &Act{Kind: "session.end", Detail: fmt.Sprintf("user %s", user)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleAdmin, AllEnvironments, "ending someone's sessions"); err != nil {
		return 0, err
	}
	if strings.TrimSpace(user) == "" || len(user) > 256 {
		return 0, invalid("name", "the person's name is required (as the identity provider signs them in, at most 256 bytes)")
	}
	n, err := s.store.EndUserSessions(ctx, user)
	if err != nil {
		return 0, typed(err)
	}
	act.Detail = fmt.Sprintf("user %s: %d live session(s) ended", user, n)
	s.log.Info("sessions ended", "user", user, "live", n, "by", c.Name)
	return n, nil
}
