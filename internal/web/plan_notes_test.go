package web_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A recorded plan whose checks failed shows them first, before the facts,
// with their messages; one with deferred changes lists each with the
// reason in words. The plans are the field corpus's (internal/plan).
func TestReleasePageShowsPlanNotes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	record := func(file string) *release.Release {
		body, err := os.ReadFile("../plan/testdata/plans/field/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var rel release.Release
		h.apiCall("POST", "/api/v1/environments/shop/plans", body, &rel)
		return &rel
	}
	b := h.browser()
	b.signIn("reader")

	checked := record("failed-check.json")
	if len(checked.FailedChecks) != 1 {
		t.Fatalf("the API's release has failed_checks %+v, want check.ha", checked.FailedChecks)
	}
	_, page, doc := b.get(fmt.Sprintf("/releases/%d", checked.ID))
	sec := find(doc, byID("failed-checks"))
	if len(sec) != 1 {
		t.Fatal("the page of a plan with a failed check has no failed-checks section")
	}
	if txt := text(sec[0]); !strings.Contains(txt, "check.ha") || !strings.Contains(txt, "at least 2 are needed for high availability") {
		t.Errorf("the failed-checks section says %q, want check.ha and its message", txt)
	}
	if strings.Index(page, `id="failed-checks"`) > strings.Index(page, `class="facts"`) {
		t.Error("the failed checks come after the release's facts, not first")
	}

	deferred := record("deferred.json")
	_, _, doc = b.get(fmt.Sprintf("/releases/%d", deferred.ID))
	tbl := find(doc, byID("deferred-changes"))
	if len(tbl) != 1 {
		t.Fatal("the page of a plan with deferred changes has no deferred-changes table")
	}
	txt := text(tbl[0])
	for _, want := range []string{"aws_instance.web[*]", "its configuration uses values not known until apply", "kubernetes_namespace.apps", "its provider's configuration is not known until apply"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the deferred-changes table lacks %q: %q", want, txt)
		}
	}
	if len(find(doc, byID("failed-checks"))) != 0 {
		t.Error("a plan with no failed check shows a failed-checks section")
	}
}
