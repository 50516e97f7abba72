package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// harness is the real API handler on a real loopback HTTP server, over a
// real PostgreSQL database.
type harness struct {
	t      *testing.T
	st     *store.Store
	url    string // database URL
	api    *api.Server
	srv    *httptest.Server
	tokens map[string]string // by name: admin, reader, writer, approver, pipeline
}

func newHarness(t *testing.T, tune ...func(*api.Config)) *harness {
	t.Helper()
	st, url := dbtest.StoreURL(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Store: st, Catalog: cat, Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}})}
	for _, f := range tune {
		f(&cfg)
	}
	a, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		a.EndStreams()
		srv.Close()
		a.Close()
	})
	h := &harness{t: t, st: st, url: url, api: a, srv: srv, tokens: map[string]string{}}
	for name, scopes := range map[string][]string{
		"admin": {"admin"}, "reader": {"read"}, "writer": {"write"}, "approver": {"approve"}, "pipeline": {"read", "write"},
	} {
		secret, _, err := api.IssueToken(context.Background(), st, name, scopes)
		if err != nil {
			t.Fatal(err)
		}
		h.tokens[name] = secret
	}
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// do sends a request as the named token ("" for none). A string or []byte
// body is sent as is; anything else as JSON.
func (h *harness) do(method, path, token string, body any) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		secret, ok := h.tokens[token]
		if !ok {
			secret = token
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// call is do that expects status and decodes the answer into out.
func (h *harness) call(method, path, token string, body any, status int, out any) {
	h.t.Helper()
	code, b := h.do(method, path, token, body)
	if code != status {
		h.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, token, code, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}

// apiError is the contract's error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// fails expects an error answer and returns it.
func (h *harness) fails(method, path, token string, body any, status int) apiError {
	h.t.Helper()
	code, b := h.do(method, path, token, body)
	var e apiError
	err := json.Unmarshal(b, &e)
	if err != nil {
		h.t.Fatal(err)
	}
	if e.Error.Code == "" {
		h.t.Fatalf("%s %s: want a JSON error, got %d %q", method, path, code, b)
	}
	if code != status {
		h.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, token, code, status, b)
	}
	return e
}

func (h *harness) env(name string, mutate ...func(*apiwire.EnvironmentRequest)) {
	h.t.Helper()
	req := apiwire.EnvironmentRequest{Name: name, Source: release.Source{Dir: h.t.TempDir()}}
	for _, m := range mutate {
		m(&req)
	}
	h.call("POST", "/api/v1/environments", "admin", req, 201, nil)
}

func (h *harness) createRelease(req apiwire.CreateReleaseRequest) *release.Release {
	h.t.Helper()
	var r release.Release
	h.call("POST", "/api/v1/releases", "pipeline", req, 201, &r)
	return &r
}

func (h *harness) get(id int64) *release.Release {
	h.t.Helper()
	var r release.Release
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d", id), "reader", nil, 200, &r)
	return &r
}

// The fake worker: it drives a release through the store exactly as a
// worker does (claim, phases, logs, final status), for outcomes a real
// terraform run cannot be made to produce on demand.

func (h *harness) claim(id int64) {
	h.t.Helper()
	r, err := h.st.Claim(context.Background(), "fake-worker", time.Minute)
	if err != nil {
		h.t.Fatal(err)
	}
	if r == nil {
		h.t.Fatalf("claiming release %d: got %v, %v", id, r, err)
	}
	if r.ID != id {
		h.t.Fatalf("claiming release %d: got %v, %v", id, r, err)
	}
}

// lines writes lines from+1..from+n of a release.
func (h *harness) lines(id int64, from, n int64, phase string) {
	h.t.Helper()
	es := make([]release.LogEntry, n)
	for i := range es {
		seq := from + int64(i) + 1
		es[i] = release.LogEntry{ReleaseID: id, Phase: phase, Seq: seq, Time: time.Now(), Stream: release.Stdout,
			Text: fmt.Sprintf("line %d", seq), DeploymentType: release.DeploymentRegular}
	}
	if err := h.st.AppendLogs(context.Background(), es); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) finish(id int64, from, to release.Status) {
	h.t.Helper()
	if err := h.st.Transition(context.Background(), store.StatusChange{ID: id, From: from, To: to, Reason: "test: " + string(to)}); err != nil {
		h.t.Fatal(err)
	}
}

// event is one Server-Sent Event (or comment).
type event struct {
	name, id, data string
	comment        string
}

// stream opens a log stream and calls fn with each event until fn says
// stop, the stream ends or ctx is done.
func (h *harness) stream(ctx context.Context, client *http.Client, id int64, cursor, lastEventID string, fn func(event) bool) error {
	path := fmt.Sprintf("%s/api/v1/releases/%d/logs/stream", h.srv.URL, id)
	if cursor != "" {
		path += "?cursor=" + cursor
	}
	req, err := http.NewRequestWithContext(ctx, "GET", path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.tokens["reader"])
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return fmt.Errorf("stream: %d (reading the answer: %w)", resp.StatusCode, err)
		}
		return fmt.Errorf("stream: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		return fmt.Errorf("stream content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	var ev event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev != (event{}) {
				if !fn(ev) {
					return nil
				}
			}
			ev = event{}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		default:
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch k {
			case "event":
				ev.name = v
			case "id":
				ev.id = v
			case "data":
				ev.data = v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

// doWithType sends a raw body with a content type.
func (h *harness) doWithType(method, path, token, body, ctype string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+h.tokens[token])
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b
}
