package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// succeededUpstream makes staging and production (upstream staging,
// upstream sign-off required) and a SUCCEEDED apply of staging that ran a
// stored blueprint, as a worker leaves one.
func succeededUpstream(t *testing.T) (*harness, *release.Release) {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t)
	h.env("staging")
	h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "production", "source": map[string]string{"dir": t.TempDir()},
		"upstream": "staging", "require_upstream_signoff": true}, nil)
	up := h.queue("staging")
	h.move(up.ID, release.StatusQueued, release.StatusInProgress, "")
	if _, err := h.st.SaveSourcedBlueprint(ctx, store.SourcedBlueprint{Env: "staging", Version: "sha256:0123456789ab", Archive: []byte("tar"), Origin: store.OriginDir}); err != nil {
		t.Fatal(err)
	}
	if err := h.st.SetBlueprintVersion(ctx, up.ID, "sha256:0123456789ab"); err != nil {
		t.Fatal(err)
	}
	h.move(up.ID, release.StatusInProgress, release.StatusSucceeded, "")
	return h, up
}

// In Chromium: production's page lists staging's release as not yet
// promoted and, until it is signed off, offers no Promote (the release's
// page says why); once signed off, Promote on production's page queues a
// promotion that links back to the release it promotes, and the list
// shows the promotion on its way.
func TestBrowserPromotion(t *testing.T) {
	t.Parallel()
	h, up := succeededUpstream(t)
	ctx := newBrowser(t)
	base := h.srv.URL
	within(t, ctx, 20*time.Second, "signing in",
		chromedp.Navigate(base+"/login#token="+h.tokens["admin"]), chromedp.WaitVisible(chromedp.CSS("#envs")))
	within(t, ctx, 20*time.Second, "production's page", chromedp.Navigate(base+"/environments/production"),
		chromedp.WaitVisible(chromedp.CSS("#unpromoted")))
	row := eval[string](t, ctx, `document.querySelector("#unpromoted tbody tr").innerText`)
	if !strings.Contains(row, fmt.Sprintf("#%d", up.ID)) || !strings.Contains(row, "sign it off first") {
		t.Errorf("the not-yet-promoted row says %q, want release #%d and that it needs a sign-off", row, up.ID)
	}
	if eval[bool](t, ctx, fmt.Sprintf(`!!document.getElementById("promote-%d")`, up.ID)) {
		t.Error("production offers Promote for a release not signed off")
	}
	screenshot(t, ctx, "promotion-needs-signoff")

	within(t, ctx, 20*time.Second, "the release's page", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, up.ID)),
		chromedp.WaitVisible(chromedp.CSS("#promote-production")))
	if !eval[bool](t, ctx, `document.getElementById("promote-production").disabled`) {
		t.Error("the release page's Promote to production is enabled before the sign-off")
	}
	if why := eval[string](t, ctx, `document.getElementById("promote-production-why").innerText`); !strings.Contains(why, "not signed off") {
		t.Errorf("the release page says %q next to Promote, want why (not signed off)", why)
	}

	h.apiCall("POST", fmt.Sprintf("/api/v1/releases/%d/signoff", up.ID), map[string]any{"status": "APPROVED", "comment": "ok in staging"}, nil)
	within(t, ctx, 20*time.Second, "promoting from production's page", chromedp.Navigate(base+"/environments/production"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#promote-%d", up.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#promote-%d", up.ID))),
		chromedp.WaitVisible(chromedp.CSS("#promoted-from")))
	from := eval[string](t, ctx, `document.getElementById("promoted-from").innerText`)
	if !strings.Contains(from, fmt.Sprintf("#%d", up.ID)) {
		t.Errorf("the promotion's page says promoted from %q, want #%d", from, up.ID)
	}
	blueprint := eval[string](t, ctx, `document.body.innerText`)
	if !strings.Contains(blueprint, "sha256:0123456789ab") {
		t.Error("the promotion's page does not show staging's blueprint")
	}
	promoID := eval[string](t, ctx, `location.pathname.split("/").pop()`)
	screenshot(t, ctx, "promotion")

	within(t, ctx, 20*time.Second, "production's page again", chromedp.Navigate(base+"/environments/production"),
		chromedp.WaitVisible(chromedp.CSS("#unpromoted")))
	if row := eval[string](t, ctx, `document.querySelector("#unpromoted tbody tr").innerText`); !strings.Contains(row, "promotion #"+promoID) {
		t.Errorf("the not-yet-promoted row says %q, want the queued promotion #%s", row, promoID)
	}
	within(t, ctx, 20*time.Second, "the upstream release's page", chromedp.Navigate(fmt.Sprintf("%s/releases/%d", base, up.ID)),
		chromedp.WaitVisible(chromedp.CSS("#promoted-to")))
	if to := eval[string](t, ctx, `document.getElementById("promoted-to").innerText`); to != "#"+promoID {
		t.Errorf("the upstream release says promoted to %q, want #%s", to, promoID)
	}
}

// Over HTTP: a promotion of a release not signed off is a 409 naming the
// release to sign off, an unknown environment a 400 naming the field, and
// an upstream that does not exist a 400 on upstream; none changes anything.
func TestPromotionAPIRefusals(t *testing.T) {
	t.Parallel()
	h, up := succeededUpstream(t)
	for _, tc := range []struct {
		name, method, path string
		body               string
		status             int
		says               string
	}{
		{"not signed off", "POST", fmt.Sprintf("/api/v1/releases/%d/promote", up.ID), `{}`, 409, fmt.Sprintf("shiplog release signoff %d", up.ID)},
		{"unknown environment", "POST", fmt.Sprintf("/api/v1/releases/%d/promote", up.ID), `{"environment":"nowhere"}`, 400, `environment`},
		{"unknown field", "POST", fmt.Sprintf("/api/v1/releases/%d/promote", up.ID), `{"env":"production"}`, 400, `env`},
		{"missing upstream", "POST", "/api/v1/environments", `{"name":"prod-eu","source":{"dir":"/"},"upstream":"nope"}`, 400, `upstream`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.request(tc.method, tc.path, tc.body, "admin")
			if status != tc.status {
				t.Errorf("status %d, want %d: %s", status, tc.status, body)
			}
			if !strings.Contains(body, tc.says) {
				t.Errorf("%s does not say %q", body, tc.says)
			}
		})
	}
	var u struct {
		Releases []struct{ ID int64 } `json:"releases"`
	}
	h.apiCall("GET", "/api/v1/environments/production/unpromoted", nil, &u)
	if len(u.Releases) != 1 || u.Releases[0].ID != up.ID {
		t.Errorf("not yet promoted after the refusals: %+v, want only release %d", u.Releases, up.ID)
	}
}
