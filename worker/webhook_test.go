package worker_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
)

// receiver is a webhook endpoint that checks each request's signature by
// the Standard Webhooks specification, with code of its own (not
// shiplog's), and keeps the events it accepted in order.
type receiver struct {
	t      *testing.T
	secret []byte
	mu     sync.Mutex
	events []string
	ids    []string
	bad    []string
	// fail answers 500 to the first fail requests.
	fail int
	seen int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	m := hmac.New(sha256.New, rc.secret)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	ok := false
	for _, s := range strings.Fields(sigs) {
		if v, found := strings.CutPrefix(s, "v1,"); found && hmac.Equal([]byte(v), []byte(want)) {
			ok = true
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !ok {
		rc.bad = append(rc.bad, id)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.seen++
	if rc.seen <= rc.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var p struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("payload %s: %v", body, err)
	}
	rc.events = append(rc.events, p.Type)
	rc.ids = append(rc.ids, id)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.events...)
}

// subscribe makes a subscription to every event of every environment and
// a receiver holding its secret.
func subscribe(t *testing.T, h *harness) (*receiver, *httptest.Server) {
	t.Helper()
	svc := h.service()
	svc.AllowPrivateWebhooks(true) // the receiver is on loopback
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	hook, err := svc.CreateWebhook(context.Background(), policyAdmin, apiwire.WebhookRequest{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(hook.Secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = key
	return rc, srv
}

// A real release that waits for approval, is approved, applies and is
// signed off reaches the receiver as every one of its events, in order,
// each correctly signed.
func TestWebhooksFollowARealRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	rc, _ := subscribe(t, h)
	h.env("shop", namedConfig(t, "v1", 1), func(e *release.Environment) { e.ApprovalRequired = true })
	w := h.worker()
	rel := h.release("shop", "terraform-apply")
	h.runOnce(w)
	svc := h.service()
	if err := svc.Approve(ctx, policyAdmin, rel.ID, "go"); err != nil {
		t.Fatal(err)
	}
	h.runOnce(w)
	if err := svc.SignOff(ctx, policyAdmin, rel.ID, release.SignOffApproved, "looks right"); err != nil {
		t.Fatal(err)
	}
	d := &webhook.Dispatcher{Store: h.store, AllowPrivate: true}
	want := []string{"release.created", "release.started", "release.pending_approval", "release.approved", "release.queued",
		"release.started", "release.succeeded", "release.signed_off"}
	testutil.Eventually(t, "every event delivered", 30*time.Second, func() bool {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return len(rc.got()) >= len(want)
	})
	if got := rc.got(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", got, want)
	}
	if len(rc.bad) > 0 {
		t.Errorf("%d requests failed the signature check", len(rc.bad))
	}
	var clear int
	if err := h.store.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_subscriptions WHERE secret LIKE 'whsec_%'`).Scan(&clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Error("a signing secret is stored in clear")
	}
}

// A receiver that fails three times gets the delivery again from a new
// dispatcher (a restarted server), with the same message id, and the log
// says how each attempt went.
func TestWebhookRetriesSurviveARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	rc, _ := subscribe(t, h)
	rc.fail = 3
	h.env("shop", namedConfig(t, "v1", 1))
	h.release("shop", "terraform-apply")
	first := &webhook.Dispatcher{Store: h.store, AllowPrivate: true, Backoff: time.Millisecond}
	testutil.Eventually(t, "three failed attempts", 30*time.Second, func() bool {
		if _, err := first.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.seen >= 3
	})
	restarted := &webhook.Dispatcher{Store: h.store, AllowPrivate: true, Backoff: time.Millisecond}
	testutil.Eventually(t, "the delivery after the restart", 30*time.Second, func() bool {
		if _, err := restarted.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return len(rc.got()) == 1
	})
	hooks, err := h.store.ListWebhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := h.store.ListWebhookDeliveries(ctx, hooks[0].ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != "delivered" || ds[0].Attempts != 4 || ds[0].MessageID != rc.ids[0] {
		t.Errorf("delivery log %+v, want one delivered in 4 attempts with message id %s", ds, rc.ids[0])
	}
}

// A subscription to a loopback address is refused unless the operator
// allows it, and a dispatcher that does not allow it does not connect.
func TestWebhookRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	svc := h.service()
	_, err := svc.CreateWebhook(ctx, policyAdmin, apiwire.WebhookRequest{URL: "http://127.0.0.1:9/hook"})
	if !isKind(err, service.Invalid) || !strings.Contains(err.Error(), "private") {
		t.Errorf("a loopback subscription: %v, want refused as private", err)
	}
	rc, _ := subscribe(t, h) // allowed at creation
	h.env("shop", namedConfig(t, "v1", 1))
	h.release("shop", "terraform-apply")
	strict := &webhook.Dispatcher{Store: h.store, MaxAttempts: 1}
	if _, err := strict.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rc.got(); len(got) != 0 {
		t.Errorf("a dispatcher that does not allow private addresses delivered %v", got)
	}
	hooks, _ := h.store.ListWebhooks(ctx)
	ds, err := h.store.ListWebhookDeliveries(ctx, hooks[0].ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != "failed" || !strings.Contains(ds[0].LastError, "private") {
		t.Errorf("delivery log %+v, want one failed naming the private address", ds)
	}
}

// A rejected release tells subscribers it was rejected, never approved
// (a rejection records its decider where an approval does).
func TestWebhookRejectionIsNotAnApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	rc, _ := subscribe(t, h)
	h.env("shop", namedConfig(t, "v1", 1), func(e *release.Environment) { e.ApprovalRequired = true })
	w := h.worker()
	rel := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if err := h.service().Reject(ctx, policyAdmin, rel.ID, "not now"); err != nil {
		t.Fatal(err)
	}
	d := &webhook.Dispatcher{Store: h.store, AllowPrivate: true}
	want := []string{"release.created", "release.started", "release.pending_approval", "release.rejected"}
	testutil.Eventually(t, "every event delivered", 30*time.Second, func() bool {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return len(rc.got()) >= len(want)
	})
	if got := rc.got(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", got, want)
	}
}
