package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A release a policy denied shows its policy checks first, says that an
// approval overrides the denial and names the policy on the Approve
// button; one whose policies only warned shows them after its changes.
func TestReleasePageShowsPolicyChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop")
	denied := h.queue("shop")
	h.move(denied.ID, release.StatusQueued, release.StatusInProgress, "")
	if err := h.st.RecordPolicyChecks(ctx, denied.ID, "policy", []release.PolicyCheck{
		{Policy: "nodelete", Version: 2, Verdict: "deny", Overridable: true, Denials: []string{"terraform_data.db would be deleted"}},
		{Policy: "sizes", Version: 1, Verdict: "warn", Warnings: []string{"3 resources are created at once"}},
	}); err != nil {
		t.Fatal(err)
	}
	h.move(denied.ID, release.StatusInProgress, release.StatusPendingApproval, "")
	warned := h.queue("shop")
	if err := h.st.RecordPolicyChecks(ctx, warned.ID, "policy", []release.PolicyCheck{
		{Policy: "sizes", Version: 1, Verdict: "warn", Warnings: []string{"3 resources are created at once"}},
	}); err != nil {
		t.Fatal(err)
	}

	b := h.browser()
	b.signIn("admin")
	_, page, doc := b.get(fmt.Sprintf("/releases/%d", denied.ID))
	sec := find(doc, byID("policy-checks"))
	if len(sec) != 1 {
		t.Fatal("a denied release's page has no policy-checks section")
	}
	txt := text(sec[0])
	for _, want := range []string{"nodelete", "denied (may be overridden)", "terraform_data.db would be deleted", "sizes", "3 resources are created at once"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the policy checks lack %q: %q", want, txt)
		}
	}
	if strings.Index(page, `id="policy-checks"`) > strings.Index(page, `class="facts"`) {
		t.Error("a denial comes after the release's facts, not first")
	}
	if len(find(doc, byID("override-note"))) != 1 {
		t.Error("the page does not say that approving overrides the denial")
	}
	if btn := find(doc, byID("approve")); len(btn) != 1 || !strings.Contains(text(btn[0]), "overriding policy nodelete") {
		t.Errorf("the Approve button does not name the policy it overrides")
	}

	_, page, doc = b.get(fmt.Sprintf("/releases/%d", warned.ID))
	if len(find(doc, byID("policy-checks"))) != 1 {
		t.Fatal("a warned release's page has no policy-checks section")
	}
	if strings.Index(page, `id="policy-checks"`) < strings.Index(page, `id="changes-h"`) {
		t.Error("warnings only come before the changes; they belong after them")
	}
	if len(find(doc, byID("override-note"))) != 0 {
		t.Error("a release no policy denied says an approval overrides a denial")
	}
}
