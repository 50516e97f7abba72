package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/net/html"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/web"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// harness is the real server (pages + API) on a loopback HTTP server over
// a real PostgreSQL database, with a token per scope and fixtures.
type harness struct {
	t      testing.TB
	st     *store.Store
	dbURL  string
	api    *api.Server
	pages  *web.Pages
	srv    *httptest.Server
	tokens map[string]string // admin, reader, approver, writer (write only)
	fx     fixtures
	// worker: a real worker runs (startWorker starts one, once)
	worker bool
}

// fixtures are releases in every situation the pages show.
type fixtures struct {
	planned, failed, pending, running int64
	longPhase                         string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	st, dbURL := dbtest.StoreURL(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}})
	a, err := api.New(api.Config{Store: st, Catalog: cat, Logger: log, PollInterval: 50 * time.Millisecond, KeepAlive: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, err := web.New(web.Config{API: a, Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(func() {
		a.EndStreams()
		srv.Close()
		a.Close()
	})
	h := &harness{t: t, st: st, dbURL: dbURL, api: a, pages: p, srv: srv, tokens: map[string]string{}}
	for name, scopes := range map[string][]string{"admin": {"admin"}, "reader": {"read"}, "approver": {"read", "approve"}, "writer": {"write"}} {
		secret, _, err := api.IssueToken(context.Background(), st, name, scopes)
		if err != nil {
			t.Fatal(err)
		}
		h.tokens[name] = secret
	}
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// apiCall sends a request to the API as the admin token and decodes the
// JSON answer into out (when not nil); it fails the test on any non-2xx.
func (h *harness) apiCall(method, path string, body any, out any) {
	h.t.Helper()
	var raw string
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = string(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		raw = string(j)
	}
	status, answer := h.request(method, path, raw, "admin")
	if status >= 300 {
		h.t.Fatalf("%s %s: %d %s", method, path, status, answer)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(answer), out); err != nil {
			h.t.Fatalf("%s %s: decoding %s: %v", method, path, answer, err)
		}
	}
}

// request sends body to the API as token (a name of h.tokens) and returns
// the status and answer, whatever they are.
func (h *harness) request(method, path, body, token string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.tokens[token])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp.StatusCode, string(b)
}

func (h *harness) env(name string) {
	h.t.Helper()
	h.apiCall("POST", "/api/v1/environments", map[string]any{"name": name, "source": map[string]string{"dir": h.t.TempDir()},
		"variables": []map[string]any{{"name": "region", "value": "eu-west-1"}, {"name": "db_password", "value": "s3cret-value", "sensitive": true}}}, nil)
}

// queue creates a release of the terraform-apply template (init,
// migrate, plan, apply) in env.
func (h *harness) queue(env string) *release.Release {
	h.t.Helper()
	var r release.Release
	h.apiCall("POST", "/api/v1/releases", map[string]any{"environment": env, "template": "terraform-apply",
		"artifacts": []map[string]any{{"artifact_uri": "registry.example.com/shop/web:1.4.2", "build_id": "b-42", "app_name": "web", "stack_name": "shop",
			"registration_metadata": map[string]any{"commit": "abc123"}}},
		"variables": []map[string]any{{"name": "replicas", "value": "3"}, {"name": "api_key", "value": "k3y-secret", "sensitive": true}}}, &r)
	return &r
}

// logLines writes n lines into a phase of a release, from seq from on.
func (h *harness) logLines(id int64, phase string, from int64, texts ...string) int64 {
	h.t.Helper()
	var es []release.LogEntry
	for i, tx := range texts {
		stream := release.Stdout
		if strings.HasPrefix(tx, "Error") {
			stream = release.Stderr
		}
		es = append(es, release.LogEntry{ReleaseID: id, Phase: phase, Seq: from + int64(i), Time: time.Now().UTC(), Stream: stream, Text: tx, DeploymentType: release.DeploymentRegular})
	}
	if err := h.st.AppendLogs(context.Background(), es); err != nil {
		h.t.Fatal(err)
	}
	return from + int64(len(texts))
}

func (h *harness) move(id int64, from, to release.Status, reason string) {
	h.t.Helper()
	err := h.st.Transition(context.Background(), store.StatusChange{ID: id, From: from, To: to, Reason: reason, LeaseOwner: "test-worker", LeaseFor: time.Hour})
	if err != nil {
		h.t.Fatal(err)
	}
}

// seed makes the fixtures: a recorded plan with tricky fields (prod), a
// failed release with a long init log (prod), a release waiting for
// approval (stage), and a running one (dev).
func (h *harness) seed() *harness {
	h.t.Helper()
	ctx := context.Background()
	for _, e := range []string{"prod", "stage", "dev"} {
		h.env(e)
	}
	plan, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		h.t.Fatal(err)
	}
	var planned release.Release
	h.apiCall("POST", "/api/v1/environments/prod/plans?template=full-plan", plan, &planned)
	h.fx.planned = planned.ID
	outcomes := []store.ResourceOutcome{{Address: "aws_iam_policy.p"}, {Address: `module.net.aws_instance.web["<script>alert(1)</script>"]`}, {Address: "aws_s3_bucket.logs"}}
	web := "registry.example.com/shop/web:1.4.1"
	for i := range outcomes {
		outcomes[i].ArtifactURL = &web
	}
	if err := h.st.RecordResourceStatus(ctx, planned.ID, outcomes, release.ResourceCompleted); err != nil {
		h.t.Fatal(err)
	}
	if err := h.st.ReportHealth(ctx, "prod", "aws_s3_bucket.logs", release.Degraded); err != nil {
		h.t.Fatal(err)
	}
	h.logLines(planned.ID, "plan", 1, "terraform plan", "<script>alert('log')</script>", "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07 OSC",
		"Plan: 1 to add, 2 to change, 0 to destroy.")

	failed := h.queue("prod")
	h.fx.failed = failed.ID
	h.move(failed.ID, release.StatusQueued, release.StatusInProgress, "")
	if err := h.st.StartPhase(ctx, failed.ID, 0); err != nil {
		h.t.Fatal(err)
	}
	var lines []string
	for i := 1; i <= 80; i++ {
		lines = append(lines, fmt.Sprintf("init line %d", i))
	}
	lines = append(lines, "Error: Failed to query available provider packages", "Error: <b>not bold</b> & \"quoted\"")
	h.logLines(failed.ID, "", 1, "release picked up by test-worker")
	h.logLines(failed.ID, "init", 2, lines...)
	if err := h.st.FinishPhase(ctx, failed.ID, 0, release.PhaseFailed, "terraform init: exit status 1"); err != nil {
		h.t.Fatal(err)
	}
	h.move(failed.ID, release.StatusInProgress, release.StatusFailed, "phase init failed: terraform init: exit status 1\n<img src=x onerror=alert(2)>")

	pending := h.queue("stage")
	h.fx.pending = pending.ID
	h.move(pending.ID, release.StatusQueued, release.StatusInProgress, "")
	h.move(pending.ID, release.StatusInProgress, release.StatusPendingApproval, "")

	running := h.queue("dev")
	h.fx.running = running.ID
	h.move(running.ID, release.StatusQueued, release.StatusInProgress, "")
	if err := h.st.StartPhase(ctx, running.ID, 0); err != nil {
		h.t.Fatal(err)
	}
	h.logLines(running.ID, "init", 1, "Initializing the backend...", "Initializing provider plugins...")
	return h
}

// browser is an HTTP client with its own cookie jar.
type browser struct {
	h *harness
	c *http.Client
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn posts the login form with a token (by name, or as given).
func (b *browser) signIn(token string) *http.Response {
	b.h.t.Helper()
	secret, ok := b.h.tokens[token]
	if !ok {
		secret = token
	}
	resp, err := b.c.PostForm(b.h.srv.URL+"/login", url.Values{"token": {secret}, "next": {"/"}})
	if err != nil {
		b.h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// get fetches a path; it returns the status, body and parsed document.
func (b *browser) get(path string) (int, string, *html.Node) {
	b.h.t.Helper()
	resp, err := b.c.Get(b.h.srv.URL + path)
	if err != nil {
		b.h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.h.t.Fatalf("GET %s: reading: %v", path, err)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		b.h.t.Fatalf("GET %s: the page does not parse as HTML: %v", path, err)
	}
	return resp.StatusCode, string(body), doc
}

func (b *browser) post(path string, form url.Values, header map[string]string) *http.Response {
	b.h.t.Helper()
	req, err := http.NewRequest("POST", b.h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// find returns every element of a document matching a test.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return attr(n, "id") == id }
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
