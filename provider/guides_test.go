package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// recipe is one file of examples/guides/gating, which the gating guide
// shows as it is.
func recipe(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", "guides", "gating", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every recipe of the gating guide runs, as the guide shows it, with the
// real terraform against a real server holding real releases; the gates
// stop the plan when what they guard is not so.
func TestAccGatingGuideRecipes(t *testing.T) {
	accEnv(t)
	f := newFixture(t)
	f.runWorker(t)
	guide, err := os.ReadFile(filepath.Join("..", "docs", "guides", "gating.md"))
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join("..", "examples", "guides", "gating", "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range names {
		// the guide shows the file as it is (make generate)
		if !strings.Contains(string(guide), strings.TrimSpace(recipe(t, filepath.Base(p)))) {
			t.Errorf("docs/guides/gating.md does not show %s as it is: run make generate", p)
		}
	}
	checks := map[string][]statecheck.StateCheck{
		"last-release.tf":   {statecheck.ExpectKnownValue("terraform_data.deploy_after_production", at("input"), knownvalue.Int64Exact(f.prod.ID))},
		"bad-day.tf":        {statecheck.ExpectKnownValue("terraform_data.deploy_after_a_good_day", at("input"), knownvalue.Int64Exact(0))},
		"health.tf":         {str("terraform_data.deploy_when_healthy", "input", "production")},
		"outputs.tf":        {str("terraform_data.web_client", "input", f.artifact.URI)},
		"deployed-where.tf": {statecheck.ExpectKnownOutputValue("web_in_production", knownvalue.StringExact(f.artifact.URI))},
		"trigger.tf": {
			str("shiplog_release.staging", "status", "SUCCEEDED"),
			str("shiplog_artifact.web", "artifact_uri", "registry.example.com/shop/web:2.1.0"),
		},
	}
	for _, p := range names {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			want, ok := checks[name]
			if !ok {
				t.Fatalf("the gating guide shows %s, which this test does not check: add its checks", name)
			}
			run(t, step(f.writer(recipe(t, name)), want...))
		})
	}

	t.Run("the health gate stops the plan of a degraded environment", func(t *testing.T) {
		if _, err := f.admin.ReportHealth(context.Background(), "production", "terraform_data.web", release.Degraded); err != nil {
			t.Fatal(err)
		}
		run(t, resource.TestStep{Config: f.writer(recipe(t, "health.tf")), PlanOnly: true,
			ExpectError: regexp.MustCompile(`production has degraded resources`)})
	})
}

// The promotion guide's recipe runs as the guide shows it: before the
// staging release is signed off its precondition stops the plan naming the
// release; after, it promotes that release to production, which then ran
// staging's blueprint.
func TestAccPromotionGuideRecipe(t *testing.T) {
	accEnv(t)
	ctx := context.Background()
	s := newServer(t)
	s.runWorker(t)
	body, err := os.ReadFile(filepath.Join("..", "examples", "guides", "promotion", "promote.tf"))
	if err != nil {
		t.Fatal(err)
	}
	guide, err := os.ReadFile(filepath.Join("..", "docs", "guides", "promotion.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(guide), strings.TrimSpace(string(body))) {
		t.Error("docs/guides/promotion.md does not show examples/guides/promotion/promote.tf as it is: run make generate")
	}
	s.environment(t, "staging", `resource "terraform_data" "web" { input = "staging's configuration" }`)
	s.environment(t, "production", `resource "terraform_data" "other" { input = "production's own directory" }`)
	prod, err := s.admin.GetEnvironment(ctx, "production")
	if err != nil {
		t.Fatal(err)
	}
	req := apiwire.EnvironmentRequest{Name: "production", Source: prod.Source, Upstream: "staging", RequireUpstreamSignOff: true}
	if _, err := s.admin.UpdateEnvironment(ctx, req); err != nil {
		t.Fatal(err)
	}
	up := s.queue(t, "staging")
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if got, err := s.admin.AwaitRelease(wctx, up.ID, 50*time.Millisecond, release.Status.Terminal); err != nil || got.Status != release.StatusSucceeded {
		t.Fatalf("staging release: %v %v", got, err)
	}
	run(t, fails(s.writer(string(body)), errRe(fmt.Sprintf("Release %d of staging is not signed off", up.ID))))
	if _, err := s.admin.SignOff(ctx, up.ID, release.SignOffApproved, "checked"); err != nil {
		t.Fatal(err)
	}
	run(t, step(s.writer(string(body)),
		statecheck.ExpectKnownValue("shiplog_release.production", at("promote_from"), knownvalue.Int64Exact(up.ID)),
		str("shiplog_release.production", "status", "SUCCEEDED")))
	rs, err := s.admin.ListResourceStatus(ctx, "production", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Address != "terraform_data.web" {
		t.Errorf("production's resources %+v, want staging's terraform_data.web only", rs)
	}
}
