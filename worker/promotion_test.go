package worker_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// promoter reads, deploys and signs off.
var promoter = service.Caller{Name: "release-manager", Scopes: []string{string(apiwire.ScopeRead), string(apiwire.ScopeWrite), string(apiwire.ScopeApprove)}}

// streamSetup makes staging (its configuration: two resources) and
// production downstream of it, whose own directory holds another
// configuration (five resources): what a promotion runs can only have
// come from staging. Production requires upstream sign-off. It runs one
// release of staging with an artifact and returns it, SUCCEEDED.
func streamSetup(t *testing.T) (*harness, *service.Service, *release.Release) {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t)
	h.env("staging", namedConfig(t, "v1", 2))
	h.env("production", namedConfig(t, "other", 5), func(e *release.Environment) {
		e.Upstream, e.RequireUpstreamSignOff = "staging", true
	})
	svc := h.service()
	up, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
		Environment: "staging", Template: "terraform-apply",
		Artifacts: []apiwire.ArtifactRef{{URI: "registry.example/web:1.4.2", AppName: "web", BuildID: "b-77"}},
		Variables: []release.Variable{{Name: "note", Value: "from staging"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.runOnce(h.worker())
	if up = h.get(up.ID); up.Status != release.StatusSucceeded || up.BlueprintVersion == "" {
		t.Fatalf("staging release %s, blueprint %q\n%s", up.Status, up.BlueprintVersion, up.ErrorLog)
	}
	return h, svc, up
}

// conflictSaying checks err is a Conflict whose message holds each want.
func conflictSaying(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.Conflict {
		t.Fatalf("%s: got %v, want a conflict", what, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not say %q", what, err, w)
		}
	}
}

// A promotion runs downstream exactly what the signed-off release upstream
// ran — its blueprint (not the downstream environment's own directory),
// its artifacts and its variables — and links both ways; without the
// sign-off production requires, it is refused, naming the release to sign
// off, and so is any other release that carries what was not signed off.
func TestPromotionCarriesTheSignedOffRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, svc, up := streamSetup(t)

	t.Run("refused before sign-off", func(t *testing.T) {
		_, err := svc.Promote(ctx, promoter, up.ID, apiwire.PromoteRequest{})
		conflictSaying(t, "promotion", err, "not signed off", "shiplog release signoff "+strconv.FormatInt(up.ID, 10))
		_, _, err = svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "production"}})
		conflictSaying(t, "a release of production's own directory", err, "takes only what was signed off in staging", "names no blueprint version")
		_, _, err = svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
			Environment: "production", BlueprintVersion: up.BlueprintVersion, Artifacts: []apiwire.ArtifactRef{{ID: up.Artifacts[0].ID}}}})
		conflictSaying(t, "a release carrying staging's configuration", err, "release "+strconv.FormatInt(up.ID, 10)+" of staging is not signed off")
		u, err := svc.Unpromoted(ctx, promoter, "production")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Releases) != 1 || u.Releases[0].ID != up.ID || u.Releases[0].Promotable {
			t.Fatalf("not yet promoted: %+v, want release %d, not promotable", u.Releases, up.ID)
		}
	})
	if err := svc.SignOff(ctx, promoter, up.ID, release.SignOffApproved, "checked in staging"); err != nil {
		t.Fatal(err)
	}
	promo, err := svc.Promote(ctx, promoter, up.ID, apiwire.PromoteRequest{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the promotion as queued", func(t *testing.T) {
		if promo.Environment != "production" || promo.PromotedFrom == nil || *promo.PromotedFrom != up.ID {
			t.Errorf("promotion of %s from %v, want production from %d", promo.Environment, promo.PromotedFrom, up.ID)
		}
		if promo.BlueprintVersion != up.BlueprintVersion {
			t.Errorf("promotion blueprint %q, want staging's %q", promo.BlueprintVersion, up.BlueprintVersion)
		}
		if got, want := release.ArtifactIDs(promo.Artifacts), release.ArtifactIDs(up.Artifacts); !slices.Equal(got, want) {
			t.Errorf("promotion artifacts %v, want %v", got, want)
		}
		if !slices.ContainsFunc(promo.Variables, func(v release.Variable) bool { return v.Name == "note" && v.Value == "from staging" }) {
			t.Errorf("promotion variables %+v, want note = from staging", promo.Variables)
		}
		if got := h.get(up.ID).PromotedTo; !slices.Equal(got, []int64{promo.ID}) {
			t.Errorf("staging release promoted to %v, want [%d]", got, promo.ID)
		}
		u, err := svc.Unpromoted(ctx, promoter, "production")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Releases) != 1 || u.Releases[0].Promotion != promo.ID {
			t.Errorf("not yet promoted while it runs: %+v, want release %d shown with promotion %d", u.Releases, up.ID, promo.ID)
		}
	})

	h.runOnce(h.worker())
	done := h.get(promo.ID)
	if done.Status != release.StatusSucceeded {
		t.Fatalf("promotion %s\n%s", done.Status, done.ErrorLog)
	}
	t.Run("ran staging's configuration", func(t *testing.T) {
		if logs := joinLogs(h.logs(promo.ID)); !strings.Contains(logs, "blueprint "+up.BlueprintVersion+" from the store") {
			t.Errorf("promotion log does not say it ran blueprint %s from the store:\n%s", up.BlueprintVersion, logs)
		}
		vs, err := h.store.ListStateVersions(ctx, "production", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 || vs[0].Resources != 2 {
			t.Errorf("production's state %+v: want staging's 2 resources, not its own directory's 5", vs)
		}
		res, err := h.store.ListResourceStatus(ctx, "production", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if !strings.HasPrefix(r.Address, "terraform_data.v1_") || r.LiveBlueprintVersion != up.BlueprintVersion {
				t.Errorf("production resource %s at %s, want staging's v1_ resources at %s", r.Address, r.LiveBlueprintVersion, up.BlueprintVersion)
			}
		}
		u, err := svc.Unpromoted(ctx, promoter, "production")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Releases) != 0 {
			t.Errorf("not yet promoted after the promotion: %+v, want none", u.Releases)
		}
	})
	t.Run("what was signed off may be released again", func(t *testing.T) {
		again, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
			Environment: "production", BlueprintVersion: up.BlueprintVersion, Artifacts: []apiwire.ArtifactRef{{ID: up.Artifacts[0].ID}}}})
		if err != nil {
			t.Fatalf("a release carrying the signed-off configuration: %v", err)
		}
		if err := svc.Abort(ctx, promoter, again.ID, "test done"); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
			Environment: "production", BlueprintVersion: up.BlueprintVersion}})
		conflictSaying(t, "the signed-off blueprint without its artifact", err, "no SUCCEEDED release of staging ran blueprint")
	})
}

