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

// A sensitive release variable holding a JSON object, used by a
// configuration that declares nothing sensitive: terraform prints it as
// `jsonencode({...})` and as an object, one `+ key = "value"` line per
// member, and its apply output prints the object again. No member of any
// depth is in any log line, change field or anything else the database
// holds (every page reads from there).
func TestMaskingCoversEachMemberOfAJSONSecret(t *testing.T) {
	const (
		password = "Pw-JS0N-member-secret"
		nested   = "Nested-deep-K3y-value"
		listed   = "L1st-element-secret"
	)
	value := `{"password":"` + password + `","nested":{"k":"` + nested + `","list":["` + listed + `"]},"port":5432}`
	for _, tc := range []struct {
		name string
		hcl  bool
		typ  string
		use  string
	}{
		{name: "structured variable", hcl: true, typ: "any", use: "{ creds = var.creds, doc = jsonencode(var.creds) }"},
		{name: "JSON in a string variable", typ: "string", use: "{ doc = var.creds, back = jsondecode(var.creds) }"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.env("shop", config(t, map[string]string{"main.tf": `
variable "creds" { type = ` + tc.typ + ` }
resource "terraform_data" "app" {
  input = ` + tc.use + `
}
output "creds" { value = var.creds }
`}))
			w := h.worker()
			r := h.release("shop", "terraform-apply", func(r *release.Release) {
				r.Variables = []release.Variable{{Name: "creds", Value: value, Sensitive: true, HCL: tc.hcl}}
			})
			h.runOnce(w)
			if got := h.get(r.ID); got.Status != release.StatusSucceeded {
				t.Fatalf("release: %s\n%s", got.Status, got.ErrorLog)
			}
			text := joinLogs(h.logs(r.ID))
			if !strings.Contains(text, "(sensitive value)") {
				t.Fatalf("nothing was masked:\n%s", text)
			}
			for _, s := range []string{password, nested, listed} {
				if strings.Contains(text, s) {
					t.Errorf("the log shows %q:\n%s", s, text)
				}
				if where := leaks(t, h, s); len(where) > 0 {
					t.Errorf("the database holds %q in clear in %v", s, where)
				}
			}
		})
	}
}
