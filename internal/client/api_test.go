package client_test

// What the client sends and decodes, against the real API server over a real
// PostgreSQL database (fault cases are in fault_test.go).

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// server starts the real API and returns clients by token name: admin,
// reader (read), pipeline (read, write), approver (approve).
func server(t *testing.T) (endpoint string, clients map[string]*client.Client) {
	t.Helper()
	srv := testutil.NewAPI(t, dbtest.Store(t))
	clients = map[string]*client.Client{}
	for name, secret := range srv.Tokens(t, map[string][]string{
		"admin": {"admin"}, "reader": {"read"}, "pipeline": {"read", "write"}, "approver": {"approve"},
	}) {
		endpoint := srv.URL
		if name == "reader" {
			endpoint += "/api/v1/" // the suffix is accepted
		}
		c, err := client.New(client.Config{Endpoint: endpoint, Token: secret, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}
	return srv.URL, clients
}

func wantCode(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	e, ok := client.AsError(err)
	if !ok {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if e.Status != status {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if e.Code != code {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	return e
}

// realPlan runs terraform on examples/quickstart and returns the plan JSON.
func realPlan(t *testing.T) []byte {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("terraform is not on PATH: run the tests through `make test`, which provides it")
	}
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, args := range [][]string{
		{"init", "-input=false", "-no-color"},
		{"plan", "-input=false", "-no-color", "-out=q.tfplan"},
		{"show", "-json", "q.tfplan"},
	} {
		cmd := exec.Command(tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err = cmd.Output(); err != nil {
			t.Fatalf("terraform %s: %v\n%s", args[0], err, stderr.String())
		}
	}
	return out
}

// apiCase is a real API server with a client per token (see server).
type apiCase struct {
	admin, reader, pipeline, approver *client.Client
}

func newAPICase(t *testing.T) *apiCase {
	t.Helper()
	_, cs := server(t)
	return &apiCase{admin: cs["admin"], reader: cs["reader"], pipeline: cs["pipeline"], approver: cs["approver"]}
}

// environments creates environments shop (with a sensitive variable and
// an apply timeout) and lab.
func (c *apiCase) environments(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{
		Name: "shop", Source: release.Source{Dir: t.TempDir()},
		Variables:     []release.Variable{{Name: "region", Value: "eu"}, {Name: "password", Value: "s3cret", Sensitive: true}},
		PhaseTimeouts: map[string]string{"apply": "45m"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "lab", Source: release.Source{Dir: t.TempDir()}}); err != nil {
		t.Fatal(err)
	}
}

// artifacts registers web:1 (web/eu, build b1), web:2 (web/us, b2) and
// api:9 (b3), and returns web:1 and api:9.
func (c *apiCase) artifacts(t *testing.T) (web, api2 *release.Artifact) {
	t.Helper()
	ctx := context.Background()
	web, err := c.pipeline.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/web:1", BuildID: "b1", AppName: "web", StackName: "eu",
		RegistrationMetadata: map[string]any{"commit": "abc", "n": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.pipeline.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/web:2", BuildID: "b2", AppName: "web", StackName: "us"}); err != nil {
		t.Fatal(err)
	}
	if api2, err = c.pipeline.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/api:9", BuildID: "b3", AppName: "api"}); err != nil {
		t.Fatal(err)
	}
	return web, api2
}

// releases makes the environments and artifacts, a queued terraform-apply
// release of lab (deploying web:1 and a new artifact) and a plan of shop
// recorded from planJSON (blueprint v1).
func (c *apiCase) releases(t *testing.T, planJSON []byte) (queued, recorded *release.Release) {
	t.Helper()
	ctx := context.Background()
	c.environments(t)
	web, _ := c.artifacts(t)
	queued, err := c.pipeline.CreateRelease(ctx, apiwire.CreateReleaseRequest{
		Environment: "lab", Template: "terraform-apply",
		Artifacts: []apiwire.ArtifactRef{{ID: web.ID}, {URI: "registry.example.com/new:1", AppName: "new", BuildID: "b4"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	recorded, err = c.pipeline.RecordPlan(ctx, "shop", client.RecordPlanOptions{BlueprintVersion: "v1"}, bytes.NewReader(planJSON))
	if err != nil {
		t.Fatal(err)
	}
	return queued, recorded
}

func TestAgainstTheAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	planJSON := realPlan(t) // read only: every subtest sends its own copy

	t.Run("health and token", func(t *testing.T) {
		c := newAPICase(t)
		h, err := c.reader.Healthz(ctx)
		if err != nil {
			t.Fatalf("healthz: %v", err)
		}
		if h.Status != "ok" {
			t.Fatalf("healthz: %+v", h)
		}
		h, err = c.reader.Readyz(ctx)
		if err != nil {
			t.Fatalf("readyz: %v", err)
		}
		if h.Status != "ready" {
			t.Fatalf("readyz status: %+v", h)
		}
		if len(h.Migrations) == 0 {
			t.Fatalf("readyz lists no migrations: %+v", h)
		}
		if err := c.reader.CheckToken(ctx); err != nil {
			t.Fatal(err)
		}
		wantCode(t, c.approver.CheckToken(ctx), http.StatusForbidden, apiwire.CodeForbidden)
		bad, err := client.New(client.Config{Endpoint: c.reader.Endpoint(), Token: "shiplog_nope"})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, bad.CheckToken(ctx), http.StatusUnauthorized, apiwire.CodeUnauthorized)
		doc, err := c.reader.OpenAPI(ctx)
		if err != nil {
			t.Fatalf("openapi: %v", err)
		}
		if !bytes.Contains(doc, []byte(`"openapi"`)) {
			t.Fatalf("openapi: %.100s", doc)
		}
	})

	t.Run("environments", func(t *testing.T) {
		c := newAPICase(t)
		env, err := c.admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{
			Name: "shop", Source: release.Source{Dir: t.TempDir()},
			Variables:     []release.Variable{{Name: "region", Value: "eu"}, {Name: "password", Value: "s3cret", Sensitive: true}},
			PhaseTimeouts: map[string]string{"apply": "45m"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if env.Name != "shop" {
			t.Errorf("created name %q", env.Name)
		}
		if env.ID == 0 {
			t.Errorf("created without id: %+v", env)
		}
		if env.DefaultTemplate == "" {
			t.Errorf("created without default template: %+v", env)
		}
		if env.PhaseTimeouts["apply"] != "45m0s" {
			t.Errorf("apply timeout %q, want 45m0s", env.PhaseTimeouts["apply"])
		}
		got, err := c.reader.GetEnvironment(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range got.Variables {
			if v.Name == "password" && v.Value != "" {
				t.Fatalf("sensitive variable came back with its value: %+v", v)
			}
			if v.Name == "password" && !v.Sensitive {
				t.Fatalf("sensitive variable came back not sensitive: %+v", v)
			}
		}
		_, err = c.pipeline.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "x", Source: release.Source{Dir: "/x"}})
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)
		_, err = c.admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "Bad Name", Source: release.Source{Dir: "/x"}})
		if e := wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid); e.Field != "name" {
			t.Fatalf("field %q", e.Field)
		}
		upd, err := c.admin.UpdateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "shop", Source: got.Source, ApprovalRequired: true,
			Variables: []release.Variable{{Name: "region", Value: "us"}, {Name: "password", Sensitive: true}}})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if !upd.ApprovalRequired {
			t.Fatalf("update did not require approval: %+v", upd)
		}
		if _, err := c.admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "lab", Source: release.Source{Dir: t.TempDir()}}); err != nil {
			t.Fatal(err)
		}
		all, err := c.reader.ListEnvironments(ctx)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(all) != 2 {
			t.Fatalf("listed %d environments, want 2: %+v", len(all), all)
		}
		_, err = c.reader.GetEnvironment(ctx, "nowhere")
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		rs, err := c.reader.ListResourceStatus(ctx, "shop", "")
		if err != nil {
			t.Fatalf("resources: %v", err)
		}
		if len(rs) != 0 {
			t.Fatalf("resources of a new environment: %+v", rs)
		}
		_, err = c.reader.ListResourceStatus(ctx, "nowhere", "")
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		_, err = c.pipeline.ReportHealth(ctx, "shop", "terraform_data.none", release.Healthy)
		if !client.IsNotFound(err) && !client.HasCode(err, apiwire.CodeInvalid) {
			t.Fatalf("health of an unknown resource: %v", err)
		}
	})

	t.Run("artifacts", func(t *testing.T) {
		c := newAPICase(t)
		web, api2 := c.artifacts(t)
		got, err := c.reader.GetArtifact(ctx, web.ID)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if got.URI != web.URI {
			t.Errorf("get: uri %q, want %q", got.URI, web.URI)
		}
		if got.RegistrationMetadata["commit"] != "abc" {
			t.Errorf("get: metadata %+v", got.RegistrationMetadata)
		}
		if got.CreatedAt.IsZero() {
			t.Errorf("get: no creation time: %+v", got)
		}
		latest, err := c.reader.LatestArtifact(ctx, "web", "eu", "")
		if err != nil {
			t.Fatalf("latest web/eu: %v", err)
		}
		if latest.ID != web.ID {
			t.Fatalf("latest web/eu: %+v, want %d", latest, web.ID)
		}
		latest, err = c.reader.LatestArtifact(ctx, "web", "", "")
		if err != nil {
			t.Fatalf("latest web: %v", err)
		}
		if latest.BuildID != "b2" {
			t.Fatalf("latest web: %+v, want build b2", latest)
		}
		_, err = c.reader.LatestArtifact(ctx, "nope", "", "")
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		found, err := c.reader.FindArtifact(ctx, client.ArtifactFilter{BuildID: "b3"})
		if err != nil {
			t.Fatalf("find b3: %v", err)
		}
		if found.ID != api2.ID {
			t.Fatalf("find b3: %+v, want %d", found, api2.ID)
		}
		_, err = c.reader.FindArtifact(ctx, client.ArtifactFilter{BuildID: "b9"})
		if e := wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound); !strings.Contains(e.Message, `build ID "b9"`) {
			t.Fatalf("message %q", e.Message)
		}
		_, err = c.reader.GetArtifact(ctx, 9999)
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		_, err = c.reader.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "x", AppName: "x"})
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)

		// Paging: newest first, one at a time, until the cursor runs out.
		var ids []int64
		f := client.ArtifactFilter{Limit: 1}
		for range 10 {
			p, err := c.reader.ListArtifacts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range p.Artifacts {
				ids = append(ids, a.ID)
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		if !slices.Equal(ids, []int64{api2.ID, api2.ID - 1, web.ID}) {
			t.Fatalf("paged ids %v", ids)
		}
	})

	t.Run("releases", func(t *testing.T) {
		c := newAPICase(t)
		queued, recorded := c.releases(t, planJSON)
		if queued.Status != release.StatusQueued {
			t.Errorf("created status %s, want QUEUED", queued.Status)
		}
		if queued.Environment != "lab" {
			t.Errorf("created in %q, want lab", queued.Environment)
		}
		if queued.TriggeredBy != "pipeline" {
			t.Errorf("created by %q, want pipeline", queued.TriggeredBy)
		}
		if len(queued.Phases) == 0 {
			t.Errorf("created without phases: %+v", queued)
		}
		if len(queued.Artifacts) != 2 {
			t.Errorf("created with %d artifacts, want 2", len(queued.Artifacts))
		}
		if queued.Type != release.TypeApply {
			t.Errorf("created type %s, want APPLY", queued.Type)
		}
		_, err := c.pipeline.CreateRelease(ctx, apiwire.CreateReleaseRequest{Environment: "lab", Template: "no-such-template"})
		if e := wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid); e.Field != "template" {
			t.Fatalf("field %q", e.Field)
		}
		got, err := c.reader.GetRelease(ctx, queued.ID)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if got.ID != queued.ID {
			t.Errorf("get: id %d, want %d", got.ID, queued.ID)
		}
		if len(got.Phases) != len(queued.Phases) {
			t.Errorf("get: %d phases, want %d", len(got.Phases), len(queued.Phases))
		}
		if got.Phases[0].Name == "" {
			t.Errorf("get: unnamed phase: %+v", got.Phases[0])
		}
		_, err = c.reader.GetRelease(ctx, 424242)
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)

		// A plan made elsewhere, recorded as a finished PLAN release.
		if recorded.Status != release.StatusSucceeded {
			t.Errorf("recorded status %s, want SUCCEEDED", recorded.Status)
		}
		if recorded.Type != release.TypePlan {
			t.Errorf("recorded type %s, want PLAN", recorded.Type)
		}
		if recorded.Summary.Create != 3 {
			t.Errorf("recorded summary %+v, want 3 creates", recorded.Summary)
		}
		if recorded.BlueprintVersion != "v1" {
			t.Errorf("recorded blueprint %q, want v1", recorded.BlueprintVersion)
		}

		p, err := c.reader.ListReleases(ctx, client.ReleaseFilter{Environment: "lab", Statuses: []release.Status{release.StatusQueued, release.StatusInProgress}})
		if err != nil {
			t.Fatalf("list lab: %v", err)
		}
		if len(p.Releases) != 1 {
			t.Fatalf("list lab: %+v, want only release %d", p, queued.ID)
		}
		if p.Releases[0].ID != queued.ID {
			t.Fatalf("list lab: %+v, want only release %d", p, queued.ID)
		}
		p, err = c.reader.ListReleases(ctx, client.ReleaseFilter{Template: "full-plan", DeploymentType: release.DeploymentRegular,
			TriggeredBy: "pipeline", CreatedAfter: time.Now().Add(-time.Hour), CreatedBefore: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("list full-plan: %v", err)
		}
		if len(p.Releases) != 1 {
			t.Fatalf("list full-plan: %+v, want only release %d", p, recorded.ID)
		}
		if p.Releases[0].ID != recorded.ID {
			t.Fatalf("list full-plan: %+v, want only release %d", p, recorded.ID)
		}
		_, err = c.reader.ListReleases(ctx, client.ReleaseFilter{Statuses: []release.Status{"DONE"}})
		if e := wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid); e.Field != "status" {
			t.Fatalf("field %q", e.Field)
		}
		latest, err := c.reader.LatestRelease(ctx, client.ReleaseFilter{Environment: "shop"})
		if err != nil {
			t.Fatalf("latest: %v", err)
		}
		if latest.ID != recorded.ID {
			t.Errorf("latest: %d, want %d", latest.ID, recorded.ID)
		}
		if len(latest.Phases) == 0 {
			t.Errorf("latest comes without phases: %+v", latest)
		}
		_, err = c.reader.LatestRelease(ctx, client.ReleaseFilter{Environment: "shop", Statuses: []release.Status{release.StatusFailed}})
		if e := wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound); e.Message != `no release matches environment "shop", status FAILED` {
			t.Fatalf("message %q", e.Message)
		}
		// Paging through both releases, newest first.
		first, err := c.reader.ListReleases(ctx, client.ReleaseFilter{Limit: 1})
		if err != nil {
			t.Fatalf("page 1: %v", err)
		}
		if len(first.Releases) != 1 {
			t.Fatalf("page 1 has %d releases, want 1", len(first.Releases))
		}
		if first.NextCursor == "" {
			t.Fatalf("page 1 has no cursor: %+v", first)
		}
		second, err := c.reader.ListReleases(ctx, client.ReleaseFilter{Limit: 1, Cursor: first.NextCursor})
		if err != nil {
			t.Fatalf("page 2: %v", err)
		}
		if len(second.Releases) != 1 {
			t.Fatalf("page 2 has %d releases, want 1", len(second.Releases))
		}
		if second.Releases[0].ID >= first.Releases[0].ID {
			t.Fatalf("page 2 (%d) is not older than page 1 (%d)", second.Releases[0].ID, first.Releases[0].ID)
		}
	})

	t.Run("changes", func(t *testing.T) {
		c := newAPICase(t)
		queued, recorded := c.releases(t, planJSON)
		all, err := c.reader.AllChanges(ctx, recorded.ID, client.ChangeFilter{}, 0)
		if err != nil {
			t.Fatalf("all: %v", err)
		}
		if len(all) != 3 {
			t.Fatalf("all: %d changes, want 3", len(all))
		}
		for _, ch := range all {
			if ch.Action != release.ChangeCreate {
				t.Errorf("change %s: action %s, want create", ch.Address, ch.Action)
			}
			if ch.Type != "terraform_data" {
				t.Errorf("change %s: type %s", ch.Address, ch.Type)
			}
			if ch.Phase == "" {
				t.Errorf("change %s: no phase", ch.Address)
			}
			if ch.Kind != release.KindResource {
				t.Errorf("change %s: kind %s, want resource", ch.Address, ch.Kind)
			}
			if len(ch.Fields) == 0 {
				t.Errorf("change %s: no fields", ch.Address)
			}
		}
		paged, err := c.reader.AllChanges(ctx, recorded.ID, client.ChangeFilter{Limit: 1}, 0)
		if err != nil {
			t.Fatalf("paged: %v", err)
		}
		if len(paged) != 3 {
			t.Fatalf("paged: %d changes, want 3", len(paged))
		}
		if paged[2].Address != all[2].Address {
			t.Fatalf("paged: last %s, want %s", paged[2].Address, all[2].Address)
		}
		if _, err := c.reader.AllChanges(ctx, recorded.ID, client.ChangeFilter{Limit: 1}, 2); err == nil {
			t.Fatal("more changes than the maximum: want an error")
		}
		web, err := c.reader.ListChanges(ctx, recorded.ID, client.ChangeFilter{Action: release.ChangeCreate, Type: "terraform_data", Module: "root", AddressPrefix: "terraform_data.w"})
		if err != nil {
			t.Fatalf("filtered: %v", err)
		}
		if len(web.Changes) != 1 {
			t.Fatalf("filtered: %+v, want only terraform_data.web", web)
		}
		if web.Changes[0].Address != "terraform_data.web" {
			t.Fatalf("filtered: %+v, want only terraform_data.web", web)
		}
		none, err := c.reader.ListChanges(ctx, recorded.ID, client.ChangeFilter{Kind: release.KindOutput, All: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range none.Changes {
			if ch.Kind != release.KindOutput {
				t.Fatalf("kind %s", ch.Kind)
			}
		}
		_, err = c.reader.ListChanges(ctx, recorded.ID, client.ChangeFilter{Action: "destroy"})
		wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid)

		res, err := c.pipeline.IngestPlan(ctx, queued.ID, "", bytes.NewReader(planJSON))
		if err != nil {
			t.Fatalf("ingest: %v", err)
		}
		if res.ReleaseID != queued.ID {
			t.Errorf("ingest: release %d, want %d", res.ReleaseID, queued.ID)
		}
		if res.Phase != "plan" {
			t.Errorf("ingest: phase %q, want plan", res.Phase)
		}
		if res.Summary.Create != 3 {
			t.Errorf("ingest: summary %+v, want 3 creates", res.Summary)
		}
		_, err = c.pipeline.IngestPlan(ctx, queued.ID, "plan", strings.NewReader(`{"not": "a plan"`))
		if _, ok := client.AsError(err); !ok {
			t.Fatalf("ingesting garbage: %v", err)
		}
	})

	t.Run("logs", func(t *testing.T) {
		c := newAPICase(t)
		_, recorded := c.releases(t, planJSON)
		p, err := c.reader.ListLogs(ctx, recorded.ID, client.LogFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var streamed []release.LogEntry
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		// A finished release: the stream sends what there is and ends.
		if err := c.reader.StreamLogs(sctx, recorded.ID, "", func(e release.LogEntry) error {
			streamed = append(streamed, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(streamed) < len(p.Entries) {
			t.Fatalf("streamed %d lines, the page has %d", len(streamed), len(p.Entries))
		}
		_, err = c.reader.ListLogs(ctx, 424242, client.LogFilter{})
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
	})

	t.Run("release actions", func(t *testing.T) {
		c := newAPICase(t)
		queued, recorded := c.releases(t, planJSON)
		_, err := c.approver.Approve(ctx, queued.ID, "looks good")
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
		_, err = c.reader.Abort(ctx, queued.ID, "")
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)
		aborted, err := c.pipeline.Abort(ctx, queued.ID, "not today")
		if err != nil {
			t.Fatalf("abort: %v", err)
		}
		if aborted.Status != release.StatusAborted {
			t.Fatalf("abort: status %s, want ABORTED", aborted.Status)
		}
		_, err = c.pipeline.Abort(ctx, queued.ID, "")
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
		_, err = c.approver.Reject(ctx, queued.ID, "")
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
		signed, err := c.approver.SignOff(ctx, recorded.ID, release.SignOffApproved, "fine")
		if err != nil {
			t.Fatalf("signoff: %v", err)
		}
		if signed.SignOff.Status != release.SignOffApproved {
			t.Errorf("signoff status %s, want APPROVED", signed.SignOff.Status)
		}
		if signed.SignOff.By != "approver" {
			t.Errorf("signed off by %q, want approver", signed.SignOff.By)
		}
		_, err = c.pipeline.Rollback(ctx, queued.ID)
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
	})

	t.Run("tokens", func(t *testing.T) {
		c := newAPICase(t)
		tok, err := c.admin.CreateToken(ctx, "ci", []string{string(apiwire.ScopeRead)})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if tok.Secret == "" {
			t.Errorf("created token without its secret: %+v", tok)
		}
		if tok.Name != "ci" {
			t.Errorf("created token %q, want ci", tok.Name)
		}
		ci, err := client.New(client.Config{Endpoint: c.reader.Endpoint(), Token: tok.Secret})
		if err != nil {
			t.Fatal(err)
		}
		if err := ci.CheckToken(ctx); err != nil {
			t.Fatal(err)
		}
		list, err := c.admin.ListTokens(ctx)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if !slices.ContainsFunc(list, func(t apiwire.Token) bool { return t.Name == "ci" }) {
			t.Fatalf("list has no token ci: %+v", list)
		}
		raw, err := c.admin.Raw(ctx, nil, "tokens")
		if err != nil {
			t.Fatalf("list (raw): %v", err)
		}
		if strings.Contains(string(raw), `"secret"`) {
			t.Errorf("the token list shows a secret: %s", raw)
		}
		_, err = c.reader.ListTokens(ctx)
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)
		if err := c.admin.DeleteToken(ctx, "ci"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, ci.CheckToken(ctx), http.StatusUnauthorized, apiwire.CodeUnauthorized)
		wantCode(t, c.admin.DeleteToken(ctx, "nobody"), http.StatusNotFound, apiwire.CodeNotFound)
	})

	t.Run("callers cancel", func(t *testing.T) {
		c := newAPICase(t)
		_, recorded := c.releases(t, planJSON)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := c.reader.GetRelease(cctx, recorded.ID)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		if errors.Is(err, client.ErrTimeout) {
			t.Fatalf("a cancelled call reported as a timeout: %v", err)
		}
	})
}