// A promotion is refused, saying why, for a release that did not succeed,
// a release of another environment than the upstream, and where no
// environment is downstream.
func TestPromotionRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, svc, up := streamSetup(t)
	h.env("sandbox", namedConfig(t, "s", 1))
	t.Run("not the upstream", func(t *testing.T) {
		_, err := svc.Promote(ctx, promoter, up.ID, apiwire.PromoteRequest{Environment: "sandbox"})
		conflictSaying(t, "promotion to sandbox", err, "sandbox names no upstream")
	})
	t.Run("nothing downstream", func(t *testing.T) {
		r := h.release("sandbox", "terraform-apply")
		h.runOnce(h.worker())
		_, err := svc.Promote(ctx, promoter, r.ID, apiwire.PromoteRequest{})
		var se *service.Error
		if !errors.As(err, &se) || se.Kind != service.Invalid || se.Field != "environment" {
			t.Fatalf("promotion from sandbox: %v, want invalid environment", err)
		}
	})
	t.Run("not succeeded", func(t *testing.T) {
		q, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "staging"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Promote(ctx, promoter, q.ID, apiwire.PromoteRequest{})
		conflictSaying(t, "promotion of a queued release", err, "is QUEUED", "only a SUCCEEDED release is promoted")
	})
	t.Run("signed off rejected", func(t *testing.T) {
		if err := svc.SignOff(ctx, promoter, up.ID, release.SignOffRejected, "broke checkout"); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Promote(ctx, promoter, up.ID, apiwire.PromoteRequest{})
		conflictSaying(t, "promotion of a rejected release", err, "signed off REJECTED")
	})
}

