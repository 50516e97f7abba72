package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// The state versions of an environment: metadata with the release that
// wrote each, newest first, never the state.
func TestStateVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop")
	r := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Template: "terraform-apply"})
	env, err := h.st.GetEnvironment(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, serial := range []string{"1", "2"} {
		body := `{"version":4,"serial":` + serial + `,"lineage":"l-1","outputs":{"pw":{"value":"t0p-s3cret-state","sensitive":true}},
			"resources":[{"mode":"managed","type":"terraform_data","name":"a","instances":[{"attributes":{}}]}]}`
		if _, err := h.st.SaveStateVersion(ctx, store.NewStateVersion{EnvironmentID: env.ID, ReleaseID: r.ID, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	var l apiwire.StateVersionList
	h.call("GET", "/api/v1/environments/shop/states", "reader", nil, 200, &l)
	if len(l.States) != 2 {
		t.Fatalf("%d state versions, want 2", len(l.States))
	}
	if l.States[0].Serial != 2 {
		t.Fatalf("newest serial %d, want 2 (newest first)", l.States[0].Serial)
	}
	v := l.States[0]
	if v.ReleaseID == nil || *v.ReleaseID != r.ID {
		t.Fatalf("release_id %v, want %d", v.ReleaseID, r.ID)
	}
	for what, ok := range map[string]bool{
		"resources 1": v.Resources == 1, "lineage l-1": v.Lineage == "l-1", "a size": v.SizeBytes > 0,
		"a time": !v.CreatedAt.IsZero(), "source backend": v.Source == "backend",
	} {
		if !ok {
			t.Errorf("state version %+v lacks %s", v, what)
		}
	}
	_, raw := h.do("GET", "/api/v1/environments/shop/states", "reader", nil)
	if strings.Contains(string(raw), "t0p-s3cret-state") {
		t.Fatal("the state's content reached the API")
	}
	h.call("GET", "/api/v1/environments/shop/states?limit=1", "reader", nil, 200, &l)
	if len(l.States) != 1 {
		t.Fatalf("limit=1 gave %d versions", len(l.States))
	}
	if e := h.fails("GET", "/api/v1/environments/nope/states", "reader", nil, 404); !strings.Contains(e.Error.Message, "nope") {
		t.Fatalf("unknown environment: %+v", e)
	}
	if e := h.fails("GET", "/api/v1/environments/shop/states?limit=x", "reader", nil, 400); e.Error.Field != "limit" {
		t.Fatalf("bad limit: %+v", e)
	}
}
