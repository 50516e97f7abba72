package worker_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Secrets terraform prints escaped, line by line, or as the previous value
// of a rotated variable are masked in the log and in the recorded changes.
func TestMaskingFollowsTerraformsPrinting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	const (
		escaped   = `q"uo\te-S3CRET`
		multiline = "first-LINE-secret\nsecond-LINE-secret"
		oldToken  = "old-T0KEN-value"
		newToken  = "new-T0KEN-value"
	)
	// nothing is declared sensitive: terraform prints every value
	h.env("shop", config(t, map[string]string{"main.tf": `
variable "escaped" { type = string }
variable "multiline" { type = string }
variable "token" { type = string }
resource "terraform_data" "app" {
  input = { escaped = var.escaped, multiline = var.multiline, token = var.token }
}
output "token" { value = var.token }
`}), func(e *release.Environment) {
		e.Variables = []release.Variable{{Name: "escaped", Value: escaped, Sensitive: true},
			{Name: "multiline", Value: multiline, Sensitive: true}, {Name: "token", Value: oldToken, Sensitive: true}}
	})
	w := h.worker()
	r1 := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(r1.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first release: %s\n%s", got.Status, got.ErrorLog)
	}
	// rotate the token: the prior state still holds the old one
	env, err := h.store.GetEnvironment(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	for i := range env.Variables {
		env.Variables[i].Value = map[string]string{"escaped": escaped, "multiline": multiline, "token": newToken}[env.Variables[i].Name]
	}
	if err := h.store.UpdateEnvironment(ctx, env); err != nil {
		t.Fatal(err)
	}
	r2 := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(r2.ID); got.Status != release.StatusSucceeded || got.Summary.Update != 1 {
		t.Fatalf("second release: %s %+v\n%s", got.Status, got.Summary, got.ErrorLog)
	}
	forms := []string{escaped, `q\"uo\\te-S3CRET`, "first-LINE-secret", "second-LINE-secret", oldToken, newToken}
	for _, r := range []*release.Release{r1, r2} {
		text := joinLogs(h.logs(r.ID))
		if !strings.Contains(text, "(sensitive value)") {
			t.Fatalf("release %d: nothing was masked:\n%s", r.ID, text)
		}
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("release %d: the log shows %q:\n%s", r.ID, f, text)
			}
		}
		changes, err := h.store.ListChanges(ctx, r.ID, store.ChangeFilter{})
		if err != nil || len(changes) == 0 {
			t.Fatalf("changes of release %d: %d, %v", r.ID, len(changes), err)
		}
		b, err := json.Marshal(changes)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"first-LINE-secret", "second-LINE-secret", oldToken, newToken, "S3CRET"} {
			if strings.Contains(string(b), f) {
				t.Errorf("release %d: a recorded change holds %q: %s", r.ID, f, b)
			}
		}
	}
}
