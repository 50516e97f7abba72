package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// sharedPlans are every plan in internal/plan/testdata/plans (the
// terraform-json corpus and the field plans).
func sharedPlans(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"terraform-json", "field"} {
		found, err := filepath.Glob(filepath.Join("../plan/testdata/plans", dir, "*.json"))
		if err != nil || len(found) == 0 {
			t.Fatalf("the test plans are missing: no *.json in ../plan/testdata/plans/%s (%v)", dir, err)
		}
		files = append(files, found...)
	}
	return files
}

// shownByTerraform lists, in plan order, the resource changes Terraform's
// own rendering reports for a plan read by hashicorp/terraform-json: every
// change but a no-op that neither moves, imports nor concerns a deposed
// object.
func shownByTerraform(t *testing.T, data []byte) []string {
	t.Helper()
	var p tfjson.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("terraform-json: %v", err)
	}
	var out []string
	for _, rc := range p.ResourceChanges {
		if !rc.Change.Actions.NoOp() || rc.PreviousAddress != "" && rc.PreviousAddress != rc.Address ||
			rc.Change.Importing != nil || rc.DeposedKey != "" {
			out = append(out, rc.Address+" "+rc.DeposedKey)
		}
	}
	return out
}

// Every shared plan: `shiplog plan diff --json`, the stored changes (as the
// API lists them by default) and Terraform's own reading list the same
// resource changes, and the first two agree on every value.
func TestStoredChangesAgreeWithPlanDiffAndTerraform(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	for _, file := range sharedPlans(t) {
		if filepath.Base(file) == "invalid.json" {
			continue // not a plan: TestCorpus checks it is refused
		}
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			// As `shiplog plan diff` reads it (plan.Open) and as the worker
			// and the API store it (plan.OpenOnce).
			rd, done := plan.Open(bytes.NewReader(data), t.TempDir())
			defer done()
			if err := plan.Render(ctx, rd, plan.NewJSONWriter(&out, plan.RenderOptions{})); err != nil {
				t.Fatalf("plan diff --json: %v", err)
			}
			var diff struct {
				Changes []release.Change `json:"changes"`
			}
			if err := json.Unmarshal(out.Bytes(), &diff); err != nil {
				t.Fatal(err)
			}
			r := newRelease(t, s, "a")
			once, doneOnce := plan.OpenOnce(bytes.NewReader(data), t.TempDir())
			defer doneOnce()
			if _, err := s.ReplaceChanges(ctx, r.ID, "plan", once); err != nil {
				t.Fatalf("storing: %v", err)
			}
			stored, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{Limit: 5000})
			if err != nil {
				t.Fatal(err)
			}
			var diffAddrs, storedAddrs []string
			for _, c := range diff.Changes {
				diffAddrs = append(diffAddrs, c.Address+" "+c.DeposedKey)
			}
			for _, c := range stored {
				storedAddrs = append(storedAddrs, c.Address+" "+c.DeposedKey)
			}
			want := shownByTerraform(t, data)
			for i := range want {
				// shiplog masks a secret used as a for_each key (issue 20
				// kind 8), where Terraform's JSON has it in clear.
				want[i] = strings.ReplaceAll(want[i], "tok-9f8e7d6c5b4a", "(sensitive value)")
			}
			if strings.Join(diffAddrs, ",") != strings.Join(want, ",") {
				t.Errorf("plan diff lists %v, terraform %v", diffAddrs, want)
			}
			if strings.Join(storedAddrs, ",") != strings.Join(want, ",") {
				t.Errorf("the store lists %v, terraform %v", storedAddrs, want)
			}
			for i := range min(len(stored), len(diff.Changes)) {
				got, _ := json.Marshal(stored[i].Change)
				exp, _ := json.Marshal(diff.Changes[i])
				if !bytes.Equal(got, exp) {
					t.Errorf("change %d differs:\nstored    %s\nplan diff %s", i, got, exp)
				}
			}
		})
	}
}
