package apibench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// listAtSizes measures the filtered release list (one environment, two
// statuses, 50 a page) at the seeded size and again after growing the
// table to o.GrowTo releases, printing the query plan at both sizes: the
// figures and the plan should not move with the table's size.
func listAtSizes(ctx context.Context, w io.Writer, st *store.Store, base, tok string, o Options) error {
	var paths []string
	for i := range o.Environments {
		paths = append(paths, fmt.Sprintf("/api/v1/releases?environment=env-%d&status=SUCCEEDED,FAILED&limit=50", i))
	}
	filter := store.ReleaseFilter{Environment: "env-0", Statuses: []release.Status{release.StatusSucceeded, release.StatusFailed}, Limit: 51}
	for _, size := range []int{o.Releases, o.GrowTo} {
		if size > o.Releases {
			t0 := time.Now()
			if err := grow(ctx, st, size); err != nil {
				return fmt.Errorf("growing to %d releases: %w", size, err)
			}
			fmt.Fprintf(w, "apibench: grown to %d releases in %s\n", size, time.Since(t0).Round(time.Millisecond))
		}
		res, err := spawn(ctx, job{Kind: "http", Base: base, Token: tok, Paths: paths, Connections: o.Connections, Duration: o.Duration, Warmup: o.Warmup})
		if err != nil {
			return err
		}
		target := ""
		if size == o.GrowTo {
			target = "≥ 3000 req/s, p99 ≤ 50 ms"
		}
		report(w, fmt.Sprintf("GET /api/v1/releases?environment=&status=A,B&limit=50 at %d", size), res, target)
		plan, err := st.ExplainListReleases(ctx, filter)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  EXPLAIN at %d releases (environment env-0, SUCCEEDED,FAILED, limit 51):\n    %s\n", size, strings.ReplaceAll(plan, "\n", "\n    "))
	}
	return nil
}

// grow copies the seeded releases (with their phases and artifacts) until
// the table holds n, keeping their mix of environments, statuses and
// templates, then vacuums and analyzes them as autovacuum would. Benchmark fixture
// SQL, run on the benchmark's own database.
func grow(ctx context.Context, st *store.Store, n int) error {
	var have, maxSeed int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*), max(id) FROM releases`).Scan(&have, &maxSeed); err != nil {
		return err
	}
	for have < n {
		take := min(n-have, maxSeed)
		if err := growOnce(ctx, st, maxSeed, take); err != nil {
			return err
		}
		have += take
	}
	// what autovacuum does after this many inserts: statistics and the
	// visibility map (which makes the list's id scan index-only)
	for _, t := range []string{"releases", "release_phases", "release_artifacts"} {
		if _, err := st.Pool().Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
			return err
		}
	}
	return nil
}

// growOnce copies the first take seeded releases (ids up to maxSeed) in
// one transaction.
func growOnce(ctx context.Context, st *store.Store, maxSeed, take int) error {
	tx, err := st.Pool().Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `CREATE TEMP TABLE grow_map ON COMMIT DROP AS
		SELECT id AS src, nextval(pg_get_serial_sequence('releases', 'id')) AS dst
		FROM releases WHERE id <= $1 ORDER BY id LIMIT $2`, maxSeed, take)
	if err != nil {
		return err
	}
	for _, q := range []string{
		`INSERT INTO releases (id, environment_id, namespace, template, template_namespace, release_type, deployment_type, status,
			triggered_by, created_at, queued_at, started_at, finished_at, blueprint_version, summary)
		OVERRIDING SYSTEM VALUE
		SELECT m.dst, r.environment_id, r.namespace, r.template, r.template_namespace, r.release_type, r.deployment_type, r.status,
			r.triggered_by, r.created_at, r.queued_at, r.started_at, r.finished_at, r.blueprint_version, r.summary
		FROM grow_map m JOIN releases r ON r.id = m.src ORDER BY m.dst`,
		`INSERT INTO release_phases (release_id, idx, name, action, options, status, started_at, finished_at, duration_ms, error)
		SELECT m.dst, p.idx, p.name, p.action, p.options, p.status, p.started_at, p.finished_at, p.duration_ms, p.error
		FROM grow_map m JOIN release_phases p ON p.release_id = m.src`,
		`INSERT INTO release_artifacts (release_id, artifact_id, position)
		SELECT m.dst, a.artifact_id, a.position FROM grow_map m JOIN release_artifacts a ON a.release_id = m.src`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
