// Package testutil holds what the tests of several packages share: a real
// API server over a test database (NewAPI), and waiting for a condition
// that no event announces (Eventually).
//
// Tests wait on events first: a channel, a store notification, a process
// exit, an injected clock. Eventually is for what has none (another
// process's state, a page in a browser, a cache dropped on an announcement
// the test cannot observe).
package testutil

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// PollInterval is how often Eventually asks its condition.
const PollInterval = 10 * time.Millisecond

// Eventually asks cond every PollInterval until it returns true, and fails
// the test naming what it waited for if limit passes (or the test's own
// deadline, from go test -timeout, comes first) before it does. Use it only
// where no event says the condition holds.
func Eventually(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			var cancelDL context.CancelFunc
			ctx, cancelDL = context.WithDeadline(ctx, dl.Add(-time.Second))
			defer cancelDL()
		}
	}
	if err := Until(ctx, cond); err != nil {
		t.Fatalf("%s did not happen within %s", what, limit)
	}
}

// Until asks cond every PollInterval until it returns true (nil) or ctx
// ends (ctx's error). For a goroutine, which may not call t.Fatal.
func Until(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// API is the real API handler on a real loopback HTTP server.
type API struct {
	Server *api.Server
	HTTP   *httptest.Server
	URL    string // the server's root, "http://127.0.0.1:PORT"
	Store  *store.Store
}

// NewAPI serves the API over st (the built-in release templates, warnings
// and errors logged to the test) until the test ends; tune may change the
// configuration before the server is made.
func NewAPI(t testing.TB, st *store.Store, tune ...func(*api.Config)) *API {
	t.Helper()
	cat, err := template.Load("")
	if err != nil {
		t.Fatalf("loading the built-in release templates: %v", err)
	}
	cfg := api.Config{Store: st, Catalog: cat, Logger: Logger(t)}
	for _, f := range tune {
		f(&cfg)
	}
	a, err := api.New(cfg)
	if err != nil {
		t.Fatalf("starting the API server: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		a.EndStreams()
		srv.Close()
		a.Close()
	})
	return &API{Server: a, HTTP: srv, URL: srv.URL, Store: st}
}

// Tokens issues one token per name with its scopes and returns their
// secrets by name.
func (a *API) Tokens(t testing.TB, scopes map[string][]string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(scopes))
	for name, sc := range scopes {
		secret, _, err := api.IssueToken(context.Background(), a.Store, name, sc)
		if err != nil {
			t.Fatalf("issuing token %s: %v", name, err)
		}
		out[name] = secret
	}
	return out
}

// Logger logs warnings and errors to the test's log.
func Logger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: Writer{t}})
}

// Writer writes each write as one line of the test's log.
type Writer struct{ T testing.TB }

func (w Writer) Write(p []byte) (int, error) {
	w.T.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
