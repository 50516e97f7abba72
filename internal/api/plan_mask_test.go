package api_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// An uploaded plan is masked with every marked value known: the value only
// a later delete's before_sensitive marks is not stored in clear in the
// change that sorts first, by either upload route; the plan, read a second
// time for that mark, is stored once.
func TestUploadedPlanMasksBeforeOnlySecret(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../plan/testdata/secret-before-delete.json")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.env("prod")
	var planned release.Release
	h.call("POST", "/api/v1/environments/prod/plans", "writer", string(data), 201, &planned)
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	var pr apiwire.PlanResult
	h.call("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", string(data), 200, &pr)
	for _, id := range []int64{planned.ID, rel.ID} {
		code, body := h.do("GET", fmt.Sprintf("/api/v1/releases/%d/changes", id), "reader", nil)
		if code != 200 {
			t.Fatalf("release %d changes: %d %s", id, code, body)
		}
		if !strings.Contains(string(body), "terraform_data.alpha") {
			t.Fatalf("release %d: the changes lack terraform_data.alpha: %s", id, body)
		}
		if strings.Contains(string(body), "Pq77") {
			t.Errorf("release %d: a stored change shows the secret: %s", id, body)
		}
		// read twice (plan.OpenOnce), stored once
		if n := strings.Count(string(body), `"address":"terraform_data.alpha"`); n != 1 {
			t.Errorf("release %d: terraform_data.alpha is listed %d times, want 1: %s", id, n, body)
		}
	}
}
