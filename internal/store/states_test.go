package store_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
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

// A state is stored in sealed chunks of 1 MiB and read back whole, with its
// MD5; chunks put out of order are refused, not served.
func TestStateStoredInChunks(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	env := newEnv(t, s, "big")
	body := `{"version":4,"serial":1,"lineage":"l","resources":[{"mode":"managed","instances":[{"attributes":{"blob":"` +
		strings.Repeat("0123456789abcdef", 220000) + `"}}]}]}` // 3.4 MiB
	v, err := s.SaveStateVersion(ctx, store.NewStateVersion{EnvironmentID: env.ID, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	if v.SizeBytes != int64(len(body)) || v.Resources != 1 {
		t.Fatalf("version %+v, want %d bytes and 1 resource", v, len(body))
	}
	var chunks int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM state_version_chunks WHERE state_version_id = $1`, v.ID).Scan(&chunks); err != nil || chunks != 4 {
		t.Fatalf("%d chunks (%v), want 4", chunks, err)
	}
	got, sum, r, err := s.OpenLatestState(ctx, env.ID)
	if err != nil || got == nil || got.ID != v.ID {
		t.Fatalf("latest %+v %v", got, err)
	}
	read, err := io.ReadAll(r)
	if err != nil || string(read) != body {
		t.Fatalf("read back %d bytes (%v), want the %d stored", len(read), err, len(body))
	}
	if want := md5.Sum([]byte(body)); !bytes.Equal(sum, want[:]) {
		t.Fatalf("md5 %x, want %x", sum, want)
	}
	// swap two chunks: the reader refuses the first out of place
	for _, move := range [][2]int{{1, -1}, {2, 1}, {-1, 2}} {
		if _, err := s.Pool().Exec(ctx, `UPDATE state_version_chunks SET n = $3 WHERE state_version_id = $1 AND n = $2`, v.ID, move[0], move[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.LatestState(ctx, env.ID); err == nil || !strings.Contains(err.Error(), "chunk 1") {
		t.Fatalf("reading swapped chunks: %v, want an error naming chunk 1", err)
	}
}
