package web_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// TestFlashIsNotInTheAddress: an action's outcome shows once on the next
// page, carried by a cookie, never in the URL.
func TestFlashIsNotInTheAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	page := fmt.Sprintf("/releases/%d", h.fx.pending)
	b := h.browser()
	b.signIn("approver")
	resp := b.post(page+"/approve", url.Values{"comment": {"ok"}}, nil)
	if loc := resp.Header.Get("Location"); loc != page {
		t.Errorf("approve leads to %q, want %q (no flash in the address)", loc, page)
	}
	_, _, doc := b.get(page)
	if got := find(doc, func(n *html.Node) bool { return attr(n, "class") == "flash" }); len(got) != 1 || text(got[0]) != "Approved." {
		t.Errorf("the next page should say Approved. once, got %d flashes", len(got))
	}
	_, _, doc = b.get(page)
	if got := find(doc, func(n *html.Node) bool { return attr(n, "class") == "flash" }); len(got) != 0 {
		t.Errorf("reloaded, the flash shows again")
	}
}

// TestRejectAndAbortNeedAReason: the forms ask for a reason; a post
// without one is a 400 naming the field, and nothing changes.
func TestRejectAndAbortNeedAReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("admin")
	for _, c := range []struct {
		action string
		id     int64
		status release.Status
	}{{"reject", h.fx.pending, release.StatusPendingApproval}, {"abort", h.fx.running, release.StatusInProgress}} {
		page := fmt.Sprintf("/releases/%d", c.id)
		_, _, doc := b.get(page)
		inputs := find(doc, byID(c.action+"-reason"))
		if len(inputs) != 1 || !hasAttr(inputs[0], "required") {
			t.Errorf("%s: want a required reason field behind %s…", c.action, c.action)
		}
		resp, err := b.c.PostForm(h.srv.URL+page+"/"+c.action, url.Values{"comment": {"  "}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "comment: say why you "+c.action) {
			t.Errorf("%s without a reason: %d, want 400 naming the comment", c.action, resp.StatusCode)
		}
		if st, err := h.st.ReleaseStatus(context.Background(), c.id); err != nil || st != c.status {
			t.Errorf("%s without a reason changed the release to %s (%v)", c.action, st, err)
		}
	}
	resp := b.post(fmt.Sprintf("/releases/%d/reject", h.fx.pending), url.Values{"comment": {"wrong window"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("reject with a reason: %d, want 303", resp.StatusCode)
	}
	r, err := h.api.Release(context.Background(), h.fx.pending)
	if err != nil || r.Status != release.StatusRejected || r.Approval.Comment != "wrong window" {
		t.Errorf("after reject: %+v (%v), want REJECTED with the reason", r, err)
	}
	_, _, doc := b.get(fmt.Sprintf("/releases/%d", h.fx.pending))
	if len(find(doc, byID("signoff"))) != 0 {
		t.Errorf("a rejected release offers a sign-off form")
	}
	if v := find(doc, byID("verdict")); len(v) != 1 || !strings.Contains(text(v[0]), "Rejected by admin") || !strings.Contains(text(v[0]), "wrong window") {
		t.Errorf("the approval section should give the verdict, who and why")
	}
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// TestResponsesAreCompressed: pages and assets are gzip-compressed for a
// client that accepts it, and plain for one that does not.
func TestResponsesAreCompressed(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	for _, path := range []string{"/", fmt.Sprintf("/releases/%d", h.fx.failed), h.pages.AssetPath("app.js"), h.pages.AssetPath("app.css")} {
		for _, enc := range []string{"gzip, deflate, br", ""} {
			req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
			if enc != "" {
				req.Header.Set("Accept-Encoding", enc) // set by hand: the client leaves the body as sent
			}
			tr := &http.Transport{DisableCompression: true}
			c := &http.Client{Jar: b.c.Jar, Transport: tr}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := resp.Header.Get("Content-Encoding")
			if enc == "" {
				if got != "" {
					t.Errorf("GET %s without Accept-Encoding: Content-Encoding %q, want none", path, got)
				}
				continue
			}
			if got != "gzip" {
				t.Errorf("GET %s accepting gzip: Content-Encoding %q, want gzip", path, got)
				continue
			}
			zr, err := gzip.NewReader(strings.NewReader(string(raw)))
			if err != nil {
				t.Errorf("GET %s: not gzip: %v", path, err)
				continue
			}
			plain, err := io.ReadAll(zr)
			if err != nil || len(plain) <= len(raw) {
				t.Errorf("GET %s: %d bytes compressed to %d (%v)", path, len(plain), len(raw), err)
			}
		}
	}
}

// TestNeedsAttentionGroupsResources: 120 degraded resources are one line
// of their environment with counts, a few names and a link to the rest.
func TestNeedsAttentionGroupsResources(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	h.degrade("prod", 120)
	b := h.browser()
	b.signIn("reader")
	_, _, doc := b.get("/")
	groups := find(doc, func(n *html.Node) bool { return attr(n, "class") == "att resource" })
	if len(groups) != 1 {
		t.Fatalf("want one line for prod's resources, got %d", len(groups))
	}
	txt := text(groups[0])
	if !strings.Contains(txt, "prod: 121 resources need attention") || !strings.Contains(txt, "121 degraded") {
		t.Errorf("the line reads %q, want prod's 121 degraded resources counted", txt)
	}
	names := find(groups[0], func(n *html.Node) bool { return n.Data == "a" && strings.Contains(attr(n, "href"), "/resources/") })
	var got []string
	for _, n := range names {
		got = append(got, text(n))
	}
	if strings.Join(got, ",") != "aws_s3_bucket.logs,kubernetes_pod.node[0],kubernetes_pod.node[1]" {
		t.Errorf("the resources named are %q, want the first 3 in natural order", got)
	}
	if !strings.Contains(txt, "118 more →") {
		t.Errorf("want the other 118 one link away, got %q", txt)
	}
}

// degrade records n resources of env and reports them degraded.
func (h *harness) degrade(env string, n int) {
	h.t.Helper()
	ctx := context.Background()
	r := h.queue(env)
	var outs []store.ResourceOutcome
	for i := range n {
		outs = append(outs, store.ResourceOutcome{Address: fmt.Sprintf("kubernetes_pod.node[%d]", i)})
	}
	if err := h.st.RecordResourceStatus(ctx, r.ID, outs, release.ResourceCompleted); err != nil {
		h.t.Fatal(err)
	}
	h.move(r.ID, release.StatusQueued, release.StatusInProgress, "")
	h.move(r.ID, release.StatusInProgress, release.StatusSucceeded, "")
	for _, o := range outs {
		if err := h.st.ReportHealth(ctx, env, o.Address, release.Degraded); err != nil {
			h.t.Fatal(err)
		}
	}
}

// TestArtifactsPage: the top bar's Artifacts is a page, filtered like the
// API, with a bad cursor a 400 naming it.
func TestArtifactsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	status, _, doc := b.get("/artifacts?app_name=web")
	if status != 200 {
		t.Fatalf("GET /artifacts: %d", status)
	}
	var uris []string
	for _, n := range find(doc, func(n *html.Node) bool { return n.Data == "td" && attr(n, "class") == "mono" }) {
		uris = append(uris, text(n))
	}
	if len(uris) == 0 || !strings.Contains(strings.Join(uris, " "), "registry.example.com/shop/web:1.4.2") {
		t.Errorf("the artifacts page lists %q, want the queued releases' artifact", uris)
	}
	if _, _, doc := b.get("/artifacts?app_name=nope"); len(find(doc, func(n *html.Node) bool { return attr(n, "class") == "empty" })) != 1 {
		t.Errorf("an app with no artifact should say no artifact matches")
	}
	if status, body, _ := b.get("/artifacts?cursor=x"); status != 400 || !strings.Contains(body, "cursor") {
		t.Errorf("a bad cursor: %d, want 400 naming it", status)
	}
	_, _, doc = b.get("/")
	if links := find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/artifacts" }); len(links) != 1 {
		t.Errorf("the top bar should link the artifacts page")
	}
}

// TestLargeChangeSetIsCollapsedAndPaginated: a plan of 230 changes shows
// 100 a page, each collapsed to one line.
func TestLargeChangeSetIsCollapsedAndPaginated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("big")
	var rcs []string
	for i := range 230 {
		rcs = append(rcs, fmt.Sprintf(`{"address":"terraform_data.n[%d]","mode":"managed","type":"terraform_data","name":"n","index":%d,
			"provider_name":"terraform.io/builtin/terraform","change":{"actions":["create"],"before":null,"after":{"input":"v%d"},
			"after_unknown":{"id":true,"output":true},"before_sensitive":false,"after_sensitive":{}}}`, i, i, i))
	}
	plan := `{"format_version":"1.2","terraform_version":"1.11.4","applyable":true,"complete":true,"errored":false,"resource_changes":[` + strings.Join(rcs, ",") + `]}`
	var r release.Release
	h.apiCall("POST", "/api/v1/environments/big/plans?template=full-plan", []byte(plan), &r)
	b := h.browser()
	b.signIn("reader")
	page := fmt.Sprintf("/releases/%d/changes", r.ID)
	_, body, doc := b.get(page)
	changes := find(doc, func(n *html.Node) bool { return n.Data == "details" && attr(n, "class") == "change" })
	if len(changes) != 100 {
		t.Errorf("the first page shows %d changes, want 100", len(changes))
	}
	for _, c := range changes {
		if hasAttr(c, "open") {
			t.Errorf("change %s is expanded on a page of 100, want each collapsed", attr(c, "id"))
			break
		}
	}
	next := find(doc, func(n *html.Node) bool { return n.Data == "a" && strings.Contains(text(n), "next page") })
	if len(next) != 1 {
		t.Fatalf("want a link to the next page")
	}
	t.Logf("first page: %d KB of HTML for 100 of 230 changes", len(body)/1024)
	_, _, doc = b.get("/releases/" + fmt.Sprint(r.ID) + "/changes" + attr(next[0], "href"))
	if n := len(find(doc, func(n *html.Node) bool { return n.Data == "details" && attr(n, "class") == "change" })); n != 100 {
		t.Errorf("the second page shows %d changes, want the next 100", n)
	}
}

