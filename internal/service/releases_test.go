package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// newRelease is a request for a terraform-apply release of environment a
// (which serviceSetup makes), with key.
func newRelease(key string) service.NewRelease {
	return service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a", Template: "terraform-apply"}, Key: key}
}

func TestCreateReleaseUseCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a release is queued with the template's phases and its caller", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		rel, created, err := svc.CreateRelease(ctx, approver, newRelease(""))
		if err != nil {
			t.Fatal(err)
		}
		if !created {
			t.Error("created = false for a request without a key")
		}
		if rel.Status != release.StatusQueued {
			t.Errorf("status %s, want QUEUED", rel.Status)
		}
		if rel.TriggeredBy != "alice" {
			t.Errorf("triggered_by %q, want alice", rel.TriggeredBy)
		}
		if len(rel.Phases) == 0 {
			t.Error("no phases copied from the template")
		}
	})
	t.Run("the same key returns the release made the first time", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		first, _, err := svc.CreateRelease(ctx, approver, newRelease("uid-1"))
		if err != nil {
			t.Fatal(err)
		}
		again, created, err := svc.CreateRelease(ctx, approver, newRelease("uid-1"))
		if err != nil {
			t.Fatal(err)
		}
		if created {
			t.Error("created = true for a key used before")
		}
		if again.ID != first.ID {
			t.Errorf("second create with the key: release %d, want %d", again.ID, first.ID)
		}
	})
	t.Run("concurrent creates with one key make one release", func(t *testing.T) {
		t.Parallel()
		svc, st, _ := serviceSetup(t)
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r, _, err := svc.CreateRelease(ctx, approver, newRelease("uid-race"))
				errs[i] = err
				if r != nil {
					ids[i] = r.ID
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("create %d: %v", i, err)
			}
		}
		for i := range ids {
			if ids[i] != ids[0] {
				t.Errorf("create %d returned release %d, create 0 returned %d", i, ids[i], ids[0])
			}
		}
		all, err := st.ListReleases(ctx, store.ReleaseFilter{Environment: "a", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 { // serviceSetup's and the keyed one
			t.Errorf("%d releases in environment a, want 2", len(all))
		}
	})
	t.Run("bad input names its field", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		for field, req := range map[string]service.NewRelease{
			"environment":  {CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "nope"}},
			"template":     {CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a", Template: "no-such-template"}},
			"targets":      {CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a", Template: "terraform-apply", Targets: []string{" "}}},
			"artifacts[0]": {CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a", Template: "terraform-apply", Artifacts: []apiwire.ArtifactRef{{ID: 5, URI: "x"}}}},
			"key":          {CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a"}, Key: string(make([]byte, 300))},
		} {
			_, _, err := svc.CreateRelease(ctx, approver, req)
			var e *service.Error
			if !errors.As(err, &e) || e.Kind != service.Invalid || e.Field != field {
				t.Errorf("request with a bad %s: %v, want invalid %s", field, err, field)
			}
		}
	})
	t.Run("targets a template would ignore are refused", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		_, _, err := svc.CreateRelease(ctx, approver, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
			Environment: "a", Template: "terraform-apply", Targets: []string{"terraform_data.web"}}})
		var e *service.Error
		if !errors.As(err, &e) || e.Kind != service.Invalid || e.Field != "targets" {
			t.Fatalf("targets with terraform-apply: %v, want invalid targets", err)
		}
		if !strings.Contains(e.Message, "selective-apply") {
			t.Errorf("the refusal %q does not say which template to use", e.Message)
		}
		rel, _, err := svc.CreateRelease(ctx, approver, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
			Environment: "a", Template: "selective-apply", Targets: []string{"terraform_data.web"}}})
		if err != nil {
			t.Fatalf("targets with selective-apply: %v", err)
		}
		if len(rel.Targets) != 1 {
			t.Errorf("targets recorded: %q", rel.Targets)
		}
	})
	t.Run("a reader may not create a release", func(t *testing.T) {
		t.Parallel()
		svc, _, _ := serviceSetup(t)
		if _, _, err := svc.CreateRelease(ctx, reader, newRelease("")); kindOf(err) != service.Forbidden {
			t.Errorf("create by a reader: %v, want forbidden", err)
		}
	})
}
