package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// `shiplog db prune` removes an old finished release's logs and says so.
func TestDBPruneReports(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	st, err := store.Open(ctx, url, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateEnvironment(ctx, &release.Environment{Name: "prod", Source: release.Source{Dir: "/srv/prod"}}); err != nil {
		t.Fatal(err)
	}
	r := &release.Release{Environment: "prod", Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "ci",
		Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan}}}
	if err := st.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendLogs(ctx, []release.LogEntry{{ReleaseID: r.ID, Phase: "plan", Seq: 1, Time: time.Now(), Stream: release.Stdout, Text: "x", DeploymentType: release.DeploymentRegular}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE releases SET status = 'SUCCEEDED', created_at = now() - interval '10 days' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	db := []string{"--database-url", url, "--data-dir", t.TempDir()}
	env := map[string]string{"SHIPLOG_SECRET_KEY": ""}

	out := mustRun(t, env, append([]string{"db", "prune", "--keep-days", "7", "--keep-last", "0", "-o", "json"}, db...)...)
	rep := decode[store.PruneReport](t, out)
	if rep.Releases != 1 || rep.LogChunks != 1 {
		t.Fatalf("db prune -o json: %s", out)
	}
	out = mustRun(t, env, append([]string{"db", "prune", "--keep-days", "7", "--keep-last", "0"}, db...)...)
	if !strings.Contains(out, "pruned 0 releases older than 7 days beyond the newest 0") {
		t.Fatalf("second db prune: %q", out)
	}
	if _, err := st.GetRelease(ctx, r.ID); err != nil {
		t.Fatalf("the release row went with its logs: %v", err)
	}
}
