package store_test

import (
	"context"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// A release whose worker died while applying (its lease reaped) leaves no
// resource IN_PROGRESS: they are FAILED, wanted at its version, live as
// they were, and their artifact fields untouched by a release that has no
// artifact for them.
func TestReapedApplySettlesItsResources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, r1, _ := leaseSetup(t)
	url := "oci://registry/app:1"
	// What an earlier apply left: the resource live at v1 with its artifact.
	if err := s.RecordResourceStatus(ctx, r1.ID, []store.ResourceOutcome{{Address: "terraform_data.a", ArtifactURL: &url}}, release.ResourceCompleted); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE releases SET blueprint_version = 'v2' WHERE id = $1`, r1.ID); err != nil {
		t.Fatal(err)
	}
	// The apply of v2 starts, and its worker dies.
	if err := s.RecordResourceStatus(ctx, r1.ID, []store.ResourceOutcome{{Address: "terraform_data.a"}}, release.ResourceInProgress); err != nil {
		t.Fatal(err)
	}
	if ids := reap(t, s, clock); len(ids) != 1 || ids[0] != r1.ID {
		t.Fatalf("reaped %v, want release %d", ids, r1.ID)
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
		t.Errorf("artifact %q/%q, want %q left as it was", got.CurrentArtifactURL, got.LiveArtifactURL, url)
	}
}
