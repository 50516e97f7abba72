package service

import (
	"context"
	"errors"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// ListScope is the scope listing releases needs.
const ListScope = apiwire.ScopeRead

// Page is where a listing of releases starts: the first page (zero), the
// releases older than Before, or the ones just newer than After.
type Page struct {
	Before, After int64
}

// ListReleaseIDs lists the ids of the releases q's filters select, newest
// first, from at: at most limit of them, and whether more follow in the
// direction listed (older for the first page and Before, newer for
// After). q's Cursor and Limit are not read (the caller decodes its
// cursor into at). Forbidden without the viewer role on q's environment
// (on some environment when q names none); Invalid (field
// environment) for an environment that does not exist, so a misspelt name
// does not look like one with no releases.
func (s *Service) ListReleaseIDs(ctx context.Context, c Caller, q apiwire.ReleaseQuery, at Page, limit int) ([]int64, bool, error) {
	f, err := s.listable(ctx, c, q)
	if err != nil {
		return nil, false, err
	}
	if limit <= 0 {
		limit = apiwire.DefaultLimit
	}
	f.BeforeID, f.AfterID, f.Limit = at.Before, at.After, limit+1
	ids, err := s.store.ListReleaseIDs(ctx, f)
	if err != nil {
		return nil, false, typed(err)
	}
	if len(ids) > limit {
		if at.After > 0 {
			return ids[1:], true, nil // the one beyond is the newest
		}
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

// CountReleases counts the releases q's filters select, up to upTo (a
// count of upTo means "upTo or more"). Errors as ListReleaseIDs.
func (s *Service) CountReleases(ctx context.Context, c Caller, q apiwire.ReleaseQuery, upTo int64) (int64, error) {
	f, err := s.listable(ctx, c, q)
	if err != nil {
		return 0, err
	}
	n, err := s.store.CountReleases(ctx, f, upTo)
	return n, typed(err)
}

// listable checks that c may list releases and that q's environment
// exists, and returns the store's filter for q: without an environment
// named, only the environments c may view (ViewableEnvironments).
func (s *Service) listable(ctx context.Context, c Caller, q apiwire.ReleaseQuery) (store.ReleaseFilter, error) {
	env := q.Environment
	if env == "" {
		env = AnyEnvironment
	}
	if err := c.Authorize(apiwire.RoleViewer, env, "listing releases"); err != nil {
		return store.ReleaseFilter{}, err
	}
	f := StoreFilter(q)
	if q.Environment != "" {
		if _, err := s.store.GetEnvironment(ctx, q.Environment); errors.Is(err, store.ErrNotFound) {
			return f, &Error{Kind: NotFound, Field: "environment", Message: err.Error(), Err: err}
		} else if err != nil {
			return f, typed(err)
		}
		return f, nil
	}
	var err error
	f.Environments, err = s.ViewableEnvironments(ctx, c)
	return f, err
}

// ViewableEnvironments is the names of the environments c holds the
// viewer role on, for narrowing a listing; nil when c holds it on every
// environment (*), so that nothing needs narrowing.
func (s *Service) ViewableEnvironments(ctx context.Context, c Caller) ([]string, error) {
	if c.Holds(apiwire.RoleViewer, AllEnvironments) {
		return nil, nil
	}
	envs, err := s.store.ListEnvironments(ctx)
	if err != nil {
		return nil, typed(err)
	}
	names := []string{}
	for _, e := range envs {
		if c.Holds(apiwire.RoleViewer, e.Name) {
			names = append(names, e.Name)
		}
	}
	return names, nil
}

// StoreFilter is the store's filter for q's filters (no cursor, no limit).
func StoreFilter(q apiwire.ReleaseQuery) store.ReleaseFilter {
	f := store.ReleaseFilter{Environment: q.Environment, Statuses: q.Statuses, Template: q.Template,
		DeploymentType: q.DeploymentType, Type: q.Type, TriggeredBy: q.TriggeredBy}
	if !q.CreatedAfter.IsZero() {
		t := q.CreatedAfter
		f.CreatedAfter = &t
	}
	if !q.CreatedBefore.IsZero() {
		t := q.CreatedBefore
		f.CreatedBefore = &t
	}
	return f
}
