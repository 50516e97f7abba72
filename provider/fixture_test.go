package provider_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/provider"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

func TestMain(m *testing.M) {
	if err := accEnvironment(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dbtest.Main(m)
}

// factories serve the provider in-process to the terraform that
// terraform-plugin-testing runs.
var factories = map[string]func() (tfprotov6.ProviderServer, error){
	"shiplog": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// secretValue is a sensitive variable of the staging environment: it must
// never reach Terraform state through the provider.
const secretValue = "hunter2-do-not-leak"

// accEnvironment makes terraform-plugin-testing run here, for the whole
// test binary (so that the acceptance tests can run in parallel, which
// t.Setenv forbids): acceptance mode on, the local terraform (it must never
// be downloaded), no network calls, no endpoint or token from the caller's
// environment.
func accEnvironment() error {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			return fmt.Errorf("terraform is not on PATH: run the tests through `make test`, which provides it")
		}
	}
	for k, v := range map[string]string{"TF_ACC": "1", "TF_ACC_TERRAFORM_PATH": tf, "CHECKPOINT_DISABLE": "1"} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	os.Unsetenv("SHIPLOG_ENDPOINT")
	os.Unsetenv("SHIPLOG_TOKEN")
	return nil
}

// accEnv checks that TestMain set up the acceptance tests' environment.
func accEnv(t testing.TB) {
	t.Helper()
	if os.Getenv("TF_ACC") != "1" {
		t.Fatal("TF_ACC is not set: TestMain sets up the acceptance tests")
	}
}

// server is a real shiplog API server over a real PostgreSQL database.
type server struct {
	store    *store.Store
	dbURL    string
	endpoint string
	tokens   map[string]string // secrets by name: reader, admin, nobody (scope approve only)
	admin    *client.Client
}

