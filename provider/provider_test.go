package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// Not parallel: a subtest sets SHIPLOG_ENDPOINT and SHIPLOG_TOKEN in the
// process's environment, which every provider in this binary reads.
func TestAccProviderConfiguration(t *testing.T) {
	accEnv(t)
	f := newFixture(t)
	read := fmt.Sprintf(`data "shiplog_release" "r" { id = %d }`, f.prod.ID)

	t.Run("provider configuration", func(t *testing.T) {
		run(t,
			fails(`provider "shiplog" {}`+"\n"+read,
				errRe("Missing shiplog endpoint", "SHIPLOG_ENDPOINT")),
			fails(providerBlock(f.endpoint, "")+read, errRe("Missing shiplog token", "SHIPLOG_TOKEN")),
			fails(providerBlock(f.endpoint, "shiplog_not-a-token")+read,
				errRe("shiplog refused the token", `token = "shiplog_not-a-token"`, "did not accept the token")),
			fails(providerBlock(f.endpoint, f.tokens["approver"])+read,
				errRe("shiplog token lacks the read scope")),
			fails(providerBlock("localhost:8080", f.tokens["reader"])+read,
				errRe("Invalid shiplog endpoint", `endpoint = "localhost:8080"`)),
			fails(providerBlock(f.endpoint, f.tokens["reader"], `  timeout = "soon"`)+read,
				errRe("Invalid duration", `timeout = "soon"`)),
		)
	})

	t.Run("environment variables stand in for the attributes", func(t *testing.T) {
		t.Setenv("SHIPLOG_ENDPOINT", f.endpoint)
		t.Setenv("SHIPLOG_TOKEN", f.tokens["reader"])
		run(t, step(`provider "shiplog" {}`+"\n"+read, str("data.shiplog_release.r", "status", "SUCCEEDED")))
	})

	t.Run("server that does not answer", func(t *testing.T) {
		run(t, fails(providerBlock(silentEndpoint(t), f.tokens["reader"], `  timeout = "1s"`)+read,
			errRe("shiplog server did not answer", "endpoint = ", "within 1s")))
	})
}

// A server whose database breaks under it answers 500: the error lands on
// the attribute of the failed lookup and says what was being read.
func TestAccServerError(t *testing.T) {
	t.Parallel()
	accEnv(t)
	s := newServer(t)
	ctx := context.Background()
	a, err := s.admin.RegisterArtifact(ctx, apiwire.ArtifactRequest{URI: "registry.example.com/x:1", AppName: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Listing releases (the provider's token check) still works; reading
	// artifacts fails inside the server.
	if _, err := s.store.Pool().Exec(ctx, `ALTER TABLE artifacts RENAME TO artifacts_gone`); err != nil {
		t.Fatal(err)
	}
	run(t, fails(s.config(fmt.Sprintf(`data "shiplog_artifact" "a" { id = %d }`, a.ID)),
		errRe("shiplog server error", fmt.Sprintf("id = %d", a.ID), fmt.Sprintf("artifact %d", a.ID), "internal")))
}
