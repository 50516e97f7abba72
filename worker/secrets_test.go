package worker_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// secretValue is a sensitive variable's value; the configuration does not
// declare it sensitive, so terraform would print it and keep it in plans
// and state.
const secretValue = "Zq9-sekrit-Value-81"

func secretConfig(t *testing.T, sleep string) string {
	prov := ""
	if sleep != "" {
		prov = `
  provisioner "local-exec" {
    command = "echo provisioning; sleep ` + sleep + `; echo provisioned"
  }`
	}
	return config(t, map[string]string{"main.tf": `
variable "token" {
  type = string
}
resource "terraform_data" "app" {
  input = { token = var.token, note = "uses the token" }` + prov + `
}
`})
}

func secretEnv(e *release.Environment) {
	e.Variables = []release.Variable{{Name: "token", Value: secretValue, Sensitive: true}}
}

// noSecretUnder fails when any file under dir holds s.
func noSecretUnder(t *testing.T, dir, s string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("reading %s: %v", path, err)
			return nil
		}
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s holds the secret in clear", path)
		}
		return nil
	})
}

// leaks lists where s appears in a full dump of the database: every
// column of every table of every schema, bytea decoded, zip and gzip
// members unpacked.
func leaks(t *testing.T, h *harness, s string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := h.store.Pool().Query(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct{ schema, name string }
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var tb table
		return tb, r.Scan(&tb.schema, &tb.name)
	})
	if err != nil || len(tables) < 10 {
		t.Fatalf("listing tables: %d, %v", len(tables), err)
	}
	var found []string
	for _, tb := range tables {
		rows, err := h.store.Pool().Query(ctx, `SELECT * FROM `+pgx.Identifier{tb.schema, tb.name}.Sanitize())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				default:
					b = []byte(fmt.Sprint(v))
				}
				if holds(b, s) {
					found = append(found, fmt.Sprintf("%s.%s column %s", tb.schema, tb.name, rows.FieldDescriptions()[i].Name))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// holds looks for s in b, inside zip archives and gzip streams too.
func holds(b []byte, s string) bool {
	if bytes.Contains(b, []byte(s)) {
		return true
	}
	if zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				continue
			}
			inner, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || holds(inner, s) {
				// an unreadable member cannot be shown clean
				return true
			}
		}
	}
	if gz, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
		inner, err := io.ReadAll(gz)
		if err != nil || holds(inner, s) {
			return true
		}
	}
	return false
}

// secretHarness is a harness with environment "shop": a sensitive
// variable, applies waiting for approval.
func secretHarness(t *testing.T) (*harness, *worker.Worker) {
	t.Helper()
	h := newHarness(t)
	h.env("shop", secretConfig(t, ""), secretEnv, func(e *release.Environment) { e.ApprovalRequired = true })
	return h, h.worker()
}

// pending runs a release of "shop" until it waits for approval.
func (h *harness) pending(t *testing.T, w *worker.Worker) *release.Release {
	t.Helper()
	r := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(r.ID); got.Status != release.StatusPendingApproval {
		t.Fatalf("release %d is %s, want PENDING_APPROVAL:\n%s", r.ID, got.Status, got.ErrorLog)
	}
	return r
}

// applied runs a release of "shop" through approval to its end.
func (h *harness) applied(t *testing.T, w *worker.Worker) {
	t.Helper()
	r := h.pending(t, w)
	approve(t, h, r.ID, "dana")
	h.runOnce(w)
	if got := h.get(r.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("release %d is %s, want SUCCEEDED:\n%s", r.ID, got.Status, got.ErrorLog)
	}
}

