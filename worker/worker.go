// Package worker runs releases: it claims queued releases from the store,
// runs their template's phases with terraform in a per-release working copy,
// and records status, timing, logs, changes, artifacts and resource status.
package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Config configures a Worker.
type Config struct {
	Store *store.Store
	// StateBackend is the backend given to configurations without one:
	// BackendHTTP (default, shiplog's own) or BackendPG (terraform's pg
	// backend in the database at DatabaseURL, passed in a backend config file).
	StateBackend string
	// StateMaxBytes is the largest state an environment may write to the
	// http backend (0: statebackend.DefaultMaxState, 256 MiB).
	StateMaxBytes int64
	DatabaseURL   string
	Logger        hclog.Logger
	// WorkDir holds the per-release working copies.
	WorkDir string
	// TerraformPath is the terraform binary (default: found on PATH).
	TerraformPath string
	// TerraformUser, when the worker is root, is the one user every
	// environment's terraform (and `run` phases) run as. Unset (the
	// default), each environment runs as its own uid and gid,
	// TerraformUIDBase + environment id, which is stronger: one
	// environment's configuration cannot read another's processes or files.
	// Both are ignored when the worker is not root.
	TerraformUser string
	// TerraformUIDBase is where per-environment ids begin; 0 (the
	// default) derives it from WorkDir (InstallationUIDBase), so two
	// installations on one machine use different ids. At least 65536; the
	// range is UIDSlotSize ids.
	TerraformUIDBase uint32
	// Concurrency is how many releases (of different environments) run at once.
	Concurrency int
	// MaxRunning limits the releases IN_PROGRESS at once across the whole
	// installation (every worker's, counted in the database); 0: no limit.
	// Give every worker the same value.
	MaxRunning int
	// Lease is how long a claim lasts without a heartbeat (default 30s).
	Lease time.Duration
	// PollInterval is how often an idle slot looks for work when no
	// notification woke it (default 500ms): idle slots wake at once on the
	// store's QueueChannel, and poll in case a notification was lost.
	PollInterval time.Duration
	// PhaseTimeout applies when neither the template nor the environment
	// sets one (default 1h); ReleaseTimeout bounds a whole release (6h).
	PhaseTimeout   time.Duration
	ReleaseTimeout time.Duration
	// Grace is how long terraform has after SIGINT before it is killed.
	Grace time.Duration
	// Policy bounds each policy's evaluation in a policy phase (zero:
	// policy.Limits' defaults, 10 s and 1 GiB).
	Policy policy.Limits
	// Env is extra environment for terraform (provider credentials). The
	// worker's own environment is never passed on.
	Env map[string]string
	// CLIConfigFile, if set, is given to terraform as TF_CLI_CONFIG_FILE.
	CLIConfigFile string
	// ID names this worker in leases (default host:pid:random).
	ID   string
	Logs LogWriterOptions
}

// Worker runs releases.
type Worker struct {
	cfg        Config
	tfIdentity *tfIdentity // nil: terraform runs as the worker's user
	log        hclog.Logger
	tfVersion  string
}

