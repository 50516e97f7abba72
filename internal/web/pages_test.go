package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// TestEveryPageRenders executes every page's template on the fixtures and
// parses what it wrote: each answers 200 with one script (ours) and no
// script, handler attribute or link smuggled in by recorded text.
func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("admin")
	fx := h.fx
	addr := url.PathEscape(`module.net.aws_instance.web["<script>alert(1)</script>"]`)
	paths := []string{
		"/", "/releases", "/releases?status=FAILED&status=SUCCEEDED&deployment_type=REGULAR&created_after=2020-01-01",
		"/environments/prod", "/environments/prod/resources", "/environments/prod/deployments", "/environments/prod/settings",
		"/environments/prod/resources/" + addr,
		fmt.Sprintf("/releases/%d", fx.planned), fmt.Sprintf("/releases/%d", fx.failed), fmt.Sprintf("/releases/%d", fx.pending), fmt.Sprintf("/releases/%d", fx.running),
		fmt.Sprintf("/releases/%d/logs", fx.failed), fmt.Sprintf("/releases/%d/logs?phase=plan", fx.planned), fmt.Sprintf("/releases/%d/logs?phase=", fx.failed),
		fmt.Sprintf("/releases/%d/logs", fx.running), fmt.Sprintf("/releases/%d/logs", fx.pending),
		fmt.Sprintf("/releases/%d/changes", fx.planned), fmt.Sprintf("/releases/%d/changes?kind=output", fx.planned),
		fmt.Sprintf("/releases/%d/changes?action=replace&module=module.net", fx.planned),
		fmt.Sprintf("/compare?base=%d&head=%d", fx.planned, fx.failed),
		"/artifacts", "/artifacts?app_name=web&deployed_to=prod",
		"/login",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			status, body, doc := b.get(p)
			if status != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200; body:\n%s", p, status, body)
			}
			if len(find(doc, byTag("main"))) != 1 {
				t.Errorf("GET %s: want one <main>", p)
			}
			scripts := find(doc, byTag("script"))
			if len(scripts) != 1 || !strings.HasPrefix(attr(scripts[0], "src"), "/static/") {
				t.Errorf("GET %s: want exactly one script, ours from /static/; got %d", p, len(scripts))
			}
			for _, n := range find(doc, func(n *html.Node) bool { return true }) {
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						t.Errorf("GET %s: <%s> has a handler attribute %s=%q", p, n.Data, a.Key, a.Val)
					}
					if a.Key == "href" && strings.Contains(a.Val, "evil.example") {
						t.Errorf("GET %s: a link to %q came from recorded text", p, a.Val)
					}
				}
			}
			for _, n := range find(doc, byTag("img")) {
				t.Errorf("GET %s: an <img> (src %q) came from recorded text", p, attr(n, "src"))
			}
			if strings.Contains(body, "s3cret-value") || strings.Contains(body, "hunter2-secret") || strings.Contains(body, "hunter3-secret") || strings.Contains(body, "k3y-secret") {
				t.Errorf("GET %s: a sensitive value is in the page", p)
			}
		})
	}
}

func TestFailedReleaseShowsErrorAndTailFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	status, body, doc := b.get(fmt.Sprintf("/releases/%d", h.fx.failed))
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	banner := find(doc, byID("cause"))
	if len(banner) != 1 {
		t.Fatalf("want one error banner, got %d", len(banner))
	}
	if !strings.Contains(text(banner[0]), "<img src=x onerror=alert(2)>") {
		t.Errorf("the banner should hold the whole error log as text, got %q", text(banner[0]))
	}
	var summaries []string
	for _, n := range find(banner[0], func(n *html.Node) bool { return attr(n, "class") == "summary" }) {
		summaries = append(summaries, text(n))
	}
	if want := []string{"Error: Failed to query available provider packages", `Error: <b>not bold</b> & "quoted"`}; strings.Join(summaries, "|") != strings.Join(want, "|") {
		t.Errorf("the diagnostics read %q, want %q", summaries, want)
	}
	tail := find(doc, byID("failed-tail"))
	if len(tail) != 1 {
		t.Fatalf("want the failed phase's last lines inline")
	}
	spans := find(tail[0], func(n *html.Node) bool { return n.Data == "span" && strings.Contains(attr(n, "class"), "tl") })
	if len(spans) != 15 {
		t.Errorf("want init's last 15 lines of output (its diagnostics shown above them), got %d", len(spans))
	}
	if last := text(spans[len(spans)-1]); last != "80 init line 80" {
		t.Errorf("the last output line should be init's line 80, got %q", last)
	}
	for _, n := range find(banner[0], byTag("b")) {
		if !strings.HasPrefix(attr(n, "class"), "sev-") {
			t.Errorf("log text became markup: <b>%s</b>", text(n))
		}
	}
	if n := strings.Count(body, "Failed to query available provider packages"); n != 1 {
		t.Errorf("the page holds the error %d times, want once", n)
	}
	links := find(doc, func(n *html.Node) bool {
		return n.Data == "a" && strings.HasSuffix(attr(n, "href"), "logs?phase=init#L82")
	})
	if len(links) == 0 {
		t.Errorf("want a link to the init log at its last line (#L82)")
	}
	for _, want := range []string{"b-42", "registry.example.com/shop/web:1.4.2", "abc123", "terraform-apply", "(sensitive)", "replicas"} {
		if !strings.Contains(body, want) {
			t.Errorf("the details page should show %q", want)
		}
	}
	for _, n := range find(doc, func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "st-row-failed") }) {
		if !strings.Contains(text(n), "init") {
			t.Errorf("the failed phase row should be init, got %q", text(n))
		}
	}
}

