package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// withHistory is a harness whose environment "shop" has a finished
// release, a state version and an output.
func withHistory(t *testing.T) (*harness, *release.Release) {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop")
	r := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Template: "terraform-apply"})
	h.claim(r.ID)
	h.finish(r.ID, release.StatusInProgress, release.StatusSucceeded)
	env, err := h.st.GetEnvironment(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"version":4,"serial":1,"lineage":"l-1","resources":[]}`
	if _, err := h.st.SaveStateVersion(ctx, store.NewStateVersion{EnvironmentID: env.ID, ReleaseID: r.ID, Body: []byte(body)}); err != nil {
		t.Fatal(err)
	}
	if err := h.st.ReplaceOutputs(ctx, r.ID, []release.Output{{Name: "url", Value: "https://shop.example", Type: "string"}}); err != nil {
		t.Fatal(err)
	}
	return h, r
}

func TestDeleteEnvironment(t *testing.T) {
	t.Parallel()
	t.Run("unknown environment is 404", func(t *testing.T) {
		h := newHarness(t)
		e := h.fails("DELETE", "/api/v1/environments/nope", "admin", nil, 404)
		if !strings.Contains(e.Error.Message, "nope") {
			t.Fatalf("message %q does not name the environment", e.Error.Message)
		}
	})
	t.Run("admin scope only", func(t *testing.T) {
		h := newHarness(t)
		h.env("shop")
		for _, tok := range []string{"reader", "writer", "pipeline", "approver"} {
			h.fails("DELETE", "/api/v1/environments/shop", tok, nil, 403)
		}
		h.call("GET", "/api/v1/environments/shop", "reader", nil, 200, nil)
	})
	t.Run("bad force is 400 naming force", func(t *testing.T) {
		h := newHarness(t)
		h.env("shop")
		if e := h.fails("DELETE", "/api/v1/environments/shop?force=maybe", "admin", nil, 400); e.Error.Field != "force" {
			t.Fatalf("field %q, want force", e.Error.Field)
		}
	})
	t.Run("without history it is deleted", func(t *testing.T) {
		h := newHarness(t)
		h.env("shop")
		var d apiwire.EnvironmentDeleted
		h.call("DELETE", "/api/v1/environments/shop", "admin", nil, 200, &d)
		if d != (apiwire.EnvironmentDeleted{Environment: "shop"}) {
			t.Fatalf("answer %+v, want shop with no history", d)
		}
		h.fails("GET", "/api/v1/environments/shop", "reader", nil, 404)
		h.env("shop") // the name is free again
	})
	for _, status := range []release.Status{release.StatusQueued, release.StatusInProgress, release.StatusPendingApproval} {
		t.Run("refused while a release is "+string(status), func(t *testing.T) {
			h := newHarness(t)
			h.env("shop")
			r := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Template: "terraform-apply"})
			if status != release.StatusQueued {
				h.claim(r.ID)
			}
			if status == release.StatusPendingApproval {
				h.finish(r.ID, release.StatusInProgress, release.StatusPendingApproval)
			}
			for _, q := range []string{"", "?force=true"} {
				e := h.fails("DELETE", "/api/v1/environments/shop"+q, "admin", nil, 409)
				if !strings.Contains(e.Error.Message, fmt.Sprintf("release %d %s", r.ID, status)) {
					t.Fatalf("%s: message %q does not name release %d %s", q, e.Error.Message, r.ID, status)
				}
			}
			if got := h.get(r.ID); got.Status != status {
				t.Fatalf("release status %s after the refused delete, want %s", got.Status, status)
			}
		})
	}
	t.Run("history needs force", func(t *testing.T) {
		h, r := withHistory(t)
		e := h.fails("DELETE", "/api/v1/environments/shop", "admin", nil, 409)
		if !strings.Contains(e.Error.Message, "1 releases, 1 state versions, 1 outputs") {
			t.Fatalf("message %q does not count the history", e.Error.Message)
		}
		if !strings.Contains(e.Error.Message, "force") {
			t.Fatalf("message %q does not say force", e.Error.Message)
		}
		if got := h.get(r.ID); got.Status != release.StatusSucceeded {
			t.Fatalf("release %d is %s after the refused delete", r.ID, got.Status)
		}
		var sl apiwire.StateVersionList
		h.call("GET", "/api/v1/environments/shop/states", "reader", nil, 200, &sl)
		if len(sl.States) != 1 {
			t.Fatalf("%d state versions after the refused delete, want 1", len(sl.States))
		}
	})
	t.Run("a deleted environment's releases are 404 at once, cached or not", func(t *testing.T) {
		h, r := withHistory(t)
		testutil.Eventually(t, "the release listener to connect", time.Minute, func() bool {
			_, m := h.do("GET", "/metrics", "", nil)
			return strings.Contains(string(m), "shiplog_log_listener_up 1")
		})
		h.get(r.ID) // cached now: the listener is up
		h.call("DELETE", "/api/v1/environments/shop?force=true", "admin", nil, 200, nil)
		h.fails("GET", fmt.Sprintf("/api/v1/releases/%d", r.ID), "reader", nil, 404)
	})
	t.Run("force deletes the history with it", func(t *testing.T) {
		h, r := withHistory(t)
		var d apiwire.EnvironmentDeleted
		h.call("DELETE", "/api/v1/environments/shop?force=true", "admin", nil, 200, &d)
		want := apiwire.EnvironmentDeleted{Environment: "shop", Releases: 1, StateVersions: 1, Outputs: 1}
		if d != want {
			t.Fatalf("answer %+v, want %+v", d, want)
		}
		h.fails("GET", "/api/v1/environments/shop", "reader", nil, 404)
		h.fails("GET", fmt.Sprintf("/api/v1/releases/%d", r.ID), "reader", nil, 404)
		h.env("shop")
		var sl apiwire.StateVersionList
		h.call("GET", "/api/v1/environments/shop/states", "reader", nil, 200, &sl)
		if len(sl.States) != 0 {
			t.Fatalf("a new shop has %d state versions of the deleted one", len(sl.States))
		}
	})
}
