package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

var (
	approver = service.Caller{Name: "alice", Scopes: []string{string(apiwire.ScopeApprove), string(apiwire.ScopeWrite)}}
	reader   = service.Caller{Name: "rob", Scopes: []string{string(apiwire.ScopeRead)}}
)

// serviceSetup makes a service over a fresh database with one queued
// release, called as a controller would: no HTTP anywhere.
func serviceSetup(t *testing.T) (*service.Service, *store.Store, *release.Release) {
	t.Helper()
	ctx := context.Background()
	st := dbtest.Store(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(st, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateEnvironment(ctx, &release.Environment{Name: "a", Source: release.Source{Dir: "/srv/a"}}); err != nil {
		t.Fatal(err)
	}
	r := &release.Release{Environment: "a", Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "alice",
		Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan}, {Name: "apply", Action: release.ActionApply}}}
	if err := st.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	return svc, st, r
}

// kindOf is the Kind of a use case's typed error (0 when it is not one).
func kindOf(err error) service.Kind {
	var e *service.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func TestUseCaseErrorsAreTyped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("approve without the approve scope is forbidden", func(t *testing.T) {
		t.Parallel()
		svc, _, r := serviceSetup(t)
		if err := svc.Approve(ctx, reader, r.ID, ""); kindOf(err) != service.Forbidden {
			t.Errorf("approve by a reader: %v, want forbidden", err)
		}
	})
	t.Run("approving a queued release is a conflict", func(t *testing.T) {
		t.Parallel()
		svc, _, r := serviceSetup(t)
		if err := svc.Approve(ctx, approver, r.ID, ""); kindOf(err) != service.Conflict {
			t.Errorf("approve of a QUEUED release: %v, want conflict", err)
		}
	})
	t.Run("an unknown release is not found", func(t *testing.T) {
		t.Parallel()
		svc, _, r := serviceSetup(t)
		if err := svc.Abort(ctx, approver, r.ID+1000, ""); kindOf(err) != service.NotFound {
			t.Errorf("abort of a missing release: %v, want not found", err)
		}
	})
	t.Run("a bad sign-off verdict names its field", func(t *testing.T) {
		t.Parallel()
		svc, _, r := serviceSetup(t)
		err := svc.SignOff(ctx, approver, r.ID, "MAYBE", "")
		var e *service.Error
		if !errors.As(err, &e) || e.Kind != service.Invalid || e.Field != "status" {
			t.Errorf("sign-off MAYBE: %v, want invalid status", err)
		}
	})
}

// Abort through the service ends a queued release at once and records
// who asked.
func TestAbortUseCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, r := serviceSetup(t)
	if err := svc.Abort(ctx, approver, r.ID, "wrong branch"); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != release.StatusAborted {
		t.Errorf("status after abort: %s", got.Status)
	}
	if got.ErrorLog != "aborted by alice: wrong branch" {
		t.Errorf("error log after abort: %q", got.ErrorLog)
	}
}

func TestEnvironmentUseCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := service.Caller{Name: "ada", Scopes: []string{string(apiwire.ScopeAdmin)}}
	fieldOf := func(err error) (service.Kind, string) {
		var e *service.Error
		if errors.As(err, &e) {
			return e.Kind, e.Field
		}
		return 0, ""
	}
	t.Run("creating needs the admin scope", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		_, err := svc.CreateEnvironment(ctx, approver, apiwire.EnvironmentRequest{Name: "b", Source: release.Source{Dir: t.TempDir()}})
		if kindOf(err) != service.Forbidden {
			t.Errorf("create by a non-admin: %v, want forbidden", err)
		}
	})
	t.Run("a missing directory names source.dir", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		_, err := svc.CreateEnvironment(ctx, admin, apiwire.EnvironmentRequest{Name: "b", Source: release.Source{Dir: "/nonexistent/shiplog"}})
		if kind, field := fieldOf(err); kind != service.Invalid || field != "source.dir" {
			t.Errorf("create with a missing dir: %v (kind %v, field %q), want invalid source.dir", err, kind, field)
		}
	})
	t.Run("a rename is invalid", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		err := svc.UpdateEnvironment(ctx, admin, "a", apiwire.EnvironmentRequest{Name: "b", Source: release.Source{Dir: t.TempDir()}})
		if kind, field := fieldOf(err); kind != service.Invalid || field != "name" {
			t.Errorf("rename: %v (kind %v, field %q), want invalid name", err, kind, field)
		}
	})
	t.Run("created, it can be read back", func(t *testing.T) {
		t.Parallel()
		svc, st, _ := serviceSetup(t)
		if _, err := svc.CreateEnvironment(ctx, admin, apiwire.EnvironmentRequest{Name: "b", Source: release.Source{Dir: t.TempDir()}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetEnvironment(ctx, "b"); err != nil {
			t.Errorf("the created environment: %v", err)
		}
	})
}
