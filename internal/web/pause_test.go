package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// An admin pauses an environment from its page, with a reason; the page
// and a release waiting in its queue say who paused it and why; a reader
// sees no Pause form; a pause without a reason is refused; Resume ends it.
func TestPauseAndResumeFromTheEnvironmentPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	waiting := h.queue("shop")

	reader := h.browser()
	reader.signIn("reader")
	if _, _, doc := reader.get("/environments/shop"); len(find(doc, byID("pause"))) != 0 {
		t.Error("a reader is offered the Pause form")
	}

	b := h.browser()
	b.signIn("admin")
	if resp := b.post("/environments/shop/pause", url.Values{"reason": {"  "}}, nil); resp.StatusCode != 400 {
		t.Errorf("a pause without a reason: %d, want 400", resp.StatusCode)
	}
	if _, _, doc := b.get("/environments/shop"); len(find(doc, byID("paused"))) != 0 {
		t.Fatal("a refused pause paused the environment")
	}
	if resp := b.post("/environments/shop/pause", url.Values{"reason": {"quarterly freeze"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("pause: %d, want 303", resp.StatusCode)
	}
	_, _, doc := b.get("/environments/shop")
	banner := find(doc, byID("paused"))
	if len(banner) != 1 {
		t.Fatal("the paused environment's page does not say it is paused")
	}
	if txt := text(banner[0]); !strings.Contains(txt, "admin") || !strings.Contains(txt, "quarterly freeze") {
		t.Errorf("the banner says %q, want who (admin) and why", txt)
	}
	_, _, doc = b.get(fmt.Sprintf("/releases/%d", waiting.ID))
	if note := find(doc, byID("env-paused")); len(note) != 1 || !strings.Contains(text(note[0]), "quarterly freeze") {
		t.Error("a release queued in the paused environment does not say why it waits")
	}
	if resp := b.post("/environments/shop/resume", nil, nil); resp.StatusCode != 303 {
		t.Fatalf("resume: %d, want 303", resp.StatusCode)
	}
	if _, _, doc := b.get("/environments/shop"); len(find(doc, byID("paused"))) != 0 {
		t.Error("the resumed environment still says it is paused")
	}
	if _, _, doc := b.get(fmt.Sprintf("/releases/%d", waiting.ID)); len(find(doc, byID("env-paused"))) != 0 {
		t.Error("the queued release still says its environment is paused")
	}
}

// Outside its maintenance windows, an environment's page says when the
// next one opens, and so does a release waiting in its queue; the
// settings list the windows.
func TestMaintenanceWindowShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	now := time.Now().UTC()
	w := release.MaintenanceWindow{Start: now.Add(2 * time.Hour).Format("15:04"), End: now.Add(3 * time.Hour).Format("15:04")}
	var env map[string]any
	h.apiCall("GET", "/api/v1/environments/shop", nil, &env)
	env["maintenance_windows"] = []release.MaintenanceWindow{w}
	h.apiCall("PUT", "/api/v1/environments/shop", env, nil)
	waiting := h.queue("shop")

	b := h.browser()
	b.signIn("reader")
	_, _, doc := b.get("/environments/shop")
	if len(find(doc, byID("window-closed"))) != 1 {
		t.Error("the environment's page does not say it is outside its maintenance windows")
	}
	_, _, doc = b.get(fmt.Sprintf("/releases/%d", waiting.ID))
	if len(find(doc, byID("window-wait"))) != 1 {
		t.Error("a queued release does not say it waits for the maintenance window")
	}
	_, _, doc = b.get("/environments/shop/settings")
	if ws := find(doc, byID("windows")); len(ws) != 1 || !strings.Contains(text(ws[0]), w.String()) {
		t.Errorf("the settings do not list the window %s", w)
	}
}

// The queue tab lists what has not finished in the order it runs, each
// with what it waits for; a queued release is cancelled from there.
func TestQueueTab(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	first, second := h.queue("shop"), h.queue("shop")
	h.apiCall("POST", "/api/v1/environments/shop/pause", map[string]string{"reason": "freeze"}, nil)
	b := h.browser()
	b.signIn("admin")
	_, _, doc := b.get("/environments/shop/queue")
	tbl := find(doc, byID("queue"))
	if len(tbl) != 1 {
		t.Fatal("the queue tab has no queue table")
	}
	rows := find(tbl[0], byTag("tr"))[1:]
	if len(rows) != 2 {
		t.Fatalf("the queue lists %d rows, want 2", len(rows))
	}
	if txt := text(rows[0]); !strings.Contains(txt, fmt.Sprintf("#%d", first.ID)) || !strings.Contains(txt, "resumed (paused by admin: freeze)") {
		t.Errorf("first row %q, want release %d waiting for the resume", txt, first.ID)
	}
	if txt := text(rows[1]); !strings.Contains(txt, fmt.Sprintf("#%d", second.ID)) || !strings.Contains(txt, fmt.Sprintf("release %d, ahead of it", first.ID)) {
		t.Errorf("second row %q, want release %d behind %d", txt, second.ID, first.ID)
	}
	if resp := b.post(fmt.Sprintf("/releases/%d/abort", first.ID), url.Values{"comment": {"not this one"}}, nil); resp.StatusCode != 303 {
		t.Fatalf("cancel: %d, want 303", resp.StatusCode)
	}
	var q apiwire.Queue
	h.apiCall("GET", "/api/v1/environments/shop/queue", nil, &q)
	if len(q.Releases) != 1 || q.Releases[0].Release.ID != second.ID || q.Releases[0].Position != 1 {
		t.Errorf("queue after the cancel %+v, want release %d first", q.Releases, second.ID)
	}
}

// A selective release's page says what was selected and that the rest of
// the configuration was not planned; the list filters by the type.
func TestSelectiveReleaseShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	var rel release.Release
	h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": "shop", "template": "selective-apply",
		"targets": []string{"module.db"}}, &rel)
	if rel.Type != release.TypeSelective {
		t.Fatalf("release type %s, want SELECTIVE", rel.Type)
	}
	h.queue("shop") // a full one, filtered out
	b := h.browser()
	b.signIn("reader")
	_, _, doc := b.get(fmt.Sprintf("/releases/%d", rel.ID))
	sec := find(doc, byID("selective"))
	if len(sec) != 1 || !strings.Contains(text(sec[0]), "module.db") || !strings.Contains(text(sec[0]), "was not planned") {
		t.Error("the selective release's page does not say what was selected and what was not planned")
	}
	if got := listPage(t, b, "/releases?release_type=SELECTIVE"); len(got.ids) != 1 || got.ids[0] != rel.ID {
		t.Errorf("/releases?release_type=SELECTIVE lists %v, want [%d]", got.ids, rel.ID)
	}
}
