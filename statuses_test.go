package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/web"
	"github.com/shiplog-dev/terraform-provider-shiplog/provider"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestEveryStatusIsHandled walks every release status (release.Statuses)
// and every phase status (release.PhaseStatuses) through every place that
// decides something by status, and fails for each one a place does not
// handle. Adding a status to internal/release and nothing else fails it.
func TestEveryStatusIsHandled(t *testing.T) {
	t.Parallel()
	t.Run("release wait exit codes", func(t *testing.T) {
		t.Parallel()
		for _, s := range release.Statuses {
			code, ok := cli.ExitCode(s)
			switch {
			case !ok:
				t.Errorf("release wait has no exit code for %s (add it to cli.exitCodes)", s)
			case s.Terminal() && code == cli.KeepWaiting:
				t.Errorf("release wait keeps waiting on the final status %s", s)
			case !s.Terminal() && s != release.StatusPendingApproval && code != cli.KeepWaiting:
				t.Errorf("release wait stops with exit code %d on %s, which is not final", code, s)
			case (code == 0) != (s == release.StatusSucceeded):
				t.Errorf("release wait exits %d on %s: only SUCCEEDED exits 0", code, s)
			}
		}
		if _, ok := cli.ExitCode("EXPIRED"); ok {
			t.Error("release wait has an exit code for EXPIRED, which is not a status")
		}
	})
	t.Run("page badges", func(t *testing.T) {
		t.Parallel()
		for _, s := range release.Statuses {
			if class, ok := web.StatusBadge(string(s)); !ok {
				t.Errorf("release status %s has no badge: app.css gives .%s no background or no icon", s, class)
			}
		}
		for _, s := range release.PhaseStatuses {
			if class, ok := web.StatusBadge(string(s)); !ok {
				t.Errorf("phase status %s has no badge: app.css gives .%s no background or no icon", s, class)
			}
		}
	})
	t.Run("provider outcome", func(t *testing.T) {
		t.Parallel()
		for _, s := range release.Statuses {
			if !s.Terminal() {
				continue
			}
			succeeds, ok := provider.Outcome(s)
			switch {
			case !ok:
				t.Errorf("shiplog_release has no outcome for the final status %s (add it to provider.outcomes)", s)
			case succeeds != (s == release.StatusSucceeded):
				t.Errorf("shiplog_release's apply succeeds=%t for %s: only SUCCEEDED passes", succeeds, s)
			}
		}
	})
	t.Run("OpenAPI enums", func(t *testing.T) {
		t.Parallel()
		b, err := json.Marshal(api.OpenAPI())
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		releaseEnum := doc.Components.Schemas["Release"].Properties["status"].Enum
		for _, s := range release.Statuses {
			if !slices.Contains(releaseEnum, string(s)) {
				t.Errorf("the OpenAPI document's Release.status enum %v lacks %s", releaseEnum, s)
			}
		}
		phaseEnum := doc.Components.Schemas["Phase"].Properties["status"].Enum
		for _, s := range release.PhaseStatuses {
			if !slices.Contains(phaseEnum, string(s)) {
				t.Errorf("the OpenAPI document's Phase.status enum %v lacks %s", phaseEnum, s)
			}
		}
	})
	t.Run("API list filter and database", func(t *testing.T) {
		t.Parallel()
		st := dbtest.Store(t)
		srv := testutil.NewAPI(t, st)
		token := srv.Tokens(t, map[string][]string{"reader": {"read"}})["reader"]
		for _, s := range release.Statuses {
			req, err := http.NewRequest("GET", srv.URL+"/api/v1/releases?status="+url.QueryEscape(string(s)), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /api/v1/releases?status=%s: HTTP %d, want 200", s, resp.StatusCode)
			}
		}
		// The releases table's CHECK constraint must accept every status.
		var def string
		if err := st.Pool().QueryRow(context.Background(),
			`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE `+statusCheck).Scan(&def); err != nil {
			t.Fatalf("reading the releases status constraint: %v", err)
		}
		for _, s := range release.Statuses {
			var accepted bool
			if err := st.Pool().QueryRow(context.Background(), `SELECT $1 = ANY (
				SELECT unnest(regexp_matches(pg_get_constraintdef(oid), '''([A-Z_]+)''', 'g'))
				FROM pg_constraint WHERE `+statusCheck+`)`,
				string(s)).Scan(&accepted); err != nil {
				t.Fatal(err)
			}
			if !accepted {
				t.Errorf("the releases table's constraint %s refuses %s (add a migration)", def, s)
			}
		}
	})
}

// statusCheck picks the CHECK constraint on releases.status alone.
const statusCheck = `conrelid = 'releases'::regclass AND contype = 'c' AND conkey = ARRAY[
	(SELECT attnum FROM pg_attribute WHERE attrelid = 'releases'::regclass AND attname = 'status')]`
