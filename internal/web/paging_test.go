package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

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

// A listed page of /releases: the releases it shows, its Newer and Older
// links, and the total it states.
type listedPage struct {
	ids          []int64
	newer, older string
	total        string
}

func listPage(t *testing.T, b *browser, path string) listedPage {
	t.Helper()
	status, _, doc := b.get(path)
	if status != 200 {
		t.Fatalf("GET %s: %d", path, status)
	}
	var p listedPage
	for _, a := range find(doc, byTag("a")) {
		switch attr(a, "rel") {
		case "next":
			p.older = attr(a, "href")
		case "prev":
			p.newer = attr(a, "href")
		}
		var id int64
		if _, err := fmt.Sscanf(attr(a, "href"), "/releases/%d", &id); err == nil && strings.HasPrefix(text(a), "#") {
			p.ids = append(p.ids, id)
		}
	}
	for _, s := range find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "class") == "total" }) {
		p.total = text(s)
	}
	return p
}

// The release list pages both ways: Newer goes back page by page to the
// first page (full, not the few left above), and the total counts what
// the filters select, not the page.
func TestReleaseListPagesNewerAndOlder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop")
	h.env("other")
	var ids []int64 // oldest first
	for range 7 {
		ids = append(ids, h.queue("shop").ID)
	}
	h.queue("other") // filtered out: not counted
	b := h.browser()
	b.signIn("reader")
	want := func(p listedPage, where string, idx ...int) {
		t.Helper()
		var w []int64
		for _, i := range idx {
			w = append(w, ids[i])
		}
		if fmt.Sprint(p.ids) != fmt.Sprint(w) {
			t.Errorf("%s lists %v, want %v", where, p.ids, w)
		}
	}
	first := listPage(t, b, "/releases?environment=shop&limit=3")
	want(first, "the first page", 6, 5, 4)
	if first.total != "7 releases" {
		t.Errorf("the first page says %q, want %q", first.total, "7 releases")
	}
	if first.newer != "" {
		t.Errorf("the first page has a Newer link: %s", first.newer)
	}
	second := listPage(t, b, "/releases"+first.older)
	want(second, "the second page", 3, 2, 1)
	last := listPage(t, b, "/releases"+second.older)
	want(last, "the last page", 0)
	if last.older != "" {
		t.Errorf("the last page has an Older link: %s", last.older)
	}
	back := listPage(t, b, "/releases"+last.newer)
	want(back, "Newer from the last page", 3, 2, 1)
	top := listPage(t, b, "/releases"+back.newer)
	want(top, "Newer from the second page", 6, 5, 4)
	if top.newer != "" {
		t.Errorf("Newer back to the newest shows a Newer link: %s", top.newer)
	}
	for q, total := range map[string]string{"status=QUEUED": "7 releases", "status=FAILED": "0 releases", "status=FAILED&status=QUEUED": "7 releases"} {
		if got := listPage(t, b, "/releases?environment=shop&"+q).total; got != total {
			t.Errorf("/releases?environment=shop&%s says %q, want %q", q, got, total)
		}
	}
	// the API pages the same way, with prev_cursor
	u, err := url.Parse(second.older)
	if err != nil {
		t.Fatal(err)
	}
	var list apiwire.ReleaseList
	h.apiCall("GET", "/api/v1/releases?"+u.RawQuery, nil, &list)
	if list.PrevCursor == "" {
		t.Fatal("the API's last page has no prev_cursor")
	}
	var prev apiwire.ReleaseList
	h.apiCall("GET", "/api/v1/releases?environment=shop&limit=3&cursor="+url.QueryEscape(list.PrevCursor), nil, &prev)
	var got []int64
	for _, r := range prev.Releases {
		got = append(got, r.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint([]int64{ids[3], ids[2], ids[1]}) {
		t.Errorf("the API's prev_cursor lists %v, want %v", got, []int64{ids[3], ids[2], ids[1]})
	}
}
