package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
)

// State backends shiplog supplies to a configuration without its own.
const (
	// BackendHTTP is shiplog's own http backend (the default): sealed state
	// versions per environment id, per-environment locks.
	BackendHTTP = "http"
	// BackendPG is terraform's pg backend in schema shiplog_state_<name>
	// of shiplog's database: the old way, kept for comparison benchmarks.
	BackendPG = "pg"
)

// backendOverride is the file that gives a configuration without a backend
// the one shiplog supplies; its settings never live in the working copy.
const backendOverride = "zz_shiplog_backend_override.tf"

// setupBackend gives a configuration without a backend shiplog's: the http
// backend served by this worker for the release's duration, configured
// through TF_HTTP_* in terraform's environment (ru.backendEnv). The first
// release of an environment takes over its pg-backend schema, once.
func (ru *run) setupBackend(ctx context.Context, fresh bool) error {
	if ru.info.HasBackend {
		return nil
	}
	if ru.w.cfg.StateBackend == BackendPG {
		if ru.w.cfg.DatabaseURL == "" {
			return errors.New("the configuration has no backend and the worker has no database URL for the pg backend")
		}
		var err error
		if ru.backendConfig, err = writeBackend(ru.config, ru.state, ru.env.Name, ru.w.cfg.DatabaseURL); err != nil {
			return err
		}
		if fresh {
			ru.sys("", "no backend configured: state is kept in shiplog's database (pg backend)")
		}
		return nil
	}
	st := ru.w.cfg.Store
	note, err := st.ImportLegacyState(ctx, ru.env.ID)
	if err != nil {
		return err
	}
	if note != "" {
		ru.sys("", "%s", note)
	}
	if err := os.WriteFile(filepath.Join(ru.config, backendOverride),
		[]byte("# Added by shiplog: state lives in shiplog's database, served by the worker.\nterraform {\n  backend \"http\" {}\n}\n"), 0o644); err != nil {
		return fmt.Errorf("writing backend override: %w", err)
	}
	srv, err := statebackend.Start(statebackend.Config{
		Store: st, EnvironmentID: ru.env.ID, Environment: ru.env.Name, ReleaseID: ru.r.ID,
		Secrets: ru.secrets, Logger: ru.log.Named("state"),
		Report:   func(msg string) { ru.sys("", "state backend: %s", msg) },
		MaxState: ru.w.cfg.StateMaxBytes,
		SpoolDir: ru.dir, // root's: the environment's uid cannot read a spooled state
	})
	if err != nil {
		return err
	}
	ru.backend = srv
	ru.backendEnv = srv.Env()
	if fresh {
		ru.sys("", "no backend configured: state is kept in shiplog's database as sealed state versions of environment %s (http backend on 127.0.0.1)", ru.env.Name)
	}
	return nil
}

// closeBackend stops the release's backend and drops any state lock the
// release still holds (terraform killed before it could unlock).
func (ru *run) closeBackend(ctx context.Context) {
	if ru.backend != nil {
		ru.backend.Close()
		ru.backend = nil
	}
	if n, err := ru.w.cfg.Store.ReleaseStateLocks(ctx, []int64{ru.r.ID}); err != nil {
		ru.log.Warn("releasing the release's state lock", "error", err)
	} else if n > 0 {
		ru.log.Warn("released a state lock terraform left behind")
	}
}
