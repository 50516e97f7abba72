package client_test

// Fault cases only: servers that hang, fail or answer garbage. What the
// client decodes from a real shiplog API server is tested against one (see
// api_test.go).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func newClient(t *testing.T, endpoint string, timeout time.Duration) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: endpoint, Token: "t0k", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A server that accepts connections and never says a word.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; conn.Close() }()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestSilentServerTimesOut(t *testing.T) {
	t.Parallel()
	c := newClient(t, silentListener(t), 300*time.Millisecond)
	start := time.Now()
	_, err := c.GetRelease(context.Background(), 1)
	if !errors.Is(err, client.ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s to time out", d)
	}
	if !strings.Contains(err.Error(), "/api/v1/releases/1") || !strings.Contains(err.Error(), "300ms") {
		t.Errorf("error should name the request and the timeout: %v", err)
	}
}

// Headers arrive but the body stalls halfway.
func TestStalledBodyTimesOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"releases": [`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, 300*time.Millisecond)
	_, err := c.ListReleases(context.Background(), client.ReleaseFilter{Environment: "prod"})
	if !errors.Is(err, client.ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
}

func TestCallerDeadlineIsATimeoutToo(t *testing.T) {
	t.Parallel()
	c := newClient(t, silentListener(t), time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.GetArtifact(ctx, 3); !errors.Is(err, client.ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
}

func TestRefusedConnectionIsNotATimeout(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, "http://"+addr, time.Second)
	_, err = c.GetRelease(context.Background(), 1)
	if err == nil {
		t.Fatalf("want a connection error, got %v", err)
	}
	if errors.Is(err, client.ErrTimeout) {
		t.Fatalf("want a connection error, got %v", err)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("error should say the connection was refused: %v", err)
	}
}

func answer(status int, contentType, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
}

func TestErrorBodiesDecodeIntoError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		status        int
		body          string
		code, message string
		field         string
	}{
		{"internal", 500, `{"error": {"code": "internal", "message": "database is down"}}`, apiwire.CodeInternal, "database is down", ""},
		{"invalid field", 400, `{"error": {"code": "invalid", "message": "unknown status \"DONE\"", "field": "status"}}`, apiwire.CodeInvalid, `unknown status "DONE"`, "status"},
		{"not found", 404, `{"error": {"code": "not_found", "message": "release 9 does not exist"}}`, apiwire.CodeNotFound, "release 9 does not exist", ""},
		{"proxy page", 502, "<html><body>\n<h1>Bad Gateway</h1></body></html>", "", "<html><body> <h1>Bad Gateway</h1></body></html>", ""},
		{"empty", 500, "", "", "", ""},
		{"json but not an error", 500, `{"oops": true}`, "", `{"oops": true}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := answer(tc.status, "application/json", tc.body)
			defer srv.Close()
			_, err := newClient(t, srv.URL, time.Second).GetRelease(context.Background(), 9)
			e, ok := client.AsError(err)
			if !ok {
				t.Fatalf("want *client.Error, got %T %v", err, err)
			}
			if e.Status != tc.status {
				t.Fatalf("got %+v", e)
			}
			if e.Code != tc.code {
				t.Fatalf("got %+v", e)
			}
			if e.Message != tc.message {
				t.Fatalf("got %+v", e)
			}
			if e.Field != tc.field {
				t.Fatalf("got %+v", e)
			}
			if e.Method != "GET" || e.Path != "/api/v1/releases/9" {
				t.Errorf("error names %s %s", e.Method, e.Path)
			}
			if client.IsNotFound(err) != (tc.code == apiwire.CodeNotFound) {
				t.Errorf("IsNotFound = %v", client.IsNotFound(err))
			}
			if tc.code == "" && !strings.Contains(err.Error(), fmt.Sprint(tc.status)) {
				t.Errorf("message should name the status: %v", err)
			}
		})
	}
}