// TestResourcesTabNaturalOrderAndTotals: node[2] comes before node[10],
// and a module's count is of all its resources, not of the page's.
func TestResourcesTabNaturalOrderAndTotals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("fleet")
	h.degrade("fleet", 120)
	b := h.browser()
	b.signIn("reader")
	_, _, doc := b.get("/environments/fleet/resources?limit=50")
	var addrs []string
	for _, n := range find(doc, func(n *html.Node) bool {
		return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/environments/fleet/resources/")
	}) {
		addrs = append(addrs, text(n))
	}
	if len(addrs) != 50 || addrs[2] != "kubernetes_pod.node[2]" || addrs[10] != "kubernetes_pod.node[10]" || addrs[49] != "kubernetes_pod.node[49]" {
		t.Errorf("the first page lists %d resources %q…, want node[0] to node[49] in natural order", len(addrs), addrs[:min(len(addrs), 12)])
	}
	sums := find(doc, func(n *html.Node) bool { return n.Data == "summary" })
	if len(sums) != 1 || !strings.Contains(text(sums[0]), "· 120 (50 on this page)") {
		t.Errorf("the module's summary should count its 120 resources, 50 on this page")
	}
}

// TestReleasesFilterByTypeAndEnvironment: /releases filters by release
// type and environment, like the API's release_type and environment.
func TestReleasesFilterByTypeAndEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	ids := func(path string) []string {
		t.Helper()
		status, body, doc := b.get(path)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		var out []string
		for _, n := range find(doc, func(n *html.Node) bool {
			return n.Data == "a" && strings.HasPrefix(text(n), "#") && strings.HasPrefix(attr(n, "href"), "/releases/")
		}) {
			out = append(out, text(n))
		}
		return out
	}
	if got := ids("/releases?release_type=PLAN"); strings.Join(got, ",") != fmt.Sprintf("#%d", h.fx.planned) {
		t.Errorf("release_type=PLAN lists %v, want only the recorded plan #%d", got, h.fx.planned)
	}
	if got := ids("/releases?release_type=APPLY&environment=prod"); strings.Join(got, ",") != fmt.Sprintf("#%d", h.fx.failed) {
		t.Errorf("APPLY releases of prod: %v, want #%d", got, h.fx.failed)
	}
	if status, body, _ := b.get("/releases?release_type=NOPE"); status != 400 || !strings.Contains(body, "release_type") {
		t.Errorf("an unknown release type: %d, want 400 naming release_type", status)
	}
	_, _, doc := b.get("/releases")
	if len(find(doc, func(n *html.Node) bool { return attr(n, "name") == "environment" })) != 1 || len(find(doc, func(n *html.Node) bool { return attr(n, "name") == "release_type" })) != 1 {
		t.Errorf("/releases should offer environment and release type filters")
	}
	_, _, doc = b.get("/environments/prod")
	if len(find(doc, func(n *html.Node) bool { return attr(n, "name") == "environment" })) != 0 {
		t.Errorf("an environment's own list should not offer another environment")
	}
}
