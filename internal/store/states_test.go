package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A pg-backend schema is imported into state versions once, on first use;
// a schema two long names share is imported into neither.
func TestImportLegacyState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	makeSchema := func(env, state string) {
		t.Helper()
		id := pgx.Identifier{release.LegacyStateSchema(env)}.Sanitize()
		for _, q := range []string{`CREATE SCHEMA ` + id, `CREATE TABLE ` + id + `.states (id bigserial PRIMARY KEY, name text UNIQUE, data text)`} {
			if _, err := s.Pool().Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Pool().Exec(ctx, `INSERT INTO `+id+`.states (name, data) VALUES ('default', $1)`, state); err != nil {
			t.Fatal(err)
		}
	}
	env := newEnv(t, s, "shop")
	makeSchema("shop", `{"version":4,"serial":7,"lineage":"old-line","resources":[{"mode":"managed","instances":[{},{}]}]}`)
	note, err := s.ImportLegacyState(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "imported") || !strings.Contains(note, "serial 7") {
		t.Fatalf("import note %q", note)
	}
	v, body, err := s.LatestState(ctx, env.ID)
	if err != nil || v == nil || v.Serial != 7 || v.Source != "import" || v.Resources != 2 || !strings.Contains(string(body), "old-line") {
		t.Fatalf("imported version %+v %q %v", v, body, err)
	}
	if note, err := s.ImportLegacyState(ctx, env.ID); err != nil || note != "" {
		t.Fatalf("second import: %q %v, want nothing done", note, err)
	}

	common := strings.Repeat("y", 49)
	a, b := newEnv(t, s, common+"-aaaaaaaaaaaaa"), newEnv(t, s, common+"-bbbbbbbbbbbbb")
	makeSchema(a.Name, `{"version":4,"serial":1,"lineage":"shared","resources":[]}`)
	for _, e := range []*release.Environment{a, b} {
		note, err := s.ImportLegacyState(ctx, e.ID)
		if err != nil || !strings.Contains(note, "shared with environment") {
			t.Fatalf("import of %s: %q %v, want a refusal naming the other environment", e.Name, note, err)
		}
		if v, _, err := s.LatestState(ctx, e.ID); err != nil || v != nil {
			t.Fatalf("environment %s: state %+v (%v), want none: the shared schema's state must not be imported", e.Name, v, err)
		}
	}
}