// TestTimedOutReleaseNamesLimitAndApplied: a release whose apply ran past
// its timeout says the limit and which resources were applied before it
// (the lines as the worker and terraform write them).
func TestTimedOutReleaseNamesLimitAndApplied(t *testing.T) {
	h := newHarness(t)
	h.env("prod")
	ctx := context.Background()
	r := h.queue("prod")
	h.move(r.ID, release.StatusQueued, release.StatusInProgress, "")
	for i := range 3 {
		if err := h.st.StartPhase(ctx, r.ID, i); err != nil {
			t.Fatal(err)
		}
		if err := h.st.FinishPhase(ctx, r.ID, i, release.PhaseSucceeded, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.st.StartPhase(ctx, r.ID, 3); err != nil {
		t.Fatal(err)
	}
	seq := h.logLines(r.ID, "apply", 1, "terraform_data.a: Creating...", "terraform_data.a: Creation complete after 0s [id=a1]",
		"terraform_data.b: Creating...", "terraform_data.b: Still creating... [10s elapsed]")
	sys := []release.LogEntry{
		{ReleaseID: r.ID, Phase: "apply", Seq: seq, Time: time.Now().UTC(), Stream: release.System, Text: "phase apply ran past its timeout of 2m30s: terraform was interrupted", DeploymentType: release.DeploymentRegular},
		{ReleaseID: r.ID, Phase: "apply", Seq: seq + 1, Time: time.Now().UTC(), Stream: release.System, Text: "phase apply timed out: timed out: the phase ran past its timeout", DeploymentType: release.DeploymentRegular},
	}
	if err := h.st.AppendLogs(ctx, sys); err != nil {
		t.Fatal(err)
	}
	if err := h.st.FinishPhase(ctx, r.ID, 3, release.PhaseTimedOut, "timed out: the phase ran past its timeout"); err != nil {
		t.Fatal(err)
	}
	h.move(r.ID, release.StatusInProgress, release.StatusTimedOut, "timed out: the phase ran past its timeout during phase apply")
	b := h.browser()
	b.signIn("reader")
	_, _, doc := b.get(fmt.Sprintf("/releases/%d", r.ID))
	limit := find(doc, byID("timeout"))
	if len(limit) != 1 || !strings.Contains(text(limit[0]), "2m30s") {
		t.Errorf("want the limit (2m30s) named, got %d elements", len(limit))
	}
	applied := find(doc, byID("applied"))
	if len(applied) != 1 {
		t.Fatalf("want what was applied before the limit")
	}
	if got := text(applied[0]); !strings.Contains(got, "1 resource finished") || !strings.Contains(got, "terraform_data.a: Creation complete after 0s [id=a1]") || strings.Contains(got, "terraform_data.b") {
		t.Errorf("applied before the limit reads %q, want terraform_data.a only", got)
	}
}

func TestLogsPageEscapesAndNumbersPerPhase(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	t.Run("default phase is the one that ended the release", func(t *testing.T) {
		_, _, doc := b.get(fmt.Sprintf("/releases/%d/logs", h.fx.failed))
		log := find(doc, byID("log"))
		if len(log) != 1 || attr(log[0], "data-phase") != "init" || attr(log[0], "data-lines") != "82" {
			t.Fatalf("want the init log of 82 lines, got phase %q lines %q", attr(log[0], "data-phase"), attr(log[0], "data-lines"))
		}
		rows := find(doc, func(n *html.Node) bool { return strings.HasPrefix(attr(n, "class"), "ln") })
		if len(rows) != 82 || attr(find(rows[0], byTag("a"))[0], "href") != "#L1" {
			t.Errorf("want 82 rows numbered from #L1, got %d", len(rows))
		}
	})
	t.Run("running release opens its running phase, live", func(t *testing.T) {
		_, _, doc := b.get(fmt.Sprintf("/releases/%d/logs", h.fx.running))
		log := find(doc, byID("log"))[0]
		if attr(log, "data-phase") != "init" || attr(log, "data-live") != "1" {
			t.Errorf("want init, live; got phase %q live %q", attr(log, "data-phase"), attr(log, "data-live"))
		}
	})
	t.Run("log text is text", func(t *testing.T) {
		_, body, doc := b.get(fmt.Sprintf("/releases/%d/logs?phase=plan", h.fx.planned))
		var texts []string
		for _, n := range find(doc, func(n *html.Node) bool { return attr(n, "class") == "tx" }) {
			texts = append(texts, text(n))
		}
		if len(texts) != 4 || texts[1] != "<script>alert('log')</script>" {
			t.Errorf("want the <script> line as text, got %q", texts)
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("the page holds a raw <script> from the log")
		}
	})
	t.Run("escape sequences are not in the text painted before the script", func(t *testing.T) {
		r := h.queue("stage")
		h.logLines(r.ID, "migrate", 1, "\x1b[32m✔\x1b[0m done")
		_, _, doc := b.get(fmt.Sprintf("/releases/%d/logs?phase=migrate", r.ID))
		rows := find(doc, func(n *html.Node) bool { return attr(n, "data-seq") == "1" })
		if len(rows) != 1 {
			t.Fatalf("want the line's row, got %d", len(rows))
		}
		if got := text(rows[0]); got != "1✔ done" {
			t.Errorf("the row reads %q, want its number and text without escapes", got)
		}
		if got := attr(rows[0], "data-raw"); got != "\x1b[32m✔\x1b[0m done" {
			t.Errorf("data-raw %q, want the line as written (the script colours it)", got)
		}
	})
	t.Run("unknown phase is a 400 naming it", func(t *testing.T) {
		status, body, _ := b.get(fmt.Sprintf("/releases/%d/logs?phase=nope", h.fx.failed))
		if status != 400 || !strings.Contains(body, `no phase &#34;nope&#34;`) {
			t.Errorf("want 400 naming the phase, got %d", status)
		}
	})
}

func TestChangesPageShowsFieldDistinctions(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	status, body, doc := b.get(fmt.Sprintf("/releases/%d/changes", h.fx.planned))
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	opts := find(doc, func(n *html.Node) bool { return n.Data == "option" && attr(n, "value") == "update" })
	if len(opts) != 1 || text(opts[0]) != "update (2)" {
		t.Errorf("the action filter should count the updates, got %d options", len(opts))
	}
	groups := find(doc, func(n *html.Node) bool { return n.Data == "section" && attr(n, "class") == "module" })
	if len(groups) != 2 {
		t.Errorf("want 2 module groups (root, module.net), got %d", len(groups))
	}
	replace := find(doc, func(n *html.Node) bool {
		return n.Data == "details" && strings.Contains(text(n), `module.net.aws_instance.web["<script>alert(1)</script>"]`)
	})
	if len(replace) != 1 {
		t.Fatalf("want the replaced instance's address as text")
	}
	rows := find(replace[0], byTag("tr"))
	if len(rows) < 3 || !strings.Contains(text(rows[1]), "forces replacement") || !strings.HasPrefix(strings.TrimSpace(text(rows[1])), "ami") {
		t.Errorf("the field forcing replacement should come first, got %q", text(rows[1]))
	}
	rt := text(replace[0])
	for _, want := range []string{"(sensitive)", "changed", "(known after apply)", "replace_because_cannot_update"} {
		if !strings.Contains(rt, want) {
			t.Errorf("the replaced instance should show %q", want)
		}
	}
	policy := find(doc, func(n *html.Node) bool { return n.Data == "details" && strings.Contains(text(n), "aws_iam_policy.p") })[0]
	pt := text(policy)
	// The policy is a JSON document in a string: a structural diff
	// (issue 20 kind 7), not a line diff of its text.
	for _, want := range []string{`~ Statement[0].Action: "s3:GetObject" → "s3:PutObject"`, `""`, "null", "{}"} {
		if !strings.Contains(pt, want) {
			t.Errorf("the policy change should show %q; got %q", want, pt)
		}
	}
	logs := find(doc, func(n *html.Node) bool { return n.Data == "details" && strings.Contains(text(n), "aws_s3_bucket.logs") })[0]
	// "private" -> "log-delivery-write": the common end "te" stays unmarked
	marks := find(logs, byTag("mark"))
	if len(marks) != 2 || text(marks[0]) != "priva" || text(marks[1]) != "log-delivery-wri" {
		var got []string
		for _, m := range marks {
			got = append(got, text(m))
		}
		t.Errorf("a one-line update should mark the changed span of each side, got %q", got)
	}
	folds := find(doc, func(n *html.Node) bool { return n.Data == "details" && attr(n, "class") == "fold" })
	if len(folds) != 1 || !strings.Contains(text(folds[0]), "bytes, show all") {
		t.Errorf("a value over 2 KB should show folded, got %d folds", len(folds))
	}
	for _, want := range []string{"aws_s3_bucket.old_logs", "bucket-logs"} {
		if !strings.Contains(body, want) {
			t.Errorf("the changes page should show %q (moved from, import id)", want)
		}
	}
}

func TestButtonsFollowScopes(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	page := fmt.Sprintf("/releases/%d", h.fx.pending)
	reader := h.browser()
	reader.signIn("reader")
	_, _, doc := reader.get(page)
	if len(find(doc, byID("approve"))) != 0 || len(find(doc, byID("abort"))) != 0 {
		t.Errorf("a read-only token must see no approve or abort button")
	}
	if resp := reader.post(page+"/approve", nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a read-only token's approval: status %d, want 403 from the API", resp.StatusCode)
	}
	approver := h.browser()
	approver.signIn("approver")
	_, _, doc = approver.get(page)
	if len(find(doc, byID("approve"))) != 1 || len(find(doc, byID("reject"))) != 1 {
		t.Fatalf("an approver should see Approve and Reject")
	}
	resp := approver.post(page+"/approve", url.Values{"comment": {"looks good"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), page) {
		t.Fatalf("approve: status %d to %q, want 303 back to the release", resp.StatusCode, resp.Header.Get("Location"))
	}
	st, err := h.st.ReleaseStatus(context.Background(), h.fx.pending)
	if err != nil || st != release.StatusQueued {
		t.Errorf("after approval the release is %s (%v), want QUEUED", st, err)
	}
	if resp := approver.post(page+"/approve", nil, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("approving twice: status %d, want 409", resp.StatusCode)
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	t.Run("bad token is refused with the reason", func(t *testing.T) {
		h := newHarness(t)
		b := h.browser()
		resp, err := b.c.PostForm(h.srv.URL+"/login", url.Values{"token": {"shp_wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 401 || !strings.Contains(string(body), "not a shiplog token") {
			t.Errorf("status %d, want 401 saying why", resp.StatusCode)
		}
	})
	t.Run("token without read is refused", func(t *testing.T) {
		h := newHarness(t)
		if resp := h.browser().signIn("writer"); resp.StatusCode != 403 {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("session cookie", func(t *testing.T) {
		h := newHarness(t)
		resp := h.browser().signIn("reader")
		var c *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == api.SessionCookie {
				c = k
			}
		}
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || len(c.Value) != 43 {
			t.Fatalf("want an HttpOnly SameSite=Lax cookie holding a 32-byte id, got %+v", c)
		}
		if strings.Contains(c.Value, h.tokens["reader"]) {
			t.Errorf("the cookie must not hold the token")
		}
	})
	t.Run("pages need a session", func(t *testing.T) {
		h := newHarness(t)
		resp, err := h.browser().c.Get(h.srv.URL + "/releases?status=FAILED")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Freleases%3Fstatus%3DFAILED" {
			t.Errorf("want a redirect to /login coming back, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("next stays on this server", func(t *testing.T) {
		h := newHarness(t)
		resp, err := h.browser().c.PostForm(h.srv.URL+"/login", url.Values{"token": {h.tokens["reader"]}, "next": {"//evil.example/x"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Location") != "/" {
			t.Errorf("want / after sign-in, got %q", resp.Header.Get("Location"))
		}
	})
	t.Run("cookie works on GET API routes only", func(t *testing.T) {
		h := newHarness(t).seed()
		b := h.browser()
		b.signIn("approver")
		resp, err := b.c.Get(fmt.Sprintf("%s/api/v1/releases/%d", h.srv.URL, h.fx.pending))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET with the cookie: %d, want 200", resp.StatusCode)
		}
		if resp := b.post(fmt.Sprintf("/api/v1/releases/%d/approve", h.fx.pending), nil, nil); resp.StatusCode != 401 {
			t.Errorf("POST to the API with only the cookie: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("cross-site form posts are refused", func(t *testing.T) {
		h := newHarness(t).seed()
		b := h.browser()
		b.signIn("approver")
		resp := b.post(fmt.Sprintf("/releases/%d/approve", h.fx.pending), nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
		st, err := h.st.ReleaseStatus(context.Background(), h.fx.pending)
		if err != nil {
			t.Fatal(err)
		}
		if st != release.StatusPendingApproval {
			t.Errorf("a cross-site post changed the release to %s", st)
		}
	})
	t.Run("sign out ends the session", func(t *testing.T) {
		h := newHarness(t)
		b := h.browser()
		b.signIn("reader")
		if resp := b.post("/logout", nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		if status, _, _ := b.get("/"); status != http.StatusSeeOther {
			t.Errorf("after sign-out: %d, want a redirect to /login", status)
		}
	})
	t.Run("revoking the token ends its sessions at once", func(t *testing.T) {
		h := newHarness(t)
		b := h.browser()
		b.signIn("reader")
		if status, _, _ := b.get("/"); status != 200 {
			t.Fatalf("signed in: %d", status)
		}
		h.apiCall("DELETE", "/api/v1/tokens/reader", nil, nil)
		if status, _, _ := b.get("/"); status != http.StatusSeeOther {
			t.Errorf("after revocation: %d, want a redirect to /login", status)
		}
	})
}

func TestLogAPIs(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	get := func(path string) (int, []byte, http.Header) {
		req, err := http.NewRequest("GET", h.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.tokens["reader"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b, resp.Header
	}
	t.Run("index", func(t *testing.T) {
		_, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/logs/index", h.fx.failed))
		var idx apiwire.LogIndex
		if err := json.Unmarshal(b, &idx); err != nil {
			t.Fatal(err)
		}
		if len(idx.Phases) != 2 || idx.LastSeq != 83 {
			t.Fatalf("want 2 phases up to seq 83, got %s", b)
		}
		init := idx.Phases[1]
		if init.Phase != "init" || init.FirstSeq != 2 || init.Lines != 82 || init.Status != release.PhaseFailed || len(init.Runs) != 1 {
			t.Errorf("init's entry: %+v", init)
		}
	})
	t.Run("search", func(t *testing.T) {
		_, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/logs/search?q=error:&phase=init", h.fx.failed))
		var s apiwire.LogSearch
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if s.Total != 2 || len(s.Matches) != 2 || s.Matches[0].Seq != 82 {
			t.Errorf("want the two Error lines (seq 82, 83), got %s", b)
		}
		if status, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/logs/search", h.fx.failed)); status != 400 || !strings.Contains(string(b), `"field":"q"`) {
			t.Errorf("search without q: %d %s, want 400 naming q", status, b)
		}
	})
	t.Run("search with the lines", func(t *testing.T) {
		_, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/logs/search?q=error:&phase=init&lines=true", h.fx.failed))
		var s apiwire.LogSearch
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if len(s.Entries) != 2 {
			t.Fatalf("lines=true: want the two Error lines themselves, got %s", b)
		}
		if s.Entries[1].Seq != 83 || s.Entries[1].Text != `Error: <b>not bold</b> & "quoted"` {
			t.Errorf("lines=true: the second line should be seq 83 with its text, got %+v", s.Entries[1])
		}
		if len(s.Matches) != 2 || s.Total != 2 {
			t.Errorf("lines=true still lists the matches and their total, got %s", b)
		}
		if status, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/logs/search?q=error&lines=maybe", h.fx.failed)); status != 400 {
			t.Errorf("lines=maybe: %d %s, want 400", status, b)
		}
	})
	t.Run("raw", func(t *testing.T) {
		status, b, hd := get(fmt.Sprintf("/api/v1/releases/%d/logs/raw?phase=init&download=1", h.fx.failed))
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if status != 200 || len(lines) != 82 || lines[0] != "init line 1" {
			t.Errorf("want init's 82 lines as text, got %d lines, status %d", len(lines), status)
		}
		if !strings.HasPrefix(hd.Get("Content-Type"), "text/plain") || !strings.Contains(hd.Get("Content-Disposition"), "release-") {
			t.Errorf("want a text/plain download, got %q / %q", hd.Get("Content-Type"), hd.Get("Content-Disposition"))
		}
		if status, _, _ := get(fmt.Sprintf("/api/v1/releases/%d/logs/raw?timestamps=maybe", h.fx.failed)); status != 400 {
			t.Errorf("timestamps=maybe: %d, want 400", status)
		}
	})
	t.Run("resource history", func(t *testing.T) {
		addr := url.QueryEscape(`aws_iam_policy.p`)
		_, b, _ := get("/api/v1/environments/prod/resources/history?address=" + addr)
		var rh apiwire.ResourceHistory
		if err := json.Unmarshal(b, &rh); err != nil {
			t.Fatal(err)
		}
		if len(rh.Events) != 1 || rh.Events[0].ReleaseID != h.fx.planned || rh.Events[0].Change.Action != release.ChangeUpdate || len(rh.Events[0].Change.Fields) == 0 {
			t.Errorf("want the planned update with its fields, got %s", b)
		}
		if status, _, _ := get("/api/v1/environments/nope/resources/history?address=x"); status != 404 {
			t.Errorf("unknown environment: %d, want 404", status)
		}
	})
	t.Run("change facets", func(t *testing.T) {
		_, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/changes/facets", h.fx.planned))
		var f apiwire.ChangeFacets
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if f.Actions["update"] != 2 || f.Actions["create"] != 1 || f.Actions["replace"] != 1 || f.Modules["module.net"] != 1 || f.Types["aws_s3_bucket"] != 2 {
			t.Errorf("facets %s: want 2 updates, 1 create, 1 replace, 1 in module.net, 2 buckets", b)
		}
		if status, _, _ := get(fmt.Sprintf("/api/v1/releases/%d/changes/facets?kind=all", h.fx.planned)); status != 400 {
			t.Errorf("kind=all: %d, want 400", status)
		}
	})
	t.Run("deployments", func(t *testing.T) {
		status, b, _ := get(fmt.Sprintf("/api/v1/releases/%d/deployments", h.fx.failed))
		if status != 200 || string(b) != `{"deployments":[]}`+"\n" && string(b) != `{"deployments":[]}` {
			t.Errorf("a failed release deployed nothing: %d %s", status, b)
		}
	})
}

func TestBadInputIsA4xx(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	for path, want := range map[string]int{
		"/releases/abc": 400, "/releases/999999": 404, "/environments/prod/nope": 400, "/environments/nope": 404,
		"/releases?status=DONE": 400, "/releases?created_after=yesterday": 400, "/compare?base=1": 400,
		fmt.Sprintf("/releases/%d/changes?kind=everything", h.fx.planned): 400,
	} {
		if status, body, _ := b.get(path); status != want {
			t.Errorf("GET %s: %d, want %d; body %s", path, status, want, body)
		}
	}
}

// TestCompareWithPreviousSuccessful: a release compares with its
// environment's last SUCCEEDED release, skipping the failed one between,
// and the compare page offers that base too.
func TestCompareWithPreviousSuccessful(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	next := h.queue("prod") // prod: planned (SUCCEEDED), failed (FAILED), next
	status, body, doc := b.get(fmt.Sprintf("/releases/%d", next.ID))
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	want := fmt.Sprintf("/compare?base=%d&head=%d", h.fx.planned, next.ID)
	links := find(doc, func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/compare?") })
	if len(links) != 1 {
		t.Fatalf("want one compare link on the details page, got %d", len(links))
	}
	if got := attr(links[0], "href"); got != want {
		t.Errorf("compare link: got %q, want %q (the previous successful release, not failed #%d)", got, want, h.fx.failed)
	}
	if !strings.Contains(text(links[0]), "previous successful") {
		t.Errorf("compare link text should say previous successful, got %q", text(links[0]))
	}
	status, body, doc = b.get(fmt.Sprintf("/compare?base=%d&head=%d", h.fx.failed, next.ID))
	if status != 200 {
		t.Fatalf("compare status %d: %s", status, body)
	}
	offer := find(doc, byID("compare-prev"))
	if len(offer) != 1 {
		t.Fatalf("the compare page should offer comparing with the previous successful release")
	}
	if got := attr(offer[0], "href"); got != want {
		t.Errorf("compare page offer: got %q, want %q", got, want)
	}
	_, _, doc = b.get(want)
	if n := len(find(doc, byID("compare-prev"))); n != 0 {
		t.Errorf("comparing with the previous successful already, the page should not offer it again (got %d offers)", n)
	}
}

// TestResourcesPaginated walks the Resources tab a resource at a time by
// its Next links: worst health first, every resource once; the module
// filter keeps one module's.
func TestResourcesPaginated(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	var seen []string
	next := "/environments/prod/resources?limit=1"
	for i := 0; next != ""; i++ {
		if i > 5 {
			t.Fatalf("the pages do not end: %v", seen)
		}
		status, body, doc := b.get(next)
		if status != 200 {
			t.Fatalf("GET %s: status %d: %s", next, status, body)
		}
		rows := find(doc, func(n *html.Node) bool {
			return n.Data == "td" && strings.Contains(attr(n, "class"), "mono") && len(find(n, byTag("a"))) == 1
		})
		if len(rows) != 1 {
			t.Fatalf("GET %s: want one resource on a page of limit=1, got %d", next, len(rows))
		}
		seen = append(seen, text(rows[0]))
		next = ""
		if links := find(doc, byID("resources-next")); len(links) == 1 {
			next = attr(links[0], "href")
		}
	}
	if len(seen) != 3 {
		t.Fatalf("paging through prod's resources: got %v, want its 3 resources once each", seen)
	}
	if seen[0] != "aws_s3_bucket.logs" {
		t.Errorf("the first page should hold the worst (DEGRADED) resource, got %q", seen[0])
	}
	_, _, doc := b.get("/environments/prod/resources?module=module.net")
	links := find(doc, func(n *html.Node) bool {
		return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/environments/prod/resources/")
	})
	if len(links) != 1 || !strings.HasPrefix(text(links[0]), "module.net.") {
		t.Errorf("module=module.net should keep module.net's one resource, got %d links", len(links))
	}
	if status, _, _ := b.get("/environments/prod/resources?cursor=nope"); status != 400 {
		t.Errorf("an unknown cursor: status %d, want 400", status)
	}
}

// Issue 20 kind 7: the changes page shows values people can read, from a
// plan Terraform 1.11.4 made: which statement of a jsonencode() policy
// gained which action, the changed line of heredoc user data, where a long
// value differs past what a cell shows, and invisible and direction
// characters escaped as Terraform shows them.
func TestChangesPageReadableValues(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	body, err := os.ReadFile("../plan/testdata/plans/field/readable-values.json")
	if err != nil {
		t.Fatal(err)
	}
	var rel release.Release
	h.apiCall("POST", "/api/v1/environments/prod/plans?template=full-plan", body, &rel)
	b := h.browser()
	b.signIn("reader")
	status, page, doc := b.get(fmt.Sprintf("/releases/%d/changes", rel.ID))
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	change := func(addr string) string {
		ds := find(doc, func(n *html.Node) bool { return n.Data == "details" && strings.Contains(text(n), addr) })
		if len(ds) == 0 {
			t.Fatalf("no change %s on the page", addr)
		}
		return text(ds[0])
	}
	if got := change("terraform_data.policy"); !strings.Contains(got, `+ Statement[0].Action[2]: null → "s3:PutObject"`) {
		t.Errorf("the policy should show the action its first statement gained; got %q", got)
	}
	ud := change("terraform_data.user_data")
	for _, want := range []string{`- echo "worker_processes 2;" > /etc/nginx/conf.d/workers.conf`, `+ echo "worker_processes 4;" > /etc/nginx/conf.d/workers.conf`, "unchanged lines"} {
		if !strings.Contains(ud, want) {
			t.Errorf("the user data should show %q; got %q", want, ud)
		}
	}
	if got := change("terraform_data.long"); !strings.Contains(got, "differs at character 1157") || !strings.Contains(got, "node-41.internal.example.com") {
		t.Errorf("the long value should say where it differs; got %q", got)
	}
	if got := change("terraform_data.name"); !strings.Contains(got, `"admin\u200b\u202egnp.exe\u00a0"`) {
		t.Errorf("the name should show its invisible characters escaped; got %q", got)
	}
	for _, raw := range []string{"\u200b", "\u202e", "\u00a0"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page holds the character %q raw", raw)
		}
	}
}
