package client_test

// What the client sends and decodes, against the real API server over a real
// PostgreSQL database (fault cases are in fault_test.go).

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// server starts the real API and returns clients by token name: admin,
// reader (read), pipeline (read, write), approver (approve).
func server(t *testing.T) (endpoint string, clients map[string]*client.Client) {
	t.Helper()
	st := dbtest.Store(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := api.New(api.Config{Store: st, Catalog: cat, Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		a.EndStreams()
		srv.Close()
		a.Close()
	})
	clients = map[string]*client.Client{}
	for name, scopes := range map[string][]string{
		"admin": {"admin"}, "reader": {"read"}, "pipeline": {"read", "write"}, "approver": {"approve"},
	} {
		secret, _, err := api.IssueToken(context.Background(), st, name, scopes)
		if err != nil {
			t.Fatal(err)
		}
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
	if !ok || e.Status != status || e.Code != code {
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

func TestAgainstTheAPI(t *testing.T) {
	ctx := context.Background()
	_, cs := server(t)
	admin, reader, pipeline, approver := cs["admin"], cs["reader"], cs["pipeline"], cs["approver"]

	t.Run("health and token", func(t *testing.T) {
		h, err := reader.Healthz(ctx)
		if err != nil || h.Status != "ok" {
			t.Fatalf("healthz: %+v %v", h, err)
		}
		h, err = reader.Readyz(ctx)
		if err != nil || h.Status != "ready" || len(h.Migrations) == 0 {
			t.Fatalf("readyz: %+v %v", h, err)
		}
		if err := reader.CheckToken(ctx); err != nil {
			t.Fatal(err)
		}
		wantCode(t, approver.CheckToken(ctx), http.StatusForbidden, apiwire.CodeForbidden)
		bad, err := client.New(client.Config{Endpoint: reader.Endpoint(), Token: "shiplog_nope"})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, bad.CheckToken(ctx), http.StatusUnauthorized, apiwire.CodeUnauthorized)
		doc, err := reader.OpenAPI(ctx)
		if err != nil || !bytes.Contains(doc, []byte(`"openapi"`)) {
			t.Fatalf("openapi: %v %.100s", err, doc)
		}
	})

	t.Run("environments", func(t *testing.T) {
		env, err := admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{
			Name: "shop", Source: release.Source{Dir: t.TempDir()},
			Variables:     []release.Variable{{Name: "region", Value: "eu"}, {Name: "password", Value: "s3cret", Sensitive: true}},
			PhaseTimeouts: map[string]string{"apply": "45m"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if env.Name != "shop" || env.ID == 0 || env.DefaultTemplate == "" || env.PhaseTimeouts["apply"] != "45m0s" {
			t.Fatalf("created %+v", env)
		}
		got, err := reader.GetEnvironment(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range got.Variables {
			if v.Name == "password" && (v.Value != "" || !v.Sensitive) {
				t.Fatalf("sensitive variable came back: %+v", v)
			}
		}
		_, err = pipeline.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "x", Source: release.Source{Dir: "/x"}})
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)
		_, err = admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "Bad Name", Source: release.Source{Dir: "/x"}})
		if e := wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid); e.Field != "name" {
			t.Fatalf("field %q", e.Field)
		}
		upd, err := admin.UpdateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "shop", Source: got.Source, ApprovalRequired: true,
			Variables: []release.Variable{{Name: "region", Value: "us"}, {Name: "password", Sensitive: true}}})
		if err != nil || !upd.ApprovalRequired {
			t.Fatalf("update: %+v %v", upd, err)
		}
		if _, err := admin.CreateEnvironment(ctx, apiwire.EnvironmentRequest{Name: "lab", Source: release.Source{Dir: t.TempDir()}}); err != nil {
			t.Fatal(err)
		}
		all, err := reader.ListEnvironments(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("list: %v %+v", err, all)
		}
		_, err = reader.GetEnvironment(ctx, "nowhere")
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		if rs, err := reader.ListResourceStatus(ctx, "shop", ""); err != nil || len(rs) != 0 {
			t.Fatalf("resources: %v %+v", err, rs)
		}
		_, err = reader.ListResourceStatus(ctx, "nowhere", "")
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		_, err = pipeline.ReportHealth(ctx, "shop", "terraform_data.none", release.Healthy)
		if !client.IsNotFound(err) && !client.HasCode(err, apiwire.CodeInvalid) {
			t.Fatalf("health of an unknown resource: %v", err)
		}
	})

	var web, api2 *release.Artifact
	t.Run("artifacts", func(t *testing.T) {
		var err error
		web, err = pipeline.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/web:1", BuildID: "b1", AppName: "web", StackName: "eu",
			RegistrationMetadata: map[string]any{"commit": "abc", "n": 3}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/web:2", BuildID: "b2", AppName: "web", StackName: "us"}); err != nil {
			t.Fatal(err)
		}
		if api2, err = pipeline.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/api:9", BuildID: "b3", AppName: "api"}); err != nil {
			t.Fatal(err)
		}
		got, err := reader.GetArtifact(ctx, web.ID)
		if err != nil || got.URI != web.URI || got.RegistrationMetadata["commit"] != "abc" || got.CreatedAt.IsZero() {
			t.Fatalf("get: %v %+v", err, got)
		}
		if got, err := reader.LatestArtifact(ctx, "web", "eu"); err != nil || got.ID != web.ID {
			t.Fatalf("latest web/eu: %v %+v", err, got)
		}
		if got, err := reader.LatestArtifact(ctx, "web", ""); err != nil || got.BuildID != "b2" {
			t.Fatalf("latest web: %v %+v", err, got)
		}
		_, err = reader.LatestArtifact(ctx, "nope", "")
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		if got, err := reader.FindArtifact(ctx, client.ArtifactFilter{BuildID: "b3"}); err != nil || got.ID != api2.ID {
			t.Fatalf("find b3: %v %+v", err, got)
		}
		_, err = reader.FindArtifact(ctx, client.ArtifactFilter{BuildID: "b9"})
		if e := wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound); !strings.Contains(e.Message, `build ID "b9"`) {
			t.Fatalf("message %q", e.Message)
		}
		_, err = reader.GetArtifact(ctx, 9999)
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
		_, err = reader.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "x", AppName: "x"})
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)

		// Paging: newest first, one at a time, until the cursor runs out.
		var ids []int64
		f := client.ArtifactFilter{Limit: 1}
		for range 10 {
			p, err := reader.ListArtifacts(ctx, f)
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

	var queued, recorded *release.Release
	t.Run("releases", func(t *testing.T) {
		var err error
		queued, err = pipeline.CreateRelease(ctx, apiwire.CreateReleaseRequest{
			Environment: "lab", Template: "terraform-apply", Targets: []string{"terraform_data.web"},
			Artifacts: []apiwire.ArtifactRef{{ID: web.ID}, {URI: "registry.example.com/new:1", AppName: "new", BuildID: "b4"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if queued.Status != release.StatusQueued || queued.Environment != "lab" || queued.TriggeredBy != "pipeline" ||
			len(queued.Phases) == 0 || len(queued.Artifacts) != 2 || queued.Type != release.TypeApply {
			t.Fatalf("created %+v", queued)
		}
		_, err = pipeline.CreateRelease(ctx, apiwire.CreateReleaseRequest{Environment: "lab", Template: "no-such-template"})
		if e := wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid); e.Field != "template" {
			t.Fatalf("field %q", e.Field)
		}
		got, err := reader.GetRelease(ctx, queued.ID)
		if err != nil || got.ID != queued.ID || len(got.Phases) != len(queued.Phases) || got.Phases[0].Name == "" {
			t.Fatalf("get: %v %+v", err, got)
		}
		_, err = reader.GetRelease(ctx, 424242)
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)

		// A plan made elsewhere, recorded as a finished PLAN release.
		recorded, err = pipeline.RecordPlan(ctx, "shop", client.RecordPlanOptions{BlueprintVersion: "v1"}, bytes.NewReader(realPlan(t)))
		if err != nil {
			t.Fatal(err)
		}
		if recorded.Status != release.StatusSucceeded || recorded.Type != release.TypePlan || recorded.Summary.Create != 3 || recorded.BlueprintVersion != "v1" {
			t.Fatalf("recorded %+v", recorded)
		}

		p, err := reader.ListReleases(ctx, client.ReleaseFilter{Environment: "lab", Statuses: []release.Status{release.StatusQueued, release.StatusInProgress}})
		if err != nil || len(p.Releases) != 1 || p.Releases[0].ID != queued.ID {
			t.Fatalf("list lab: %v %+v", err, p)
		}
		p, err = reader.ListReleases(ctx, client.ReleaseFilter{Template: "full-plan", DeploymentType: release.DeploymentRegular,
			TriggeredBy: "pipeline", CreatedAfter: time.Now().Add(-time.Hour), CreatedBefore: time.Now().Add(time.Hour)})
		if err != nil || len(p.Releases) != 1 || p.Releases[0].ID != recorded.ID {
			t.Fatalf("list full-plan: %v %+v", err, p)
		}
		_, err = reader.ListReleases(ctx, client.ReleaseFilter{Statuses: []release.Status{"DONE"}})
		if e := wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid); e.Field != "status" {
			t.Fatalf("field %q", e.Field)
		}
		latest, err := reader.LatestRelease(ctx, client.ReleaseFilter{Environment: "shop"})
		if err != nil || latest.ID != recorded.ID || len(latest.Phases) == 0 {
			t.Fatalf("latest: %v %+v", err, latest)
		}
		_, err = reader.LatestRelease(ctx, client.ReleaseFilter{Environment: "shop", Statuses: []release.Status{release.StatusFailed}})
		if e := wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound); e.Message != `no release matches environment "shop", status FAILED` {
			t.Fatalf("message %q", e.Message)
		}
		// Paging through both releases, newest first.
		first, err := reader.ListReleases(ctx, client.ReleaseFilter{Limit: 1})
		if err != nil || len(first.Releases) != 1 || first.NextCursor == "" {
			t.Fatalf("page 1: %v %+v", err, first)
		}
		second, err := reader.ListReleases(ctx, client.ReleaseFilter{Limit: 1, Cursor: first.NextCursor})
		if err != nil || len(second.Releases) != 1 || second.Releases[0].ID >= first.Releases[0].ID {
			t.Fatalf("page 2: %v %+v", err, second)
		}
	})

	t.Run("changes", func(t *testing.T) {
		all, err := reader.AllChanges(ctx, recorded.ID, client.ChangeFilter{}, 0)
		if err != nil || len(all) != 3 {
			t.Fatalf("all: %v %d", err, len(all))
		}
		for _, c := range all {
			if c.Action != release.ChangeCreate || c.Type != "terraform_data" || c.Phase == "" || c.Kind != release.KindResource || len(c.Fields) == 0 {
				t.Fatalf("change %+v", c)
			}
		}
		paged, err := reader.AllChanges(ctx, recorded.ID, client.ChangeFilter{Limit: 1}, 0)
		if err != nil || len(paged) != 3 || paged[2].Address != all[2].Address {
			t.Fatalf("paged: %v %+v", err, paged)
		}
		if _, err := reader.AllChanges(ctx, recorded.ID, client.ChangeFilter{Limit: 1}, 2); err == nil {
			t.Fatal("more changes than the maximum: want an error")
		}
		web, err := reader.ListChanges(ctx, recorded.ID, client.ChangeFilter{Action: release.ChangeCreate, Type: "terraform_data", Module: "root", AddressPrefix: "terraform_data.w"})
		if err != nil || len(web.Changes) != 1 || web.Changes[0].Address != "terraform_data.web" {
			t.Fatalf("filtered: %v %+v", err, web)
		}
		none, err := reader.ListChanges(ctx, recorded.ID, client.ChangeFilter{Kind: release.KindOutput, All: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range none.Changes {
			if c.Kind != release.KindOutput {
				t.Fatalf("kind %s", c.Kind)
			}
		}
		_, err = reader.ListChanges(ctx, recorded.ID, client.ChangeFilter{Action: "destroy"})
		wantCode(t, err, http.StatusBadRequest, apiwire.CodeInvalid)

		res, err := pipeline.IngestPlan(ctx, queued.ID, "", bytes.NewReader(realPlan(t)))
		if err != nil || res.ReleaseID != queued.ID || res.Phase != "plan" || res.Summary.Create != 3 {
			t.Fatalf("ingest: %v %+v", err, res)
		}
		_, err = pipeline.IngestPlan(ctx, queued.ID, "plan", strings.NewReader(`{"not": "a plan"`))
		if _, ok := client.AsError(err); !ok {
			t.Fatalf("ingesting garbage: %v", err)
		}
	})

	t.Run("logs", func(t *testing.T) {
		p, err := reader.ListLogs(ctx, recorded.ID, client.LogFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var streamed []release.LogEntry
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		// A finished release: the stream sends what there is and ends.
		if err := reader.StreamLogs(sctx, recorded.ID, "", func(e release.LogEntry) error {
			streamed = append(streamed, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(streamed) < len(p.Entries) {
			t.Fatalf("streamed %d lines, the page has %d", len(streamed), len(p.Entries))
		}
		_, err = reader.ListLogs(ctx, 424242, client.LogFilter{})
		wantCode(t, err, http.StatusNotFound, apiwire.CodeNotFound)
	})

	t.Run("release actions", func(t *testing.T) {
		_, err := approver.Approve(ctx, queued.ID, "looks good")
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
		_, err = reader.Abort(ctx, queued.ID, "")
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)
		aborted, err := pipeline.Abort(ctx, queued.ID, "not today")
		if err != nil || aborted.Status != release.StatusAborted {
			t.Fatalf("abort: %v %+v", err, aborted)
		}
		_, err = pipeline.Abort(ctx, queued.ID, "")
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
		_, err = approver.Reject(ctx, queued.ID, "")
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
		signed, err := approver.SignOff(ctx, recorded.ID, release.SignOffApproved, "fine")
		if err != nil || signed.SignOff.Status != release.SignOffApproved || signed.SignOff.By != "approver" {
			t.Fatalf("signoff: %v %+v", err, signed)
		}
		_, err = pipeline.Rollback(ctx, queued.ID)
		wantCode(t, err, http.StatusConflict, apiwire.CodeConflict)
	})

	t.Run("tokens", func(t *testing.T) {
		tok, err := admin.CreateToken(ctx, "ci", []string{string(apiwire.ScopeRead)})
		if err != nil || tok.Secret == "" || tok.Name != "ci" {
			t.Fatalf("create: %v %+v", err, tok)
		}
		ci, err := client.New(client.Config{Endpoint: reader.Endpoint(), Token: tok.Secret})
		if err != nil {
			t.Fatal(err)
		}
		if err := ci.CheckToken(ctx); err != nil {
			t.Fatal(err)
		}
		list, err := admin.ListTokens(ctx)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if !slices.ContainsFunc(list, func(t apiwire.Token) bool { return t.Name == "ci" }) {
			t.Fatalf("list has no token ci: %+v", list)
		}
		raw, err := admin.Raw(ctx, nil, "tokens")
		if err != nil {
			t.Fatalf("list (raw): %v", err)
		}
		if strings.Contains(string(raw), `"secret"`) {
			t.Errorf("the token list shows a secret: %s", raw)
		}
		_, err = reader.ListTokens(ctx)
		wantCode(t, err, http.StatusForbidden, apiwire.CodeForbidden)
		if err := admin.DeleteToken(ctx, "ci"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, ci.CheckToken(ctx), http.StatusUnauthorized, apiwire.CodeUnauthorized)
		wantCode(t, admin.DeleteToken(ctx, "nobody"), http.StatusNotFound, apiwire.CodeNotFound)
	})

	t.Run("callers cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := reader.GetRelease(cctx, recorded.ID)
		if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrTimeout) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
	})
}