func newServer(t testing.TB) *server {
	t.Helper()
	st, url := dbtest.StoreURL(t)
	srv := testutil.NewAPI(t, st)
	s := &server{store: st, dbURL: url, endpoint: srv.URL,
		tokens: srv.Tokens(t, map[string][]string{"reader": {"read"}, "admin": {"admin"}, "approver": {"approve"}})}
	var err error
	s.admin, err = client.New(client.Config{Endpoint: srv.URL, Token: s.tokens["admin"], Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// fixture is a server holding real releases, run by the real worker with
// the real terraform.
type fixture struct {
	*server
	prod     *release.Release  // SUCCEEDED terraform-apply of examples/quickstart in "production"
	staging  *release.Release  // SUCCEEDED terraform-apply with a sensitive variable in "staging"
	artifact *release.Artifact // deployed by prod
	other    *release.Artifact // registered, never deployed, with nested metadata
}

const stagingConfig = `
variable "db_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "db" {
  input = {
    password = var.db_password
    size     = 3
  }
}
`

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{server: newServer(t)}
	c := f.admin

	quickstart, err := os.ReadFile(filepath.Join("..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for name, conf := range map[string]string{"production": string(quickstart), "staging": stagingConfig} {
		req := apiwire.EnvironmentRequest{Name: name, Source: release.Source{Dir: writeConfig(t, conf)}}
		if name == "staging" {
			req.Variables = []release.Variable{{Name: "db_password", Value: secretValue, Sensitive: true}}
		}
		if _, err := c.CreateEnvironment(ctx, req); err != nil {
			t.Fatalf("creating environment %s: %v", name, err)
		}
	}
	if f.artifact, err = c.RegisterArtifact(ctx, apiwire.ArtifactRequest{
		URI: "registry.example.com/shop/web:2.0.0", BuildID: "build-42", AppName: "web", StackName: "eu",
		RegistrationMetadata: map[string]any{"commit": "0a1b2c3", "pipeline": "ci-77"},
	}); err != nil {
		t.Fatalf("registering an artifact: %v", err)
	}
	if f.other, err = c.RegisterArtifact(ctx, apiwire.ArtifactRequest{
		URI: "registry.example.com/shop/api:7.1.0", BuildID: "build-43", AppName: "api",
		RegistrationMetadata: map[string]any{"tests": map[string]any{"passed": 120, "ratio": 0.25}},
	}); err != nil {
		t.Fatalf("registering an artifact: %v", err)
	}
	prod, err := c.CreateRelease(ctx, apiwire.CreateReleaseRequest{
		Environment: "production", Template: "terraform-apply", Artifacts: []apiwire.ArtifactRef{{ID: f.artifact.ID, DeploysTo: []string{"terraform_data.web"}}},
	})
	if err != nil {
		t.Fatalf("creating the production release: %v", err)
	}
	staging, err := c.CreateRelease(ctx, apiwire.CreateReleaseRequest{Environment: "staging", Template: "terraform-apply"})
	if err != nil {
		t.Fatalf("creating the staging release: %v", err)
	}

	w := f.newWorker(t)
	for range 2 {
		ran, err := w.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			t.Fatalf("running a release: ran=%v err=%v", ran, err)
		}
	}
	for _, r := range []**release.Release{&prod, &staging} {
		got, err := c.GetRelease(ctx, (*r).ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != release.StatusSucceeded {
			t.Fatalf("release %d of %s: %s\n%s", got.ID, got.Environment, got.Status, got.ErrorLog)
		}
		*r = got
	}
	f.prod, f.staging = prod, staging
	return f
}

// newWorker is a worker of the server's database running the real terraform.
func (s *server) newWorker(t testing.TB) *worker.Worker {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatal("terraform is not on PATH: run the tests through `make test`, which provides it")
	}
	w, err := worker.New(context.Background(), worker.Config{
		Store: s.store, DatabaseURL: s.dbURL, WorkDir: t.TempDir(), Lease: 10 * time.Second,
		PollInterval: 50 * time.Millisecond, Grace: 5 * time.Second,
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// runWorker runs a worker in the background until the test ends.
func (s *server) runWorker(t testing.TB) {
	t.Helper()
	w := s.newWorker(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// recordPlan records a plan made elsewhere as a finished PLAN release of env.
func (s *server) recordPlan(t testing.TB, env string) *release.Release {
	t.Helper()
	const plan = `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}`
	r, err := s.admin.RecordPlan(context.Background(), env, client.RecordPlanOptions{}, strings.NewReader(plan))
	if err != nil {
		t.Fatalf("recording a plan of %s: %v", env, err)
	}
	return r
}

// queue queues a terraform-apply release of env.
func (s *server) queue(t testing.TB, env string) *release.Release {
	t.Helper()
	r, err := s.admin.CreateRelease(context.Background(), apiwire.CreateReleaseRequest{Environment: env, Template: "terraform-apply"})
	if err != nil {
		t.Fatalf("queueing a release of %s: %v", env, err)
	}
	return r
}

// environment creates an environment whose configuration is body.
func (s *server) environment(t testing.TB, name, body string) {
	t.Helper()
	if _, err := s.admin.CreateEnvironment(context.Background(), apiwire.EnvironmentRequest{Name: name, Source: release.Source{Dir: writeConfig(t, body)}}); err != nil {
		t.Fatalf("creating environment %s: %v", name, err)
	}
}

// writer is the provider block for the admin token (write scope) plus body.
func (s *server) writer(body string) string {
	return providerBlock(s.endpoint, s.tokens["admin"]) + body
}

func writeConfig(t testing.TB, body string) string {
	t.Helper()
	dir := t.TempDir()
	// A root worker reads a dir source only as far as the environment's
	// uid may: the directory and its parent must be open to others.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// providerBlock configures the provider for endpoint and token.
func providerBlock(endpoint, token string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"shiplog\" {\n  endpoint = %q\n  token    = %q\n", endpoint, token)
	for _, line := range extra {
		b.WriteString(line + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// config is the provider block for the reader token plus body.
func (s *server) config(body string) string {
	return providerBlock(s.endpoint, s.tokens["reader"]) + body
}

// silentEndpoint accepts connections and never answers.
func silentEndpoint(t *testing.T) string {
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
