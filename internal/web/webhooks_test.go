package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// The webhooks page lists each subscription with its delivery log, and
// never its secret; it is for admins.
func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	svc := h.api.Service()
	svc.AllowPrivateWebhooks(true)
	hook, err := svc.CreateWebhook(ctx, service.Caller{Name: "admin", Scopes: []string{"admin"}},
		apiwire.WebhookRequest{URL: "http://127.0.0.1:9/hook", Environments: []string{"prod-*"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := h.st.EnqueueWebhookTest(ctx, hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.st.RecordWebhookAttempt(ctx, d.ID, store.Attempt{Status: 503, Err: "the receiver answered 503 Service Unavailable", LatencyMS: 12}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.signIn("admin")
	status, body, doc := b.get("/webhooks")
	if status != 200 {
		t.Fatalf("GET /webhooks: %d", status)
	}
	sec := find(doc, byID(fmt.Sprintf("hook-%d", hook.ID)))
	if len(sec) != 1 || !strings.Contains(text(sec[0]), "127.0.0.1:9/hook") {
		t.Fatal("the page does not list the subscription")
	}
	for _, want := range []string{"webhook.test", "failed", "503", "12 ms", "environments prod-*"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, hook.Secret) {
		t.Error("the page shows the signing secret")
	}
	reader := h.browser()
	reader.signIn("reader")
	if status, _, _ := reader.get("/webhooks"); status != 403 {
		t.Errorf("a reader's /webhooks: %d, want 403", status)
	}
}
