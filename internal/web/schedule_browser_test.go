package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/scheduler"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// driftConfig is two terraform_data resources: nothing to refresh, so a
// state changed outside terraform shows as a change in the next plan.
const driftConfig = `
resource "terraform_data" "web" {
  input = "v1"
}

resource "terraform_data" "db" {
  input = "v1"
}
`

// scheduledDrift is a harness with a real worker and environment "shop"
// applied once, its state then changed outside terraform (through the
// state backend), and schedule "nightly" (full-plan at 03:30 Berlin time)
// fired on an injected clock; it returns the scheduled plan's release once
// it has run.
func scheduledDrift(t *testing.T) (*harness, *release.Schedule, *release.Release) {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t)
	dir := t.TempDir()
	// the worker reads a dir source as the environment's uid: open it to others
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(driftConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	h.apiCall("POST", "/api/v1/environments", map[string]any{"name": "shop", "source": map[string]string{"dir": dir}}, nil)
	h.startWorker()
	ended := func(id int64) *release.Release {
		var r *release.Release
		testutil.Eventually(t, fmt.Sprintf("release %d ended", id), 120*time.Second, func() bool {
			var err error
			if r, err = h.st.GetRelease(ctx, id); err != nil {
				t.Fatal(err)
			}
			return r.Status.Terminal()
		})
		if r.Status != release.StatusSucceeded {
			t.Fatalf("release %d: %s\n%s", id, r.Status, r.ErrorLog)
		}
		return r
	}
	var applied release.Release
	h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "shop", "template": "terraform-apply"}, &applied)
	ended(applied.ID)
	env, err := h.st.GetEnvironment(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	testutil.TamperState(t, h.st, env.ID, env.Name, applied.ID, "web", "changed by hand")

	var sc release.Schedule
	h.apiCall("POST", "/api/v1/environments/shop/schedules",
		map[string]any{"name": "nightly", "cron": "30 3 * * *", "time_zone": "Europe/Berlin", "template": "full-plan"}, &sc)
	s, err := scheduler.New(scheduler.Config{Store: h.st, Service: h.api.Service(), Now: func() time.Time { return sc.NextAt }})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.FireDue(ctx); err != nil || n != 1 {
		t.Fatalf("FireDue at the tick: %d, %v; want 1", n, err)
	}
	fired, err := h.st.GetSchedule(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return h, fired, ended(fired.LastReleaseID)
}

// In a real Chromium: the home page says the environment drifted, how many
// resources, and links the scheduled plan that found it; the environment's
// settings list the schedule with its next run on Berlin's clock and the
// release it queued; the resource's page says it drifted.
func TestBrowserScheduleAndDrift(t *testing.T) {
	t.Parallel()
	h, sc, plan := scheduledDrift(t)
	ctx := newBrowser(t)
	base := h.srv.URL
	within(t, ctx, 20*time.Second, "signing in",
		chromedp.Navigate(base+"/login#token="+h.tokens["reader"]), chromedp.WaitVisible(chromedp.CSS("#envs")))

	drift := eval[string](t, ctx, `(document.querySelector("#drift-shop") || {}).textContent || ""`)
	if !strings.Contains(drift, "shop drifted: 1 resource no longer as last released") {
		t.Errorf("the home page says %q, want that shop drifted with 1 resource", drift)
	}
	href := eval[string](t, ctx, `(document.querySelector("#drift-shop a[href^='/releases/']") || {}).getAttribute?.("href") || ""`)
	if want := fmt.Sprintf("/releases/%d", plan.ID); href != want {
		t.Errorf("the drift links %q, want the scheduled plan %s", href, want)
	}
	screenshot(t, ctx, "home-drift")

	within(t, ctx, 20*time.Second, "the environment's settings",
		chromedp.Navigate(base+"/environments/shop/settings"), chromedp.WaitVisible(chromedp.CSS("#schedules")))
	row := eval[string](t, ctx, fmt.Sprintf(`(document.querySelector("#schedule-%d") || {}).textContent || ""`, sc.ID))
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	next := sc.NextAt.In(berlin).Format("2006-01-02 15:04 MST")
	for _, want := range []string{"nightly", "30 3 * * *", "Europe/Berlin", "full-plan", next, fmt.Sprintf("#%d", plan.ID)} {
		if !strings.Contains(row, want) {
			t.Errorf("the schedule's row %q does not say %q", row, want)
		}
	}
	if !strings.HasSuffix(next, "03:30 CET") {
		t.Errorf("next run %q, want 03:30 on Berlin's clock", next)
	}
	screenshot(t, ctx, "environment-schedules")

	within(t, ctx, 20*time.Second, "the drifted resource",
		chromedp.Navigate(base+"/environments/shop/resources/terraform_data.web"), chromedp.WaitVisible(chromedp.CSS("#drift")))
	if txt := eval[string](t, ctx, `document.querySelector("#drift").textContent`); !strings.Contains(txt, fmt.Sprintf("#%d", plan.ID)) {
		t.Errorf("the resource page says %q, want the plan #%d that found the drift", txt, plan.ID)
	}
	within(t, ctx, 20*time.Second, "the resource in sync",
		chromedp.Navigate(base+"/environments/shop/resources/terraform_data.db"), chromedp.WaitVisible(chromedp.CSS("dl")))
	if n := eval[int](t, ctx, `document.querySelectorAll("#drift").length`); n != 0 {
		t.Error("the resource nobody changed says it drifted")
	}
}
