package web_test

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// axeSource is axe-core (MPL-2.0, testdata/axe/README.md), loaded into
// each page by the accessibility test; shiplog never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeSerious runs axe-core on the page open in ctx and returns its
// serious and critical violations.
func axeSerious(t testing.TB, ctx context.Context) []axeViolation {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === "object"`) {
		eval[bool](t, ctx, axeSource+"\n;true")
	}
	return eval[[]axeViolation](t, ctx, `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " — " + n.failureSummary) })))`)
}

// colourScheme makes the page's prefers-color-scheme light or dark.
func colourScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	})
}

// TestBrowserAccessibility opens every page in a real Chromium, in the
// light and the dark colour scheme (prefers-color-scheme), and runs
// axe-core on it: no serious or critical violation.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	ctx := newBrowser(t)
	base := h.srv.URL
	fx := h.fx
	id := func(n int64) string { return fmt.Sprint(n) }
	// what this round's pages show: policy verdicts awaiting an override,
	// a plan's failed checks, a paused environment's queue, a webhook's
	// delivery log
	bg := context.Background()
	if err := h.st.RecordPolicyChecks(bg, fx.pending, "policy", []release.PolicyCheck{
		{Policy: "nodelete", Version: 2, Verdict: "deny", Overridable: true, Denials: []string{"aws_db_instance.main would be deleted"}},
		{Policy: "sizes", Version: 1, Verdict: "warn", Warnings: []string{"40 resources are created at once"}}}); err != nil {
		t.Fatal(err)
	}
	checkedPlan, err := os.ReadFile("../plan/testdata/plans/field/failed-check.json")
	if err != nil {
		t.Fatal(err)
	}
	var checked release.Release
	h.apiCall("POST", "/api/v1/environments/prod/plans", checkedPlan, &checked)
	h.queue("prod")
	h.apiCall("POST", "/api/v1/environments/prod/pause", map[string]string{"reason": "quarterly freeze"}, nil)
	admin := service.Caller{Name: "admin", Scopes: []string{"admin"}}
	h.api.Service().AllowPrivateWebhooks(true)
	hook, err := h.api.Service().CreateWebhook(bg, admin, apiwire.WebhookRequest{URL: "http://127.0.0.1:9/hook"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.EnqueueWebhookTest(bg, hook.ID); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path, ready string }{
		{"policy-denied release", "/releases/" + id(fx.pending), "#policy-checks"},
		{"failed checks", "/releases/" + id(checked.ID), "#failed-checks"},
		{"environment queue", "/environments/prod/queue", "#queue"},
		{"webhooks", "/webhooks", "table.deliveries"},
		{"audit", "/audit", "#audit"},
		{"home", "/", "#envs"},
		{"environment releases", "/environments/prod", "table.releases"},
		{"environment resources", "/environments/prod/resources", "details.module"},
		{"environment deployments", "/environments/prod/deployments", "main"},
		{"environment settings", "/environments/prod/settings", "main"},
		{"resource", "/environments/prod/resources/aws_iam_policy.p", "details.change"},
		{"releases", "/releases", "table.releases"},
		{"failed release", "/releases/" + id(fx.failed), "#cause"},
		{"planned release", "/releases/" + id(fx.planned), "#phases-h"},
		{"pending release", "/releases/" + id(fx.pending), "#approve"},
		{"running release", "/releases/" + id(fx.running), "#release"},
		{"logs", "/releases/" + id(fx.failed) + "/logs", "#rows .ln"},
		{"logs searched", "/releases/" + id(fx.failed) + "/logs?q=error", "#rows .ln mark"},
		{"changes", "/releases/" + id(fx.planned) + "/changes", "details.change"},
		{"compare", "/compare?base=" + id(fx.planned) + "&head=" + id(fx.failed), "table.compare"},
		{"artifacts", "/artifacts", "#artifacts"},
		{"error page", "/releases/999999", "main"},
	}
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			within(t, ctx, 20*time.Second, "choosing the colour scheme", colourScheme(scheme))
			within(t, ctx, 20*time.Second, "opening the sign-in page", chromedp.Navigate(base+"/logout-not-a-page"), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#token")))
			if v := axeSerious(t, ctx); len(v) > 0 {
				t.Errorf("sign-in page: %d serious or critical accessibility violations: %+v", len(v), v)
			}
			signInBrowser(t, ctx, base, h.tokens["admin"])
			want := map[string]string{"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}[scheme]
			if bg := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bg != want {
				t.Errorf("prefers-color-scheme %s: the page's background is %s, want %s", scheme, bg, want)
			}
			for _, p := range pages {
				within(t, ctx, 20*time.Second, "opening "+p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
				v := axeSerious(t, ctx)
				for _, x := range v {
					t.Errorf("%s (%s): %s %s — %s:\n  %s", p.name, p.path, x.Impact, x.ID, x.Help, strings.Join(x.Nodes, "\n  "))
				}
			}
			within(t, ctx, 20*time.Second, "signing out", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
		})
	}
}
