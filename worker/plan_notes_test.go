package worker_test

import (
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A check block whose assertion fails in the real terraform's plan is on
// the release: the plan still applies (a check never blocks), and the
// release says which check failed and why.
func TestFailedCheckIsOnTheRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", config(t, map[string]string{"main.tf": `
resource "terraform_data" "web" {
  input = 1
}

check "replicas" {
  assert {
    condition     = terraform_data.web.input >= 2
    error_message = "the service runs 1 replica: at least 2 are needed for high availability"
  }
}
`}))
	w := h.worker()
	rel := h.release("shop", "full-plan")
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("release %s, want SUCCEEDED (a failed check does not block)\n%s", got.Status, got.ErrorLog)
	}
	if len(got.FailedChecks) != 1 {
		t.Fatalf("failed checks %+v, want check.replicas", got.FailedChecks)
	}
	fc := got.FailedChecks[0]
	if fc.Address != "check.replicas" {
		t.Errorf("failed check address %q, want check.replicas", fc.Address)
	}
	if fc.Status != "fail" {
		t.Errorf("failed check status %q, want fail", fc.Status)
	}
	if len(fc.Problems) != 1 || !strings.Contains(fc.Problems[0], "at least 2 are needed") {
		t.Errorf("failed check problems %q, want the assertion's message", fc.Problems)
	}
}
