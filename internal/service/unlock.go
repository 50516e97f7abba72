package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the use case "unlock state": an admin releases a stuck
// state lock (shiplog is the state backend, so terraform force-unlock is
// this), recorded as an UNLOCK release of its own.

// StateLock says whether environment name's state is locked, and by which
// lock and release. Forbidden without viewer on name; NotFound.
func (s *Service) StateLock(ctx context.Context, c Caller, name string) (*apiwire.StateLockStatus, error) {
	if err := c.Authorize(apiwire.RoleViewer, name, "reading a state lock"); err != nil {
		return nil, err
	}
	lock, err := s.store.StateLockOf(ctx, name)
	if err != nil {
		return nil, typed(err)
	}
	return &apiwire.StateLockStatus{Environment: name, Locked: lock != nil, Lock: lock}, nil
}

// UnlockState releases lock req.LockID of environment name's state and
// records it as a finished UNLOCK release (who: the caller; why:
// req.Reason; which lock: Release.Unlock), returned. The release that held
// the lock goes on; its next state write finds the lock gone. Forbidden
// without admin on name; Invalid naming reason or lock_id when missing;
// NotFound; Conflict when the state is not locked, or by another lock (the
// message names it), or its release has not ended and req.Force is not set.
func (s *Service) UnlockState(ctx context.Context, c Caller, name string, req apiwire.UnlockRequest) (_ *release.Release, err error) {
	act := &Act{Kind: "state.unlock", Environment: name, Detail: fmt.Sprintf("lock %s: %s", req.LockID, req.Reason)}
	defer s.audit(ctx, c, act, &err)
	if err := c.Authorize(apiwire.RoleAdmin, name, "unlocking a state"); err != nil {
		return nil, err
	}
	req.Reason, req.LockID = strings.TrimSpace(req.Reason), strings.TrimSpace(req.LockID)
	if req.Reason == "" {
		return nil, invalid("reason", "say why you unlock the state of %s: a reason is required, and kept with the unlock", name)
	}
	if len(req.Reason) > 2000 {
		return nil, invalid("reason", "a reason is at most 2000 bytes, not %d", len(req.Reason))
	}
	if req.LockID == "" {
		lock, err := s.store.StateLockOf(ctx, name)
		if err != nil {
			return nil, typed(err)
		}
		if lock == nil {
			return nil, invalid("lock_id", "give the id of the lock to release; the state of %s is not locked now", name)
		}
		return nil, invalid("lock_id", "give the id of the lock to release, as terraform force-unlock takes it: the state of %s is locked by %s (release %d, %s)",
			name, lock.ID, lock.ReleaseID, lock.Doing())
	}
	rel, err := s.store.ForceUnlockState(ctx, name, req.LockID, c.Name, req.Reason, req.Force)
	if err != nil {
		return nil, typed(err)
	}
	act.Release = rel.ID
	act.Detail = fmt.Sprintf("lock %s held by release %d (%s): %s", rel.Unlock.Lock.ID, rel.Unlock.Lock.ReleaseID, rel.Unlock.Lock.Doing(), req.Reason)
	s.log.Warn("state lock released by an admin", "environment", name, "lock", req.LockID, "held_by_release", rel.Unlock.Lock.ReleaseID, "by", c.Name, "release", rel.ID)
	s.touched(rel.Unlock.Lock.ReleaseID)
	return rel, nil
}
