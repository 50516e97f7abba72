package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// A release whose worker died while applying (its lease reaped) leaves no
// resource IN_PROGRESS: they are FAILED, wanted at its version, live as
// they were.
func TestReapedApplySettlesItsResources(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r1 := newRelease(t, s, "a")
	url := "oci://registry/app:1"
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordResourceStatus(ctx, r1.ID, []store.ResourceOutcome{{Address: "terraform_data.a", ArtifactURL: &url}}, release.ResourceCompleted); err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: r1.ID, From: release.StatusInProgress, To: release.StatusSucceeded}); err != nil {
		t.Fatal(err)
	}
	r2 := newRelease(t, s, "a")
	if _, err := s.Pool().Exec(ctx, `UPDATE releases SET blueprint_version = 'v2' WHERE id = $1`, r2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "dying", 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordResourceStatus(ctx, r2.ID, []store.ResourceOutcome{{Address: "terraform_data.a"}}, release.ResourceInProgress); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the lease must run out: there is no clock to move
	if ids, err := s.ReapExpired(ctx); err != nil || len(ids) != 1 {
		t.Fatalf("reaped %v, %v", ids, err)
	}
	rs, err := s.ListResourceStatus(ctx, "a", "")
	if err != nil || len(rs) != 1 {
		t.Fatalf("resource status: %v %+v", err, rs)
	}
	got := rs[0]
	if got.ReleaseStatus != release.ResourceFailed {
		t.Errorf("release status %s, want FAILED", got.ReleaseStatus)
	}
	if got.SyncStatus != release.OutOfSync || got.CurrentBlueprintVersion != "v2" || got.LiveBlueprintVersion != "v1" {
		t.Errorf("versions %s/%s %s, want v2/v1 OUT_OF_SYNC", got.CurrentBlueprintVersion, got.LiveBlueprintVersion, got.SyncStatus)
	}
	if got.CurrentArtifactURL != url || got.LiveArtifactURL != url {
		t.Errorf("artifact %q/%q: a release with no artifact for it must leave it %q", got.CurrentArtifactURL, got.LiveArtifactURL, url)
	}
}