// After a reject, an abort while pending approval, and a full apply, no
// file under the worker's directory and nothing in the database holds the
// sensitive value in clear.
func TestSecretsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("reject", func(t *testing.T) {
		h, w := secretHarness(t)
		r := h.pending(t, w)
		if err := h.store.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusPendingApproval, To: release.StatusRejected,
			Reason: "rejected by erin", ApprovedBy: "erin"}); err != nil {
			t.Fatal(err)
		}
		noSecretUnder(t, h.cfg.WorkDir, secretValue)
	})
	t.Run("abort while pending", func(t *testing.T) {
		h, w := secretHarness(t)
		r := h.pending(t, w)
		if _, err := h.store.RequestAbort(ctx, r.ID, "erin", "not today"); err != nil {
			t.Fatal(err)
		}
		if got := h.get(r.ID); got.Status != release.StatusAborted {
			t.Fatalf("status %s, want ABORTED", got.Status)
		}
		noSecretUnder(t, h.cfg.WorkDir, secretValue)
	})
	t.Run("applied", func(t *testing.T) {
		h, w := secretHarness(t)
		h.applied(t, w)
		noSecretUnder(t, h.cfg.WorkDir, secretValue)
	})
	t.Run("database dump", func(t *testing.T) {
		h, w := secretHarness(t)
		h.applied(t, w)
		h.pending(t, w) // left waiting: its plan is stored
		var plans, states int
		if err := h.store.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM plan_files), (SELECT count(*) FROM state_versions)`).Scan(&plans, &states); err != nil {
			t.Fatal(err)
		}
		if plans < 2 {
			t.Fatalf("%d plan files stored: the dump would prove nothing", plans)
		}
		if states == 0 {
			t.Fatal("no state version stored: the dump would prove nothing")
		}
		if found := leaks(t, h, secretValue); len(found) > 0 {
			t.Fatalf("the sensitive value is in clear in: %s", strings.Join(found, ", "))
		}
		// the check itself finds what is there
		if found := leaks(t, h, "uses the token"); len(found) == 0 {
			t.Fatal("the dump does not even find the configuration's plain text")
		}
	})
}

// A worker killed with SIGKILL while its var file is on disk: the next
// worker to start on that directory removes the working copy.
func TestKilledWorkerLeavesNoSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", secretConfig(t, "30"), secretEnv)
	r := h.release("shop", "terraform-apply")
	child, childDir := h.startChildWorker(t)
	testutil.Eventually(t, "apply to start in the child worker", 60*time.Second, h.phaseRunning(r.ID, "apply"))
	// terraform's own record of the backend holds no credential (it came
	// from the environment, not from a file or the command line)
	copyDir := workingCopy(t, childDir, r.ID)
	b, err := os.ReadFile(filepath.Join(copyDir, "config", ".terraform", "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var backend struct {
		Backend struct {
			Type   string         `json:"type"`
			Config map[string]any `json:"config"`
		} `json:"backend"`
	}
	if err := json.Unmarshal(b, &backend); err != nil {
		t.Fatal(err)
	}
	if backend.Backend.Type != "http" {
		t.Fatalf("backend %q in the working copy, want http", backend.Backend.Type)
	}
	for _, k := range []string{"password", "address"} {
		if backend.Backend.Config[k] != nil {
			t.Errorf("terraform recorded the backend's %s in the working copy: %s", k, b)
		}
	}
	files, err := filepath.Glob(filepath.Join(copyDir, "shiplog", "*"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			checked++
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %o, want 600", f, fi.Mode().Perm())
			}
		}
	}
	if checked < 2 {
		t.Fatalf("found %d of the var file and plan files to check (%v)", checked, files)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	// A worker elsewhere stops the release once its lease runs out ...
	other := h.worker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { other.Run(ctx); close(done) }()
	testutil.Eventually(t, "the dead worker's release to be STOPPED", 30*time.Second, func() bool { return h.status(r.ID) == release.StatusStopped })
	cancel()
	<-done
	// ... and a worker starting on the dead one's directory cleans it.
	h.cfg.WorkDir = childDir
	h.worker()
	noSecretUnder(t, childDir, secretValue)
	if _, err := os.Stat(copyDir); !os.IsNotExist(err) {
		t.Fatalf("the killed release's working copy is still there (%v)", err)
	}
}

// workingCopy is the one working copy of release id under workDir
// (releases/<id>-<random>).
func workingCopy(t *testing.T, workDir string, id int64) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(workDir, "releases", fmt.Sprint(id)+"-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 1 {
		t.Fatalf("release %d has %d working copies under %s: %v", id, len(dirs), workDir, dirs)
	}
	return dirs[0]
}
