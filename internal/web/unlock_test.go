package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// The settings tab shows a held state lock; an admin (and only an admin)
// gets the Unlock form, which needs a reason, and force while the lock's
// release has not ended, and leads to the UNLOCK release's page saying
// which lock, whose, by whom and why.
func TestUnlockFromTheEnvironmentPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	holder := h.queue("shop")
	h.move(holder.ID, release.StatusQueued, release.StatusInProgress, "")
	env, err := h.st.GetEnvironment(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.st.LockState(context.Background(), env.ID, holder.ID, []byte(`{"ID":"lock-7f","Operation":"OperationTypeApply"}`)); err != nil {
		t.Fatal(err)
	}
	reader := h.browser()
	reader.signIn("reader")
	_, _, doc := reader.get("/environments/shop/settings")
	if lock := find(doc, byID("state-lock")); len(lock) != 1 || !strings.Contains(text(lock[0]), "lock-7f") {
		t.Fatal("the settings tab does not show the state lock")
	}
	if len(find(doc, byID("unlock"))) != 0 {
		t.Error("a reader is offered Unlock")
	}
	b := h.browser()
	b.signIn("admin")
	if _, _, doc := b.get("/environments/shop/settings"); len(find(doc, byID("unlock"))) != 1 {
		t.Fatal("an admin is not offered Unlock")
	}
	if resp := b.post("/environments/shop/unlock", url.Values{"lock_id": {"lock-7f"}, "reason": {" "}}, nil); resp.StatusCode != 400 {
		t.Errorf("an unlock without a reason: %d, want 400", resp.StatusCode)
	}
	if resp := b.post("/environments/shop/unlock", url.Values{"lock_id": {"lock-7f"}, "reason": {"terraform was killed"}}, nil); resp.StatusCode != 409 {
		t.Errorf("unlocking the lock of a release still IN_PROGRESS without force: %d, want 409", resp.StatusCode)
	}
	resp := b.post("/environments/shop/unlock", url.Values{"lock_id": {"lock-7f"}, "reason": {"terraform was killed"}, "force": {"on"}}, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("unlock: %d, want 303", resp.StatusCode)
	}
	_, _, doc = b.get(resp.Header.Get("Location"))
	rec := find(doc, byID("unlocked"))
	if len(rec) != 1 {
		t.Fatalf("the page after the unlock (%s) does not show the unlock", resp.Header.Get("Location"))
	}
	for _, want := range []string{"lock-7f", "#" + strconv.FormatInt(holder.ID, 10), "admin", "terraform was killed"} {
		if !strings.Contains(text(rec[0]), want) {
			t.Errorf("the unlock release says %q, missing %q", text(rec[0]), want)
		}
	}
	if _, _, doc := b.get("/environments/shop/settings"); !strings.Contains(text(find(doc, byID("state-lock"))[0]), "not locked") {
		t.Error("the settings tab still shows the lock")
	}
}
