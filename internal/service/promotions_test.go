package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// An environment's upstream must exist, differ from it and not close a
// loop; requiring upstream sign-off needs an upstream. Each refusal is
// Invalid on its field, and the environment is left as it was.
func TestEnvironmentUpstreamChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setup := func(t *testing.T) (*service.Service, *store.Store) {
		t.Helper()
		svc, st, _ := serviceSetup(t) // environment a
		for _, e := range []apiwire.EnvironmentRequest{
			{Name: "b", Upstream: "a"},
			{Name: "c", Upstream: "b", RequireUpstreamSignOff: true},
		} {
			e.Source.Dir = "/"
			if _, err := svc.CreateEnvironment(ctx, admin, e); err != nil {
				t.Fatal(err)
			}
		}
		return svc, st
	}
	for _, tc := range []struct {
		name, field, says string
		update            bool
		req               apiwire.EnvironmentRequest
	}{
		{name: "missing upstream", field: "upstream", says: `"nope" does not exist`, req: apiwire.EnvironmentRequest{Name: "d", Upstream: "nope"}},
		{name: "itself", field: "upstream", says: "cannot be its own upstream", req: apiwire.EnvironmentRequest{Name: "d", Upstream: "d"}},
		{name: "not a name", field: "upstream", says: "is not valid", req: apiwire.EnvironmentRequest{Name: "d", Upstream: "Prod East"}},
		{name: "sign-off without upstream", field: "require_upstream_signoff", says: "needs an upstream", req: apiwire.EnvironmentRequest{Name: "d", RequireUpstreamSignOff: true}},
		{name: "loop", field: "upstream", update: true, says: "a → b → c → a", req: apiwire.EnvironmentRequest{Name: "a", Upstream: "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := setup(t)
			tc.req.Source.Dir = "/"
			var err error
			if tc.update {
				err = svc.UpdateEnvironment(ctx, admin, tc.req.Name, tc.req)
			} else {
				_, err = svc.CreateEnvironment(ctx, admin, tc.req)
			}
			var se *service.Error
			if !errors.As(err, &se) || se.Kind != service.Invalid {
				t.Fatalf("got %v, want invalid", err)
			}
			if se.Field != tc.field {
				t.Errorf("field %q, want %q", se.Field, tc.field)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%q does not say %q", err, tc.says)
			}
		})
	}
	t.Run("stream kept", func(t *testing.T) {
		t.Parallel()
		svc, st := setup(t)
		req := apiwire.EnvironmentRequest{Name: "a", Upstream: "c"}
		req.Source.Dir = "/"
		if err := svc.UpdateEnvironment(ctx, admin, "a", req); err == nil {
			t.Fatal("a loop was taken")
		}
		env, err := st.GetEnvironment(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if env.Upstream != "" {
			t.Errorf("a's upstream %q after a refused loop, want none", env.Upstream)
		}
	})
}

// A conflict's message says why, without the store's sentinel word at its
// end: the kind (HTTP 409) says conflict already.
func TestConflictMessageReadsAsASentence(t *testing.T) {
	t.Parallel()
	svc, _, _ := serviceSetup(t)
	req := apiwire.EnvironmentRequest{Name: "a"}
	req.Source.Dir = "/"
	_, err := svc.CreateEnvironment(context.Background(), admin, req)
	if kindOf(err) != service.Conflict {
		t.Fatalf("a second environment a: %v, want a conflict", err)
	}
	if msg := err.Error(); strings.HasSuffix(msg, ": conflict") || !strings.Contains(msg, `"a" already exists`) {
		t.Errorf("conflict message %q, want it to say the environment exists, without a trailing \": conflict\"", msg)
	}
}

// An environment that is another's upstream is not deleted: the other
// would be left requiring sign-off from nowhere.
func TestUpstreamNotDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, _ := serviceSetup(t) // environment a
	req := apiwire.EnvironmentRequest{Name: "b", Upstream: "a", RequireUpstreamSignOff: true}
	req.Source.Dir = "/"
	if _, err := svc.CreateEnvironment(ctx, admin, req); err != nil {
		t.Fatal(err)
	}
	_, err := svc.DeleteEnvironment(ctx, admin, "a", true)
	if kindOf(err) != service.Conflict || !strings.Contains(err.Error(), "upstream of b") {
		t.Fatalf("deleting b's upstream: %v, want a conflict naming b", err)
	}
	if _, err := st.GetEnvironment(ctx, "a"); err != nil {
		t.Errorf("a after the refused delete: %v", err)
	}
}

// A blueprint version that looks like a content version but is not one
// exactly is refused on blueprint_version, before anything is stored.
func TestBlueprintVersionChecked(t *testing.T) {
	t.Parallel()
	svc, _, _ := serviceSetup(t)
	for _, v := range []string{"sha256:0835e88cc291 ", "SHA256:0835E88CC291", "sha256:0835e88cc2"} {
		_, _, err := svc.CreateRelease(context.Background(), approver, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a", BlueprintVersion: v}})
		var se *service.Error
		if !errors.As(err, &se) || se.Kind != service.Invalid || se.Field != "blueprint_version" {
			t.Errorf("blueprint version %q: %v, want invalid blueprint_version", v, err)
		}
	}
}
