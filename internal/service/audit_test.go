package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

var admin = service.Caller{Name: "ada", Scopes: []string{string(apiwire.ScopeAdmin)}, From: "192.0.2.7"}

// auditOf lists the audit log of the service's database, newest first.
func auditOf(t *testing.T, svc *service.Service, f store.AuditFilter) []release.AuditEvent {
	t.Helper()
	evs, err := svc.ListAudit(context.Background(), admin, f)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestUseCasesAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("each act leaves one event with who, where, what and how it ended", func(t *testing.T) {
		t.Parallel()
		svc, _, r := serviceSetup(t)
		req := newRelease("")
		req.Variables = []release.Variable{{Name: "db_password", Value: "hunter2-secret", Sensitive: true}}
		created, _, err := svc.CreateRelease(ctx, admin, req)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Abort(ctx, admin, r.ID, "wrong branch"); err != nil {
			t.Fatal(err)
		}
		evs := auditOf(t, svc, store.AuditFilter{})
		if len(evs) != 2 {
			t.Fatalf("%d audit events, want 2: %+v", len(evs), evs)
		}
		abort, create := evs[0], evs[1]
		if create.Kind != "release.create" || create.ReleaseID == nil || *create.ReleaseID != created.ID {
			t.Errorf("first event %+v, want release.create of release %d", create, created.ID)
		}
		if abort.Kind != "release.abort" || abort.Environment != "a" || abort.Actor != "ada" || abort.RemoteAddr != "192.0.2.7" || abort.Outcome != "ok" {
			t.Errorf("abort event %+v, want release.abort by ada from 192.0.2.7 in a, ok", abort)
		}
		b, _ := json.Marshal(evs)
		if strings.Contains(string(b), "hunter2-secret") {
			t.Errorf("a sensitive variable's value is in the audit log: %s", b)
		}
	})
	t.Run("a refused act is recorded as refused with why", func(t *testing.T) {
		t.Parallel()
		svc, _, r := serviceSetup(t)
		if err := svc.Approve(ctx, reader, r.ID, ""); err == nil {
			t.Fatal("a reader approved a release")
		}
		evs := auditOf(t, svc, store.AuditFilter{Kind: "release."})
		if len(evs) != 1 {
			t.Fatalf("%d audit events, want 1", len(evs))
		}
		if evs[0].Outcome != "refused" || evs[0].Actor != "rob" || !strings.Contains(evs[0].Error, "approve") {
			t.Errorf("refused approve recorded as %+v", evs[0])
		}
	})
	t.Run("filters and paging", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		for range 3 {
			if _, _, err := svc.CreateRelease(ctx, approver, newRelease("")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.CreateEnvironment(ctx, admin, apiwire.EnvironmentRequest{Name: "b", Source: release.Source{Dir: t.TempDir()}}); err != nil {
			t.Fatal(err)
		}
		if n := len(auditOf(t, svc, store.AuditFilter{Actor: "alice"})); n != 3 {
			t.Errorf("alice's events: %d, want 3", n)
		}
		if n := len(auditOf(t, svc, store.AuditFilter{Environment: "b"})); n != 1 {
			t.Errorf("environment b's events: %d, want 1", n)
		}
		first := auditOf(t, svc, store.AuditFilter{Kind: "release.create", Limit: 2})
		if len(first) != 2 {
			t.Fatalf("a page of 2: %d events", len(first))
		}
		rest := auditOf(t, svc, store.AuditFilter{Kind: "release.create", BeforeID: first[1].ID})
		if len(rest) != 1 || rest[0].ID >= first[1].ID {
			t.Errorf("the page after %d: %+v, want the one older event", first[1].ID, rest)
		}
	})
	t.Run("only admins read the audit log", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		if _, err := svc.ListAudit(ctx, approver, store.AuditFilter{}); kindOf(err) != service.Forbidden {
			t.Errorf("audit log read by an approver: %v, want forbidden", err)
		}
	})
}