// A release that names a signed-off blueprint instead of promoting runs
// the upstream's archive of it, never the environment's own directory
// under its name; a plan naming a content version that neither the
// environment nor its source has fails before terraform runs, so no
// record says it ran what it did not.
func TestNamedBlueprintRunsWhatItNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, svc, up := streamSetup(t)
	if err := svc.SignOff(ctx, promoter, up.ID, release.SignOffApproved, "ok"); err != nil {
		t.Fatal(err)
	}
	named, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
		Environment: "production", BlueprintVersion: up.BlueprintVersion, Artifacts: []apiwire.ArtifactRef{{ID: up.Artifacts[0].ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	h.runOnce(h.worker())
	if got := h.get(named.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("release naming the signed-off blueprint: %s\n%s", got.Status, got.ErrorLog)
	}
	res, err := h.store.ListResourceStatus(ctx, "production", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !strings.HasPrefix(res[0].Address, "terraform_data.v1_") {
		t.Errorf("production's resources %+v: want staging's two v1_ resources, not its own directory's", res)
	}

	plan, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
		Environment: "production", Template: "full-plan", BlueprintVersion: "sha256:00000000abcd"}})
	if err != nil {
		t.Fatal(err)
	}
	h.runOnce(h.worker())
	got := h.get(plan.ID)
	if got.Status != release.StatusFailed || !strings.Contains(got.ErrorLog, "names blueprint sha256:00000000abcd, which environment production does not hold") {
		t.Errorf("a plan naming a content version production does not have: %s %q, want FAILED saying so", got.Status, got.ErrorLog)
	}
	if got.BlueprintVersion == "sha256:00000000abcd" {
		if held, _ := h.store.BlueprintExists(ctx, "production", "sha256:00000000abcd"); held {
			t.Error("production's own directory was stored under a content version it does not have")
		}
	}
}

// A label production already used for its own directory cannot carry
// staging's files down: the refusal, from a promotion or a release naming
// the label, says what to do instead, and production keeps what it ran.
func TestReusedLabelRefusedWithAWayOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, svc, _ := streamSetup(t)
	own, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
		Environment: "production", Template: "full-plan", BlueprintVersion: "v2"}})
	if err != nil {
		t.Fatal(err)
	}
	h.runOnce(h.worker())
	if got := h.get(own.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("production's plan labelled v2: %s\n%s", got.Status, got.ErrorLog)
	}
	up, _, err := svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
		Environment: "staging", BlueprintVersion: "v2"}})
	if err != nil {
		t.Fatal(err)
	}
	h.runOnce(h.worker())
	if got := h.get(up.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("staging's release labelled v2: %s\n%s", got.Status, got.ErrorLog)
	}
	if err := svc.SignOff(ctx, promoter, up.ID, release.SignOffApproved, "ok"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Promote(ctx, promoter, up.ID, apiwire.PromoteRequest{})
	conflictSaying(t, "promoting staging's v2", err, "already holds its own configuration under blueprint v2", "without --blueprint-version")
	_, _, err = svc.CreateRelease(ctx, promoter, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
		Environment: "production", BlueprintVersion: "v2"}})
	conflictSaying(t, "a release of production naming v2", err, "without --blueprint-version")
}
