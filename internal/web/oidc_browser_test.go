package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// TestBrowserSignInWithIdentityProvider: a person signs in through a real
// OpenID Connect provider on loopback (mockoidc: its authorization endpoint
// signs in the queued user), in Chromium. As a member of
// staging-approvers, bound to approver on staging, they see the Approve
// button on staging's waiting release and approve it — recorded under
// their name — but not on production's, where an approval is refused
// naming the role and the environment.
func TestBrowserSignInWithIdentityProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idp, st, a, base := oidcPages(t, "Acme SSO")

	// waiting creates a release of env waiting for approval before apply
	waiting := func(env string) int64 {
		t.Helper()
		r := &release.Release{Environment: env, Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "ci",
			Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan}, {Name: "apply", Action: release.ActionApply, Options: release.PhaseOptions{ApprovalRequired: true}}}}
		if err := st.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, mv := range [][2]release.Status{{release.StatusQueued, release.StatusInProgress}, {release.StatusInProgress, release.StatusPendingApproval}} {
			if err := st.Transition(ctx, store.StatusChange{ID: r.ID, From: mv[0], To: mv[1], LeaseOwner: "w", LeaseFor: time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
		return r.ID
	}
	pending := map[string]int64{}
	for _, env := range []string{"staging", "production"} {
		if err := st.CreateEnvironment(ctx, &release.Environment{Name: env, Source: release.Source{Dir: "/srv/" + env}}); err != nil {
			t.Fatal(err)
		}
		pending[env] = waiting(env)
	}
	admin := service.Caller{Name: "root", Scopes: []string{"admin"}}
	for _, g := range []apiwire.RoleBindingRequest{
		{SubjectKind: "group", Subject: "staging-approvers", Role: apiwire.RoleApprover, Environment: "staging"},
		{SubjectKind: "group", Subject: "engineers", Role: apiwire.RoleViewer, Environment: "*"},
	} {
		if _, err := a.Service().GrantRole(ctx, admin, g); err != nil {
			t.Fatal(err)
		}
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "dana@example.com", PreferredUsername: "dana", Groups: []string{"staging-approvers", "engineers"}})

	b := newBrowser(t)
	stagingURL := fmt.Sprintf("%s/releases/%d", base, pending["staging"])
	within(t, b, 30*time.Second, "signing in through the provider's login",
		chromedp.Navigate(stagingURL), chromedp.WaitVisible(chromedp.CSS("#oidc-login")),
		chromedp.Click(chromedp.CSS("#oidc-login")), chromedp.WaitVisible(chromedp.CSS(".who")))
	if got := eval[string](t, b, "location.pathname"); got != fmt.Sprintf("/releases/%d", pending["staging"]) {
		t.Fatalf("after signing in the browser is at %s, want back at the staging release's page", got)
	}
	if who := eval[string](t, b, `document.querySelector(".who .tok").textContent`); !strings.Contains(who, "dana") || !strings.Contains(who, "approver on staging") {
		t.Errorf("the top bar says %q, want dana, approver on staging", who)
	}
	if eval[bool](t, b, `!!document.querySelector('a[href="/audit"]') || !!document.querySelector('a[href="/webhooks"]')`) {
		t.Error("the top bar links the Audit or Webhooks page (admins only) for a staging approver")
	}
	if !eval[bool](t, b, `!!document.querySelector("#approve")`) {
		t.Fatal("no Approve button on staging's waiting release for a staging approver")
	}
	if eval[bool](t, b, `!!document.querySelector("#abort-open") || !!document.querySelector("#rollback")`) {
		t.Error("an approver sees a deployer's buttons (Abort, Roll back) on staging")
	}

	// the overview lists both waiting releases (dana views every
	// environment) but offers Approve on staging's only
	within(t, b, 30*time.Second, "opening the overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".attention")))
	approvable := eval[[]string](t, b, `[...document.querySelectorAll(".attention form[action$='/approve']")].map(f => f.getAttribute("action"))`)
	if want := fmt.Sprintf("/releases/%d/approve", pending["staging"]); len(approvable) != 1 || approvable[0] != want {
		t.Errorf("the overview offers Approve for %v, want only %s (staging's)", approvable, want)
	}
	if !eval[bool](t, b, fmt.Sprintf(`!!document.querySelector('.attention a[href="/releases/%d"]')`, pending["production"])) {
		t.Error("the overview does not list production's waiting release to a viewer of every environment")
	}

	within(t, b, 30*time.Second, "approving on staging",
		chromedp.Navigate(stagingURL), chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.SendKeys(chromedp.CSS(`input[name="comment"]`), "ship it"), chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	rel, err := st.GetRelease(ctx, pending["staging"])
	if err != nil {
		t.Fatal(err)
	}
	if rel.Status != release.StatusQueued || rel.Approval.By != "dana" {
		t.Errorf("staging release after the approval: %s approved by %q, want QUEUED approved by dana (the person, not a token)", rel.Status, rel.Approval.By)
	}

	within(t, b, 30*time.Second, "opening production's waiting release",
		chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, pending["production"])), chromedp.WaitVisible(chromedp.CSS("#phases-h")))
	if eval[bool](t, b, `!!document.querySelector("#approve") || !!document.querySelector("#reject-open")`) {
		t.Error("an Approve or Reject button on production's waiting release for a staging approver")
	}
	got := eval[string](t, b, fmt.Sprintf(`fetch("/releases/%d/approve", {method: "POST", body: new URLSearchParams({comment: "sneaky"})})
		.then(async r => r.status + " " + (await r.text()))`, pending["production"]))
	if !strings.HasPrefix(got, "403 ") || !strings.Contains(got, "needs the approver role on environment production") || !strings.Contains(got, "dana") {
		t.Errorf("approving production from the page answered %.300s\nwant 403 naming the approver role on production", got)
	}
	if rel, _ := st.GetRelease(ctx, pending["production"]); rel.Status != release.StatusPendingApproval {
		t.Errorf("production release is %s after a refused approval, want still PENDING_APPROVAL", rel.Status)
	}
	evs, err := st.ListAudit(ctx, store.AuditFilter{Actor: "dana"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind+":"+e.Outcome)
	}
	if all := strings.Join(kinds, " "); !strings.Contains(all, "session.sign_in:ok") || !strings.Contains(all, "release.approve:ok") || !strings.Contains(all, "release.approve:refused") {
		t.Errorf("dana's audit events are %s, want a sign-in, an approval and a refused approval", all)
	}
	within(t, b, 30*time.Second, "signing out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#oidc-login")))
	if evs, err := st.ListAudit(ctx, store.AuditFilter{Actor: "dana", Kind: "session.sign_out"}); err != nil || len(evs) != 1 {
		t.Errorf("dana's sign-out audited %d times (%v), want once under her name", len(evs), err)
	}
	if code := eval[int](t, b, fmt.Sprintf(`fetch("/releases/%d", {redirect: "manual"}).then(r => r.type === "opaqueredirect" ? 303 : r.status)`, pending["staging"])); code != 303 {
		t.Errorf("after sign-out the release page answers %d, want a redirect to sign in", code)
	}

	// dana leaves staging-approvers at the provider: at the next sign-in the
	// group's role is gone, so staging's next waiting release has no Approve
	again := waiting("staging")
	idp.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "dana@example.com", PreferredUsername: "dana", Groups: []string{"engineers"}})
	within(t, b, 30*time.Second, "signing in again without the group",
		chromedp.Click(chromedp.CSS("#oidc-login")), chromedp.WaitVisible(chromedp.CSS(".who")),
		chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, again)), chromedp.WaitVisible(chromedp.CSS("#phases-h")))
	if who := eval[string](t, b, `document.querySelector(".who .tok").textContent`); strings.Contains(who, "approver") {
		t.Errorf("after leaving staging-approvers at the provider the top bar says %q, want no approver role", who)
	}
	if eval[bool](t, b, `!!document.querySelector("#approve")`) {
		t.Error("an Approve button on staging after the person left staging-approvers at the provider")
	}
	got = eval[string](t, b, fmt.Sprintf(`fetch("/releases/%d/approve", {method: "POST", body: new URLSearchParams({comment: "still me"})})
		.then(async r => r.status + " " + (await r.text()))`, again))
	if !strings.HasPrefix(got, "403 ") || !strings.Contains(got, "needs the approver role on environment staging") {
		t.Errorf("approving on staging after leaving the group answered %.300s\nwant 403 naming the approver role on staging", got)
	}
}
