package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// The /releases page and GET /api/v1/releases page through one query
// type and one cursor: the page's "Older" link continues in the API.
func TestReleasePagesShareTheAPICursor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	var ids []int64
	for range 3 {
		ids = append(ids, h.queue("shop").ID)
	}
	b := h.browser()
	b.signIn("reader")
	status, _, doc := b.get("/releases?limit=2&status=QUEUED&environment=shop&template=")
	if status != 200 {
		t.Fatalf("GET /releases: %d", status)
	}
	var older string
	for _, a := range find(doc, byTag("a")) {
		if attr(a, "rel") == "next" {
			older = attr(a, "href")
		}
	}
	if older == "" {
		t.Fatal("a page of 2 of 3 releases has no Older link")
	}
	u, err := url.Parse(older)
	if err != nil {
		t.Fatal(err)
	}
	var list apiwire.ReleaseList
	h.apiCall("GET", "/api/v1/releases?"+u.RawQuery, nil, &list)
	if len(list.Releases) != 1 || list.Releases[0].ID != ids[0] {
		got := []string{}
		for _, r := range list.Releases {
			got = append(got, fmt.Sprint(r.ID))
		}
		t.Errorf("the API with the page's Older query listed releases [%s], want [%d]", strings.Join(got, " "), ids[0])
	}
	status, body, _ := b.get("/releases" + older) // the link is relative to /releases
	if status != 200 {
		t.Fatalf("GET /releases%s: %d", older, status)
	}
	if !strings.Contains(body, fmt.Sprintf("/releases/%d", ids[0])) {
		t.Errorf("the Older page does not show release %d", ids[0])
	}
}
