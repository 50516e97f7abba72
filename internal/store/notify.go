package store

import (
	"context"
	"fmt"
)

// This file holds the LISTEN/NOTIFY channels the store announces on, and
// the announcing of release changes.

// LogChannel is the LISTEN/NOTIFY channel announcing new log lines; the
// payload is "<release id>:<highest seq written>".
const LogChannel = "shiplog_logs"

// ReleaseChannel announces every change to what a release looks like
// (status, phases, summary, approval, sign-off, blueprint, migration
// outcomes); the payload is the id. Readers may cache a release until it
// is announced, so every such write must announce it.
const ReleaseChannel = "shiplog_releases"

// TokenChannel announces token revocations so that processes caching
// tokens drop them at once; the payload is the token's name.
const TokenChannel = "shiplog_tokens"

// notifyRelease announces on ReleaseChannel that release id changed. A
// failure is logged, not returned: the write it follows has happened.
func (s *Store) notifyRelease(ctx context.Context, id int64) {
	if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", ReleaseChannel, fmt.Sprint(id)); err != nil {
		s.log.Warn("announcing a release change", "release", id, "error", err)
	}
}

// AnnounceRelease tells listeners on ReleaseChannel that a release
// changed, for changes that do not announce themselves (a plan ingested
// into a finished release changes its summary).
func (s *Store) AnnounceRelease(ctx context.Context, id int64) { s.notifyRelease(ctx, id) }