func TestMalformedSuccessBodies(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"truncated":  `{"id": 3, "status": "SUCC`,
		"wrong type": `{"id": "three"}`,
		"html":       `<html>hello</html>`,
		"empty":      ``,
	} {
		t.Run(name, func(t *testing.T) {
			srv := answer(200, "application/json", body)
			defer srv.Close()
			r, err := newClient(t, srv.URL, time.Second).GetRelease(context.Background(), 3)
			if err == nil {
				t.Fatalf("want an error, got %+v", r)
			}
			if _, ok := client.AsError(err); ok || errors.Is(err, client.ErrTimeout) {
				t.Fatalf("want a decoding error, got %v", err)
			}
			if !strings.Contains(err.Error(), "/api/v1/releases/3") {
				t.Errorf("error should name the request: %v", err)
			}
		})
	}
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"", "  ", "localhost:8080", "ftp://x", "http://", "http://x/?a=b", "::"} {
		if _, err := client.New(client.Config{Endpoint: ep}); err == nil {
			t.Errorf("New(%q): want an error", ep)
		}
	}
	if _, err := client.New(client.Config{Endpoint: "http://x", Token: "a\nb"}); err == nil {
		t.Error("a token with a newline should be refused")
	}
	for in, want := range map[string]string{
		"http://x:1":                "http://x:1",
		"http://x:1/":               "http://x:1",
		"http://x:1/api/v1":         "http://x:1",
		"https://x/shiplog/api/v1/": "https://x/shiplog",
	} {
		c, err := client.New(client.Config{Endpoint: in})
		if err != nil {
			t.Fatalf("New(%q): %v", in, err)
		}
		if c.Endpoint() != want {
			t.Errorf("New(%q).Endpoint() = %q, want %q", in, c.Endpoint(), want)
		}
	}
}

// A log stream that goes quiet (no keep-alives) ends with ErrTimeout, after
// delivering what came before the silence.
func TestLogStreamSilenceTimesOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: log\nid: 1\ndata: {\"seq\": 1, \"text\": \"hello\"}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	var got []string
	err := newClient(t, srv.URL, 300*time.Millisecond).StreamLogs(context.Background(), 5, "", func(e release.LogEntry) error {
		got = append(got, e.Text)
		return nil
	})
	if !errors.Is(err, client.ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("got lines %q", got)
	}
	if got[0] != "hello" {
		t.Fatalf("got lines %q", got)
	}
}

// The server's "timeout" event makes the client reconnect from the cursor it
// names; keep-alive comments keep a slow stream alive.
func TestLogStreamResumesAfterServerTimeout(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		cursors []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cursors = append(cursors, r.URL.Query().Get("cursor"))
		first := len(cursors) == 1
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		if first {
			fmt.Fprint(w, "event: log\nid: 1\ndata: {\"seq\": 1, \"text\": \"one\"}\n\n")
			for range 3 {
				fmt.Fprint(w, ": keep-alive\n\n")
				f.Flush()
				// Keep-alives 100 ms apart, each within the client's 250 ms
				// idle timeout and 300 ms in all: time passing is what is
				// tested, there is no event to wait for.
				time.Sleep(100 * time.Millisecond)
			}
			fmt.Fprint(w, "event: timeout\ndata: {\"cursor\": \"1\"}\n\n")
			return
		}
		fmt.Fprint(w, "event: log\nid: 2\ndata: {\"seq\": 2, \"text\": \"two\"}\n\nevent: end\ndata: {}\n\n")
	}))
	defer srv.Close()
	var got []string
	err := newClient(t, srv.URL, 250*time.Millisecond).StreamLogs(context.Background(), 5, "", func(e release.LogEntry) error {
		got = append(got, e.Text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != "one,two" {
		t.Fatalf("lines %q, cursors %q", got, cursors)
	}
	if strings.Join(cursors, ",") != ",1" {
		t.Fatalf("lines %q, cursors %q", got, cursors)
	}
}

func TestLogStreamCutShortIsAnError(t *testing.T) {
	t.Parallel()
	srv := answer(200, "text/event-stream", "event: log\nid: 1\ndata: {\"seq\": 1}\n\n")
	defer srv.Close()
	err := newClient(t, srv.URL, time.Second).StreamLogs(context.Background(), 5, "", func(release.LogEntry) error { return nil })
	if err == nil {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "ended before the release finished") {
		t.Fatalf("got %v", err)
	}
}
