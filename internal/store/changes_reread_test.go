package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// A plan that marks a secret only after an unmarked copy of it (a deleted
// resource's before_sensitive, or prior_state) is read a second time by
// plan.OpenOnce: the store drops what the first reading copied and keeps
// the second, masked, once, as plan.Open would have it.
func TestStoreReadsALateSecretPlanAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	data, err := os.ReadFile("../plan/testdata/secret-before-delete.json")
	if err != nil {
		t.Fatal(err)
	}
	variants := map[string]string{
		"marked in before_sensitive": string(data),
		"marked in prior_state only": strings.Replace(string(data),
			`"before_sensitive": {"input": true, "output": true}`, `"before_sensitive": {}`, 1),
	}
	for name, text := range variants {
		t.Run(name, func(t *testing.T) {
			want, err := plan.Read(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			r := newRelease(t, s, "a")
			rd, done := plan.OpenOnce(struct{ *strings.Reader }{strings.NewReader(text)}, t.TempDir())
			defer done()
			sum, err := s.ReplaceChanges(ctx, r.ID, "plan", rd)
			if err != nil {
				t.Fatalf("storing: %v", err)
			}
			if sum != want.Summary {
				t.Errorf("summary %+v, want %+v (counted once)", sum, want.Summary)
			}
			stored, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{Limit: 5000, IncludeNoOp: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != len(want.Changes) {
				t.Fatalf("%d changes stored, want %d", len(stored), len(want.Changes))
			}
			for i, c := range stored {
				got, _ := json.Marshal(c.Change)
				exp, _ := json.Marshal(want.Changes[i])
				if !bytes.Equal(got, exp) {
					t.Errorf("change %d:\nstored %s\nwant   %s", i, got, exp)
				}
				if bytes.Contains(got, []byte("Pq77")) {
					t.Errorf("change %d shows the secret: %s", i, got)
				}
			}
		})
	}
}