// New checks the configuration and that terraform runs.
func New(ctx context.Context, cfg Config) (*Worker, error) {
	if errUnsupported != nil {
		return nil, errUnsupported
	}
	if cfg.Store == nil {
		return nil, errors.New("worker needs a store")
	}
	if cfg.WorkDir == "" {
		return nil, errors.New("worker needs a working directory")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.PhaseTimeout <= 0 {
		cfg.PhaseTimeout = time.Hour
	}
	if cfg.ReleaseTimeout <= 0 {
		cfg.ReleaseTimeout = 6 * time.Hour
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	if cfg.ID == "" {
		host, _ := os.Hostname()
		b := make([]byte, 3)
		rand.Read(b)
		cfg.ID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if cfg.Logs.Logger == nil {
		cfg.Logs.Logger = cfg.Logger
	}
	switch cfg.StateBackend {
	case "":
		cfg.StateBackend = BackendHTTP
	case BackendHTTP, BackendPG:
	default:
		return nil, fmt.Errorf("state backend %q: use %q or %q", cfg.StateBackend, BackendHTTP, BackendPG)
	}
	path, version, err := checkTerraform(ctx, cfg.TerraformPath)
	if err != nil {
		return nil, err
	}
	cfg.TerraformPath = path
	if err := os.MkdirAll(filepath.Join(cfg.WorkDir, "releases"), 0o700); err != nil {
		return nil, fmt.Errorf("creating working directory: %w", err)
	}
	w := &Worker{cfg: cfg, log: cfg.Logger.Named("worker").With("worker", cfg.ID), tfVersion: version}
	if err := w.dropPrivileges(); err != nil {
		return nil, err
	}
	if err := w.sweep(ctx); err != nil {
		return nil, fmt.Errorf("removing left-over working copies: %w", err)
	}
	w.log.Info("worker ready", "terraform", path, "version", version, "concurrency", cfg.Concurrency)
	return w, nil
}

// ID is the name this worker's leases carry.
func (w *Worker) ID() string { return w.cfg.ID }

// Run claims and runs releases until ctx ends. On cancellation, running
// releases are interrupted gracefully and recorded as STOPPED.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		w.reap(ctx)
	}()
	wakes := make([]chan struct{}, w.cfg.Concurrency)
	for i := range wakes {
		wakes[i] = make(chan struct{}, 1)
	}
	go func() {
		defer wg.Done()
		w.cfg.Store.ListenQueue(ctx, func() {
			for _, c := range wakes {
				select {
				case c <- struct{}{}:
				default: // already due to look
				}
			}
		})
	}()
	for slot := range w.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.slot(ctx, slot, wakes[slot])
		}()
	}
	wg.Wait()
	return nil
}

// RunOnce claims one release, if any is waiting, and runs it to its end
// (or to a pause for approval). It reports whether it ran one.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	r, err := w.cfg.Store.ClaimLimited(ctx, w.cfg.ID, w.cfg.Lease, w.cfg.MaxRunning)
	if err != nil || r == nil {
		return false, err
	}
	w.runRelease(ctx, r)
	return true, nil
}

// RunClaimed runs release id, already claimed under this worker's ID (as
// the Kubernetes controller claims a release for the runner Job it makes,
// whose pod runs `shiplog runner` with that ID), to its end or to a pause
// for approval. It renews the lease first: an error says the release is
// not IN_PROGRESS under this ID's lease (it ended, was reaped, or another
// runner holds it), and nothing is run.
func (w *Worker) RunClaimed(ctx context.Context, id int64) error {
	ok, err := w.cfg.Store.Heartbeat(ctx, id, w.cfg.ID, w.cfg.Lease)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("release %d is not IN_PROGRESS under the lease of %s: it ended, was stopped, or is another runner's", id, w.cfg.ID)
	}
	r, err := w.cfg.Store.GetRelease(ctx, id)
	if err != nil {
		return fmt.Errorf("reading release %d: %w", id, err)
	}
	w.runRelease(ctx, r)
	return nil
}

// slot runs releases one after another; idle, it waits for a notification
// (wake) or the poll interval, whichever comes first.
func (w *Worker) slot(ctx context.Context, slot int, wake <-chan struct{}) {
	for ctx.Err() == nil {
		ran, err := w.RunOnce(ctx)
		if err != nil {
			w.log.Warn("looking for work", "slot", slot, "error", err)
		}
		if ran {
			continue
		}
		t := time.NewTimer(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// reap stops releases whose worker vanished, so their environments free up.
func (w *Worker) reap(ctx context.Context) {
	t := time.NewTicker(max(w.cfg.Lease/3, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := w.cfg.Store.ReapExpired(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("stopping releases with expired leases", "error", err)
		}
		for _, id := range ids {
			w.log.Warn("release stopped: its worker stopped renewing the lease", "release", id)
		}
		if len(ids) > 0 {
			w.reaped(ctx, ids)
		}
	}
}
