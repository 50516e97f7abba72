package worker_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

var stateAdmin = service.Caller{Name: "oncall-admin", Scopes: []string{string(apiwire.ScopeAdmin)}}

// A state lock left behind (its release ended, the lock stayed) stops the
// next release's real terraform, which names the release holding it. An
// admin's unlock needs the lock's id and a reason, releases it, and is
// kept as a finished UNLOCK release saying who, why and which lock; the
// next release then runs.
func TestUnlockStuckState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	env := h.env("shop", namedConfig(t, "web", 1))
	w := h.worker()
	first := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(first.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first release %s\n%s", got.Status, got.ErrorLog)
	}
	// what the backend stores for terraform's LOCK request of that release
	if err := h.store.LockState(ctx, env.ID, first.ID, []byte(`{"ID":"5d3c1c1e-stuck","Operation":"OperationTypeApply"}`)); err != nil {
		t.Fatal(err)
	}

	blocked := h.release("shop", "terraform-apply")
	h.runOnce(w)
	got := h.get(blocked.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("a release under a stuck lock ended %s, want FAILED", got.Status)
	}
	if logs := joinLogs(h.logs(blocked.ID)); !strings.Contains(logs, "shiplog release "+itoa64(first.ID)) {
		t.Errorf("terraform's lock error does not name release %d:\n%s", first.ID, logs)
	}

	svc := h.service()
	t.Run("refusals change nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			req   apiwire.UnlockRequest
			field string
			kind  service.Kind
			says  string
		}{
			{"no reason", apiwire.UnlockRequest{LockID: "5d3c1c1e-stuck"}, "reason", service.Invalid, "reason is required"},
			{"no lock id", apiwire.UnlockRequest{Reason: "worker crashed"}, "lock_id", service.Invalid, "locked by 5d3c1c1e-stuck"},
			{"another lock", apiwire.UnlockRequest{LockID: "older", Reason: "worker crashed"}, "", service.Conflict, "not by lock older"},
		} {
			_, err := svc.UnlockState(ctx, stateAdmin, "shop", tc.req)
			var se *service.Error
			if !errors.As(err, &se) || se.Kind != tc.kind || se.Field != tc.field {
				t.Errorf("%s: got %v, want %v on %q", tc.name, err, tc.kind, tc.field)
				continue
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s: %q does not say %q", tc.name, err, tc.says)
			}
		}
		if _, err := svc.UnlockState(ctx, service.Caller{Name: "dev", Scopes: []string{string(apiwire.ScopeWrite)}}, "shop",
			apiwire.UnlockRequest{LockID: "5d3c1c1e-stuck", Reason: "x"}); kindOf(err) != service.Forbidden {
			t.Errorf("a deployer's unlock: %v, want forbidden", err)
		}
		if l, err := svc.StateLock(ctx, stateAdmin, "shop"); err != nil || !l.Locked || l.Lock.ID != "5d3c1c1e-stuck" {
			t.Fatalf("after the refusals the lock is %+v (%v), want still held", l, err)
		}
	})

	unlock, err := svc.UnlockState(ctx, stateAdmin, "shop", apiwire.UnlockRequest{LockID: "5d3c1c1e-stuck", Reason: "worker host died mid-apply"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("recorded as a release", func(t *testing.T) {
		if unlock.Type != release.TypeUnlock || unlock.Status != release.StatusSucceeded || unlock.TriggeredBy != "oncall-admin" {
			t.Errorf("unlock release: %s %s by %s, want UNLOCK SUCCEEDED by oncall-admin", unlock.Type, unlock.Status, unlock.TriggeredBy)
		}
		u := unlock.Unlock
		if u == nil || u.Lock.ID != "5d3c1c1e-stuck" || u.Lock.ReleaseID != first.ID || u.Reason != "worker host died mid-apply" || u.Lock.Operation != "OperationTypeApply" {
			t.Errorf("unlock record %+v, want lock 5d3c1c1e-stuck of release %d (OperationTypeApply) with the reason", u, first.ID)
		}
		if logs := joinLogs(h.logs(unlock.ID)); !strings.Contains(logs, "released by oncall-admin: worker host died mid-apply") {
			t.Errorf("the unlock release's log: %s", logs)
		}
		if l, err := svc.StateLock(ctx, stateAdmin, "shop"); err != nil || l.Locked {
			t.Errorf("after the unlock the lock is %+v (%v), want none", l, err)
		}
		_, err := svc.UnlockState(ctx, stateAdmin, "shop", apiwire.UnlockRequest{LockID: "5d3c1c1e-stuck", Reason: "again"})
		if kindOf(err) != service.Conflict || !strings.Contains(err.Error(), "not locked") {
			t.Errorf("a second unlock: %v, want a conflict saying it is not locked", err)
		}
	})

	next := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(next.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("the release after the unlock: %s\n%s", got.Status, got.ErrorLog)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func kindOf(err error) service.Kind {
	var se *service.Error
	if errors.As(err, &se) {
		return se.Kind
	}
	return 0
}
