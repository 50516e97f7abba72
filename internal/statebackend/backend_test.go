package statebackend_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	t       testing.TB
	store   *store.Store
	env     *release.Environment
	reports []string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, store: dbtest.Store(t), env: &release.Environment{Name: "shop", Source: release.Source{Dir: t.TempDir()}}}
	if err := f.store.CreateEnvironment(context.Background(), f.env); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) release() int64 {
	f.t.Helper()
	cat, err := template.NewCatalog()
	if err != nil {
		f.t.Fatal(err)
	}
	tp, err := cat.Get("", "terraform-apply")
	if err != nil {
		f.t.Fatal(err)
	}
	r := &release.Release{Environment: f.env.Name, Template: tp.Name(), TemplateNamespace: tp.Namespace(), Phases: tp.Phases(), TriggeredBy: "test"}
	if err := f.store.CreateRelease(context.Background(), r); err != nil {
		f.t.Fatal(err)
	}
	return r.ID
}

func (f *fixture) server(releaseID int64) *statebackend.Server {
	f.t.Helper()
	s, err := statebackend.Start(statebackend.Config{Store: f.store, EnvironmentID: f.env.ID, Environment: f.env.Name, ReleaseID: releaseID,
		Report: func(m string) { f.reports = append(f.reports, m) }})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

// do sends one request with the server's credential (or pw, if given).
func do(t *testing.T, s *statebackend.Server, method, query string, body []byte, pw ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.Address()+query, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	env := s.Env()
	p := env["TF_HTTP_PASSWORD"]
	if len(pw) > 0 {
		p = pw[0]
	}
	req.SetBasicAuth(env["TF_HTTP_USERNAME"], p)
	if method == http.MethodPost {
		sum := md5.Sum(body)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

const state1 = `{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"line-a","outputs":{},"resources":[]}`

func (f *fixture) versions() int {
	vs, err := f.store.ListStateVersions(context.Background(), f.env.Name, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(vs)
}

func TestCredential(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.server(f.release())
	if code, _ := do(t, s, "GET", "", nil, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", code)
	}
	other := f.server(f.release())
	if code, _ := do(t, s, "GET", "", nil, other.Env()["TF_HTTP_PASSWORD"]); code != http.StatusUnauthorized {
		t.Fatalf("another release's password: %d, want 401", code)
	}
	if code, _ := do(t, s, "GET", "", nil); code != http.StatusNoContent {
		t.Fatalf("no state yet: %d, want 204", code)
	}
	for k, v := range s.Env() {
		if !strings.HasPrefix(k, "TF_HTTP_") || v == "" {
			t.Fatalf("environment %s=%q", k, v)
		}
	}
	if !strings.HasPrefix(s.Address(), "http://127.0.0.1:") {
		t.Fatalf("address %s is not on the loopback interface", s.Address())
	}
}

func TestBadUploadsStoreNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.server(f.release())
	if code, body := do(t, s, "POST", "", []byte(state1)); code != http.StatusOK {
		t.Fatalf("first state: %d %s", code, body)
	}
	for name, tc := range map[string]struct {
		body string
		want string
	}{
		"truncated":   {state1[:40], "not a terraform state"},
		"foreign":     {strings.Replace(state1, `"serial":1,"lineage":"line-a"`, `"serial":2,"lineage":"line-b"`, 1), "another configuration"},
		"older":       {strings.Replace(state1, `"serial":1`, `"serial":0`, 1), "older"},
		"old version": {strings.Replace(state1, `"version":4`, `"version":3`, 1), "version 3"},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, s, "POST", "", []byte(tc.body))
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", code)
			}
			if !strings.Contains(body, tc.want) {
				t.Fatalf("reason %q does not say %q", body, tc.want)
			}
			if n := f.versions(); n != 1 {
				t.Fatalf("%d state versions after a refused upload, want 1", n)
			}
		})
	}
	req, err := http.NewRequest("POST", s.Address(), strings.NewReader(state1))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("shiplog", s.Env()["TF_HTTP_PASSWORD"])
	req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(make([]byte, 16)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("corrupted upload: %d, want 400", resp.StatusCode)
	}
	if len(f.reports) == 0 {
		t.Fatal("refusals were not reported to the release log")
	}
}

func TestLocking(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r1, r2 := f.release(), f.release()
	a, b := f.server(r1), f.server(r2)
	if code, body := do(t, a, "LOCK", "", []byte(`{"ID":"lock-a","Operation":"OperationTypeApply"}`)); code != http.StatusOK {
		t.Fatalf("lock: %d %s", code, body)
	}
	code, body := do(t, b, "LOCK", "", []byte(`{"ID":"lock-b","Operation":"OperationTypePlan"}`))
	if code != http.StatusLocked {
		t.Fatalf("second lock: %d, want 423", code)
	}
	if !strings.Contains(body, "held by shiplog release") || !strings.Contains(body, "lock-a") {
		t.Fatalf("lock error %s does not name the holder", body)
	}
	if code, _ := do(t, b, "POST", "?ID=lock-b", []byte(state1)); code != http.StatusLocked {
		t.Fatalf("write under another's lock: %d, want 423", code)
	}
	if n := f.versions(); n != 0 {
		t.Fatalf("%d versions stored under another's lock", n)
	}
	if code, _ := do(t, a, "POST", "?ID=lock-a", []byte(state1)); code != http.StatusOK {
		t.Fatalf("write under its own lock: %d", code)
	}
	if code, _ := do(t, b, "UNLOCK", "", []byte(`{"ID":"lock-b"}`)); code != http.StatusLocked {
		t.Fatalf("unlock of another's lock: %d, want 423", code)
	}
	if code, _ := do(t, a, "UNLOCK", "", []byte(`{"ID":"lock-a"}`)); code != http.StatusOK {
		t.Fatalf("unlock: %d", code)
	}
	if code, _ := do(t, b, "LOCK", "", []byte(`{"ID":"lock-b"}`)); code != http.StatusOK {
		t.Fatalf("lock after unlock: %d", code)
	}
	if code, got := do(t, a, "GET", "", nil); code != http.StatusOK || got != state1 {
		t.Fatalf("read back: %d %q", code, got)
	}
	if code, _ := do(t, a, "LOCK", "", []byte(`not json`)); code != http.StatusBadRequest {
		t.Fatalf("lock with bad info: %d, want 400", code)
	}
}
