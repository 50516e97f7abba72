package worker_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// namedConfig creates n terraform_data resources named after the
// environment, so a plan of another environment's state would show them.
func namedConfig(t *testing.T, prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("resource \"terraform_data\" \"" + prefix + "_" + string(rune('a'+i)) + "\" {\n  input = \"" + prefix + "\"\n}\n")
	}
	return config(t, map[string]string{"main.tf": b.String()})
}

// Two environments whose 63-character names share 49 characters (the
// pg backend's schema names were equal for them) keep their own states.
func TestLongNamesKeepTheirOwnState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	common := strings.Repeat("x", 49)
	first, second := common+"-first-env-001", common+"-second-env-02"
	if len(first) != 63 || len(second) != 63 {
		t.Fatalf("names of %d and %d characters, want 63", len(first), len(second))
	}
	h.env(first, namedConfig(t, "one", 2))
	h.env(second, namedConfig(t, "two", 3))
	w := h.worker()
	r1 := h.release(first, "terraform-apply")
	h.runOnce(w)
	if got := h.get(r1.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first environment: %s\n%s", got.Status, got.ErrorLog)
	}
	r2 := h.release(second, "terraform-apply")
	h.runOnce(w)
	got := h.get(r2.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("second environment: %s\n%s", got.Status, got.ErrorLog)
	}
	if got.Summary.Delete != 0 {
		t.Fatalf("second environment's plan deletes %d resources: it saw another environment's state", got.Summary.Delete)
	}
	if got.Summary.Create != 3 {
		t.Fatalf("second environment's plan creates %d resources, want its 3", got.Summary.Create)
	}
	for name, want := range map[string]int{first: 2, second: 3} {
		vs, err := h.store.ListStateVersions(ctx, name, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) == 0 {
			t.Fatalf("environment %s has no state version", name)
		}
		if vs[0].Resources != want {
			t.Fatalf("environment %s: newest state has %d resources, want %d", name, vs[0].Resources, want)
		}
	}
}

// Four new environments' first applies at once all succeed: nothing locks
// more than one environment.
func TestFirstAppliesAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Concurrency = 4
	var ids []int64
	for _, name := range []string{"new-a", "new-b", "new-c", "new-d"} {
		h.env(name, slowConfig(t, "2"))
		ids = append(ids, h.release(name, "terraform-apply").ID)
	}
	w := h.worker()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	for _, id := range ids {
		testutil.Eventually(t, "the first applies to finish", 3*time.Minute, func() bool { return h.status(id).Terminal() })
	}
	for _, id := range ids {
		if got := h.get(id); got.Status != release.StatusSucceeded {
			t.Fatalf("release %d of %s: %s\n%s", id, got.Environment, got.Status, got.ErrorLog)
		}
	}
}

// Every release that changes the state records a version with its serial;
// the API's view never holds the state itself.
func TestStateVersionsRecordEachRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", namedConfig(t, "v1", 1))
	w := h.worker()
	r1 := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if _, err := h.store.Pool().Exec(ctx, `UPDATE environments SET source = $1 WHERE name = 'shop'`, release.Source{Dir: namedConfig(t, "v2", 2)}); err != nil {
		t.Fatal(err)
	}
	r2 := h.release("shop", "terraform-apply")
	h.runOnce(w)
	for _, r := range []*release.Release{r1, r2} {
		if got := h.get(r.ID); got.Status != release.StatusSucceeded {
			t.Fatalf("release %d: %s\n%s", r.ID, got.Status, got.ErrorLog)
		}
	}
	vs, err := h.store.ListStateVersions(ctx, "shop", 50)
	if err != nil {
		t.Fatal(err)
	}
	by := map[int64][]release.StateVersion{}
	for _, v := range vs {
		if v.ReleaseID == nil {
			t.Fatalf("state version %+v without its release", v)
		}
		by[*v.ReleaseID] = append(by[*v.ReleaseID], v)
	}
	if len(by[r1.ID]) == 0 || len(by[r2.ID]) == 0 {
		t.Fatalf("state versions %+v: want some from release %d and from release %d", vs, r1.ID, r2.ID)
	}
	if by[r2.ID][0].Serial <= by[r1.ID][0].Serial {
		t.Fatalf("release %d wrote serial %d, not after release %d's %d", r2.ID, by[r2.ID][0].Serial, r1.ID, by[r1.ID][0].Serial)
	}
	if by[r2.ID][0].Lineage != by[r1.ID][0].Lineage {
		t.Fatal("the second release started a new lineage")
	}
	if vs[0].Resources != 2 {
		t.Fatalf("newest state version has %d resources, want 2", vs[0].Resources)
	}
	var clear int
	if err := h.store.Pool().QueryRow(ctx, `SELECT count(*) FROM state_versions WHERE position('"lineage"'::bytea in sealed_state) > 0`).Scan(&clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Fatalf("%d state versions stored in clear", clear)
	}
	var chunks int
	if err := h.store.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE position('"lineage"'::bytea in sealed) > 0)
		FROM state_version_chunks`).Scan(&chunks, &clear); err != nil {
		t.Fatal(err)
	}
	if chunks < len(vs) || clear != 0 {
		t.Fatalf("%d state chunks for %d versions, %d in clear", chunks, len(vs), clear)
	}
}

// A state over the worker's limit is refused: the apply fails, the release
// log says why, and no version of it is stored.
func TestOversizedStateIsRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.cfg.StateMaxBytes = 4096
	h.env("shop", config(t, map[string]string{"main.tf": `
resource "terraform_data" "big" {
  input = join("", [for i in range(1000) : "abcdefghabcdefgh"])
}
`}))
	w := h.worker()
	r := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(r.ID); got.Status != release.StatusFailed {
		t.Fatalf("release %d: %s, want FAILED", r.ID, got.Status)
	}
	if text := joinLogs(h.logs(r.ID)); !strings.Contains(text, "is larger than the 4096 bytes an environment's state may be") {
		t.Fatalf("the log does not say the state is too large:\n%s", text)
	}
	if vs, err := h.store.ListStateVersions(ctx, "shop", 50); err != nil || len(vs) != 0 {
		t.Fatalf("state versions %+v (%v), want none", vs, err)
	}
}

// A second terraform for an environment whose state is locked fails with
// terraform's lock error naming the release holding the lock; once the
// holder is stopped by the reaper the lock is gone.
func TestLockedStateNamesTheHolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	env := h.env("shop", namedConfig(t, "a", 1))
	holder := h.release("shop", "terraform-apply")
	if _, err := h.store.RequestAbort(ctx, holder.ID, "test", "only holds the lock"); err != nil {
		t.Fatal(err)
	}
	if err := h.store.LockState(ctx, env.ID, holder.ID, []byte(`{"ID":"held-1","Operation":"OperationTypeApply","Who":"someone"}`)); err != nil {
		t.Fatal(err)
	}
	r := h.release("shop", "terraform-apply")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("release against a locked state: %s", got.Status)
	}
	want := "held by shiplog release " + strconv.FormatInt(holder.ID, 10) + " of environment shop"
	text := strings.Join(strings.Fields(got.ErrorLog), " ") // terraform wraps its lines
	if !strings.Contains(text, "Error acquiring the state lock") || !strings.Contains(text, want) {
		t.Fatalf("error log does not name the holder (%q):\n%s", want, got.ErrorLog)
	}
	n, err := h.store.ReleaseStateLocks(ctx, []int64{holder.ID})
	if err != nil || n != 1 {
		t.Fatalf("the failed release took or dropped the holder's lock: %d, %v", n, err)
	}
}
