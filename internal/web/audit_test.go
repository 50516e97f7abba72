package web_test

import (
	"strconv"
	"strings"
	"testing"
)

// The audit page shows an approval refused to a reader, to an admin only.
func TestAuditPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	rel := h.queue("shop")
	b := h.browser()
	b.signIn("admin")
	status, body, doc := b.get("/audit?environment=shop")
	if status != 200 {
		t.Fatalf("GET /audit as admin: %d", status)
	}
	rows := find(doc, byID("audit"))
	if len(rows) != 1 {
		t.Fatal("no #audit table")
	}
	table := text(rows[0])
	for _, want := range []string{"release.create", "admin", "ok"} {
		if !strings.Contains(table, want) {
			t.Errorf("the audit table lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(body, "/releases/"+strconv.FormatInt(rel.ID, 10)) {
		t.Errorf("the audit table does not link release %d", rel.ID)
	}
	r := h.browser()
	r.signIn("reader")
	if status, _, _ := r.get("/audit"); status != 403 {
		t.Errorf("GET /audit as a reader: %d, want 403", status)
	}
}
