package service

import (
	"context"
	"errors"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// ListScope is the scope listing releases needs.
const ListScope = apiwire.ScopeRead

// ListReleaseIDs lists the ids of the releases q's filters select, newest
// first, below beforeID when it is positive: at most limit of them, and
// whether more follow. q's Cursor and Limit are not read (the caller
// decodes its cursor into beforeID). Forbidden without ListScope; Invalid
// (field environment) for an environment that does not exist, so a
// misspelt name does not look like one with no releases.
func (s *Service) ListReleaseIDs(ctx context.Context, c Caller, q apiwire.ReleaseQuery, beforeID int64, limit int) ([]int64, bool, error) {
	if err := c.need(ListScope, "listing releases"); err != nil {
		return nil, false, err
	}
	if q.Environment != "" {
		if _, err := s.store.GetEnvironment(ctx, q.Environment); errors.Is(err, store.ErrNotFound) {
			return nil, false, &Error{Kind: NotFound, Field: "environment", Message: err.Error(), Err: err}
		} else if err != nil {
			return nil, false, typed(err)
		}
	}
	if limit <= 0 {
		limit = apiwire.DefaultLimit
	}
	f := StoreFilter(q)
	f.BeforeID, f.Limit = beforeID, limit+1
	ids, err := s.store.ListReleaseIDs(ctx, f)
	if err != nil {
		return nil, false, typed(err)
	}
	if len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
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
