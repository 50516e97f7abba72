package api_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// An admin lists people's live sessions (never their ids) and ends one
// person's: those sessions stop working at once, the others do not, and
// the act is audited session.end. Nobody else may do either.
func TestAdminEndsAPersonsSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	sessionHash := func(id string) []byte { s := sha256.Sum256([]byte(id)); return s[:] }
	for id, user := range map[string]string{"laptop": "ana", "phone": "ana", "desk": "ben"} {
		if err := h.st.CreateUserWebSession(ctx, sessionHash(id), user, []string{"platform"}); err != nil {
			t.Fatal(err)
		}
	}

	var all apiwire.UserSessionList
	h.call("GET", "/api/v1/sessions", "admin", nil, 200, &all)
	if len(all.Sessions) != 3 {
		t.Fatalf("sessions %+v, want 3", all.Sessions)
	}
	var anas apiwire.UserSessionList
	h.call("GET", "/api/v1/sessions?user=ana", "admin", nil, 200, &anas)
	if len(anas.Sessions) != 2 || anas.Sessions[0].User != "ana" || strings.Join(anas.Sessions[0].Groups, ",") != "platform" {
		t.Errorf("ana's sessions %+v, want 2 with her groups", anas.Sessions)
	}
	if code, body := h.do("GET", "/api/v1/sessions", "admin", nil); code != 200 || strings.Contains(string(body), "hash") {
		t.Errorf("the listing shows a session's id: %d %s", code, body)
	}

	if e := h.fails("GET", "/api/v1/sessions", "writer", nil, 403); !strings.Contains(e.Error.Message, "admin") {
		t.Errorf("list by a non-admin: %q, want a refusal naming the admin role", e.Error.Message)
	}
	h.fails("DELETE", "/api/v1/users/ana/sessions", "writer", nil, 403)
	if e := h.fails("DELETE", "/api/v1/users/%20/sessions", "admin", nil, 400); e.Error.Field != "name" {
		t.Errorf("an empty name: field %q, want name", e.Error.Field)
	}

	var ended apiwire.EndedSessions
	h.call("DELETE", "/api/v1/users/ana/sessions", "admin", nil, 200, &ended)
	if ended.User != "ana" || ended.Ended != 2 {
		t.Errorf("ended %+v, want ana's 2", ended)
	}
	for _, id := range []string{"laptop", "phone"} {
		if _, err := h.st.WebSessionOwner(ctx, sessionHash(id)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ana's %s session after it was ended: %v, want not found", id, err)
		}
	}
	if ws, err := h.st.WebSessionOwner(ctx, sessionHash("desk")); err != nil || ws.User != "ben" {
		t.Errorf("ben's session after ana's ended: %+v %v", ws, err)
	}
	h.call("DELETE", "/api/v1/users/ana/sessions", "admin", nil, 200, &ended)
	if ended.Ended != 0 {
		t.Errorf("ending ana's sessions again ended %d, want 0", ended.Ended)
	}

	evs, err := h.st.ListAudit(ctx, store.AuditFilter{Kind: "session.end"})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range evs {
		outcomes[e.Outcome]++
		if e.Outcome == "ok" && e.Actor != "admin" {
			t.Errorf("session.end by %q, want admin", e.Actor)
		}
	}
	if outcomes["ok"] != 2 || outcomes["refused"] != 1 {
		t.Errorf("audited session.end: %v, want 2 ok and the empty name refused (a token without the admin scope is turned away before the act)", outcomes)
	}
}
