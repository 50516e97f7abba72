package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/provider"
)

const pipelineConfig = `
resource "terraform_data" "web" {
  input = "web"
}`

// gatedEnvironment creates an environment whose releases wait for approval.
func (s *server) gatedEnvironment(t *testing.T, name string) {
	t.Helper()
	if _, err := s.admin.CreateEnvironment(context.Background(), apiwire.EnvironmentRequest{Name: name,
		Source: release.Source{Dir: writeConfig(t, pipelineConfig)}, ApprovalRequired: true}); err != nil {
		t.Fatalf("creating environment %s: %v", name, err)
	}
}

// latest is the newest release of env.
func (s *server) latest(t *testing.T, env string) *release.Release {
	t.Helper()
	r, err := s.admin.LatestRelease(context.Background(), client.ReleaseFilter{Environment: env})
	if err != nil {
		t.Fatalf("the newest release of %s: %v", env, err)
	}
	return r
}

// What a pipeline author meets writing shiplog_release and
// shiplog_artifact: scopes, plan-time checks, import, timeouts, destroy.
func TestAccReleaseResourcePipelines(t *testing.T) {
	accEnv(t)
	s := newServer(t)
	s.environment(t, "shop", pipelineConfig)
	s.runWorker(t)
	approver, err := client.New(client.Config{Endpoint: s.endpoint, Token: s.tokens["approver"], Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a read-only token is told it lacks write", func(t *testing.T) {
		run(t, fails(s.config(`
resource "shiplog_release" "shop" {
  environment = "shop"
}`), errRe("shiplog token lacks the write scope", "--scope read,write")))
	})

	t.Run("an unknown environment fails at plan", func(t *testing.T) {
		run(t, resource.TestStep{Config: s.writer(`
resource "shiplog_release" "x" {
  environment = "no-such-env"
}`), PlanOnly: true, ExpectError: errRe("Unknown shiplog environment", `no environment "no-such-env"`, "Nothing was released")})
	})

	t.Run("import by id", func(t *testing.T) {
		cfg := s.writer(`
resource "shiplog_artifact" "web" {
  artifact_uri          = "registry.example.com/shop/web:9.0.0"
  app_name              = "web"
  build_id              = "b-9"
  registration_metadata = jsonencode({ commit = "abc" })
}
resource "shiplog_release" "shop" {
  environment = "shop"
  template    = "terraform-apply"
  artifacts   = [shiplog_artifact.web.id]
  variables   = { replicas = "2" }
}`)
		run(t,
			step(cfg, str("shiplog_release.shop", "status", "SUCCEEDED"),
				statecheck.ExpectKnownValue("shiplog_release.shop", at("url"), knownvalue.StringRegexp(regexp.MustCompile(`^`+regexp.QuoteMeta(s.endpoint)+`/releases/\d+$`)))),
			resource.TestStep{Config: cfg, ResourceName: "shiplog_release.shop", ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"}},
			resource.TestStep{Config: cfg, ResourceName: "shiplog_artifact.web", ImportState: true, ImportStateVerify: true},
			resource.TestStep{Config: cfg, ResourceName: "shiplog_release.shop", ImportState: true, ImportStateId: "latest",
				ExpectError: errRe("Invalid shiplog release ID", `"latest" is not a release ID`)},
		)
	})

	t.Run("a timeout keeps the release, and the next apply reads it back", func(t *testing.T) {
		s.gatedEnvironment(t, "gated")
		cfg := s.writer(`
resource "shiplog_release" "gated" {
  environment = "gated"
  template    = "terraform-apply"
  timeouts = {
    create = "2s"
  }
}`)
		var first int64
		run(t,
			resource.TestStep{Config: cfg, ExpectNonEmptyPlan: true, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("shiplog_release.gated", at("status"),
					knownvalue.StringRegexp(regexp.MustCompile(`^(QUEUED|IN_PROGRESS|PENDING_APPROVAL)$`))),
				statecheck.ExpectKnownValue("shiplog_release.gated", at("url"), knownvalue.StringRegexp(regexp.MustCompile(`/releases/\d+$`))),
				remember("shiplog_release.gated", &first),
			}},
			resource.TestStep{
				PreConfig: func() {
					// approve it once it waits for approval
					ctx := context.Background()
					if _, err := s.admin.AwaitRelease(ctx, first, 50*time.Millisecond, func(st release.Status) bool {
						return st == release.StatusPendingApproval
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := approver.Approve(ctx, first, "go"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					str("shiplog_release.gated", "status", "SUCCEEDED"),
					sameID("shiplog_release.gated", &first),
				},
			},
		)
		if n := releaseCount(t, s, "gated"); n != 1 {
			t.Fatalf("gated has %d releases, want 1: the timed-out one, read back", n)
		}
	})

	t.Run("abort_on_timeout aborts the release and fails the apply", func(t *testing.T) {
		s.gatedEnvironment(t, "gated-abort")
		run(t, fails(s.writer(`
resource "shiplog_release" "gated" {
  environment      = "gated-abort"
  template         = "terraform-apply"
  abort_on_timeout = true
  timeouts = {
    create = "2s"
  }
}`), errRe("did not finish in time", "abort_on_timeout is set", "it was aborted (now ABORTED)", "/releases/")))
		if r := s.latest(t, "gated-abort"); r.Status != release.StatusAborted {
			t.Fatalf("the timed-out release is %s, want ABORTED", r.Status)
		}
	})

	t.Run("destroy_template releases terraform-destroy on destroy", func(t *testing.T) {
		s.environment(t, "temp", pipelineConfig)
		resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories,
			Steps: []resource.TestStep{step(s.writer(`
resource "shiplog_release" "temp" {
  environment      = "temp"
  template         = "terraform-apply"
  destroy_template = "terraform-destroy"
}`), str("shiplog_release.temp", "status", "SUCCEEDED"), str("shiplog_release.temp", "destroy_template", "terraform-destroy"))},
			CheckDestroy: func(*terraform.State) error {
				r := s.latest(t, "temp")
				if r.Template != "terraform-destroy" || r.Type != release.TypeDestroy || r.Status != release.StatusSucceeded {
					return fmt.Errorf("the newest release of temp is %s %s %s, want a SUCCEEDED DESTROY of terraform-destroy", r.Template, r.Type, r.Status)
				}
				return nil
			},
		})
	})
}

// releaseCount is how many releases env has.
func releaseCount(t *testing.T, s *server, env string) int {
	t.Helper()
	l, err := s.admin.ListReleases(context.Background(), client.ReleaseFilter{Environment: env, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Releases)
}

// sameID checks that the id of resource name is still *id.
func sameID(name string, id *int64) statecheck.StateCheck {
	return sameIDCheck{name: name, id: id}
}

type sameIDCheck struct {
	name string
	id   *int64
}

func (c sameIDCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, c.name)
	if err != nil {
		resp.Error = err
		return
	}
	if got := fmt.Sprint(attrs["id"]); got != fmt.Sprint(*c.id) {
		resp.Error = fmt.Errorf("%s: id is %s, want %d: a new release was queued", c.name, got, *c.id)
	}
}

// Ctrl-C during `terraform apply` while a release waits for approval: the
// provider's log (TF_LOG=INFO) names the release and its page as it is
// queued and when it waits for approval; the real terraform, interrupted
// with SIGINT, says the wait was cancelled and where the release goes on,
// not that the server failed.
func TestAccReleaseWaitInterrupted(t *testing.T) {
	accEnv(t)
	s := newServer(t)
	s.gatedEnvironment(t, "gated")
	s.runWorker(t)

	dir := t.TempDir()
	main := `terraform {
  required_providers {
    shiplog = {
      source = "shiplog-dev/shiplog"
    }
  }
}
` + s.writer(`
resource "shiplog_release" "gated" {
  environment = "gated"
  template    = "terraform-apply"
}`)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	// The provider's log (tflog, INFO and up) goes to a file: what a user
	// sees with TF_LOG=INFO while the apply waits.
	providerLog := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_LOG", "INFO")
	t.Setenv("TF_LOG_PATH", providerLog)
	reattach := serveInProcess(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_LOG") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_REATTACH_PROVIDERS="+reattach, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	init := exec.Command(tf, "init", "-no-color", "-input=false")
	init.Dir, init.Env = dir, env
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	var out syncBuffer
	apply := exec.Command(tf, "apply", "-auto-approve", "-no-color", "-input=false")
	apply.Dir, apply.Env, apply.Stdout, apply.Stderr = dir, env, &out, &out
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	// once the release waits for approval, Ctrl-C
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var id int64
	for id == 0 {
		l, err := s.admin.ListReleases(ctx, client.ReleaseFilter{Environment: "gated"})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Releases) > 0 {
			id = l.Releases[0].ID
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no release was queued:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	page := fmt.Sprintf("%s/releases/%d", s.endpoint, id)
	waiting := fmt.Sprintf("shiplog release %d of gated waits for approval: %s (shiplog release approve %d)", id, page, id)
	for {
		// the provider has seen it wait for approval
		if logged, _ := os.ReadFile(providerLog); strings.Contains(string(logged), waiting) {
			break
		}
		select {
		case <-ctx.Done():
			logged, _ := os.ReadFile(providerLog)
			t.Fatalf("the provider's log never said %q:\n%s\n%s", waiting, logged, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := apply.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := apply.Wait()
	got := out.String()
	t.Logf("terraform apply, interrupted (%v):\n%s", err, got)
	if !strings.Contains(got, fmt.Sprintf("Waiting for shiplog release %d cancelled", id)) {
		t.Fatalf("terraform's output does not say the wait for release %d was cancelled:\n%s", id, got)
	}
	if !strings.Contains(got, page) {
		t.Fatalf("terraform's output does not give the release's page:\n%s", got)
	}
	if strings.Contains(got, "server error") || strings.Contains(got, "context canceled") {
		t.Fatalf("terraform's output reports the interruption as a failure of the server:\n%s", got)
	}
	if r := s.latest(t, "gated"); r.Status != release.StatusPendingApproval {
		t.Fatalf("the release is %s after Ctrl-C, want PENDING_APPROVAL (it goes on)", r.Status)
	}
	if !strings.Contains(strings.Join(strings.Fields(got), " "), "(last seen PENDING_APPROVAL)") {
		t.Fatalf("terraform's output does not say the release was last seen waiting for approval:\n%s", got)
	}
	logged, err := os.ReadFile(providerLog)
	if err != nil {
		t.Fatal(err)
	}
	if queued := fmt.Sprintf("shiplog release %d of gated queued: %s", id, page); !strings.Contains(string(logged), queued) {
		t.Fatalf("the provider's log does not say %q:\n%s", queued, logged)
	}
}

// serveInProcess serves the provider from the test process in debug mode
// and returns the TF_REATTACH_PROVIDERS value that points terraform at it.
func serveInProcess(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	configs := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go func() {
		err := tf6server.Serve(provider.Address, providerserver.NewProtocol6(provider.New("test")()),
			tf6server.WithDebug(ctx, configs, closed), tf6server.WithoutLogStderrOverride(), tf6server.WithLoggingSink(t))
		if err != nil {
			t.Errorf("serving the provider: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-closed })
	var c *plugin.ReattachConfig
	select {
	case c = <-configs:
	case <-time.After(time.Minute):
		t.Fatal("the provider did not start serving")
	}
	b, err := json.Marshal(map[string]any{provider.Address: map[string]any{
		"Protocol": c.Protocol, "ProtocolVersion": c.ProtocolVersion, "Pid": c.Pid, "Test": c.Test,
		"Addr": map[string]string{"Network": c.Addr.Network(), "String": c.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncBuffer is a buffer a process writes and the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
