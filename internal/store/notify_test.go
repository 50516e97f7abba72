package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// announceSetup makes a release claimed by worker "w" and a connection
// listening on ReleaseChannel (LISTEN holds once its Exec returns).
func announceSetup(t *testing.T) (*store.Store, *pgx.Conn, *release.Release) {
	t.Helper()
	ctx := context.Background()
	s, url := dbtest.StoreURL(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "LISTEN "+store.ReleaseChannel); err != nil {
		t.Fatal(err)
	}
	return s, conn, r
}

// nextAnnouncement is the payload of the next notification on conn: the
// database sends it at commit, so it is there once the write returned. A
// barrier sent after the write tells "nothing announced" apart.
func nextAnnouncement(t *testing.T, s *store.Store, conn *pgx.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Pool().Exec(ctx, `SELECT pg_notify($1, 'barrier')`, store.ReleaseChannel); err != nil {
		t.Fatal(err)
	}
	n, err := conn.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n.Payload
}

// Every write that changes what a release looks like is announced by the
// database (migration 0009), without the writer announcing it; a
// heartbeat, which changes nothing a reader sees, is not.
func TestReleaseWritesAnnounceThemselves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	writes := map[string]func(*store.Store, *release.Release) error{
		"phase start": func(s *store.Store, r *release.Release) error { return s.StartPhase(ctx, r.ID, 0) },
		"phase status": func(s *store.Store, r *release.Release) error {
			return s.SetPhaseStatus(ctx, r.ID, 1, release.PhasePendingApproval)
		},
		"blueprint": func(s *store.Store, r *release.Release) error {
			return s.SetBlueprintVersion(ctx, r.ID, "sha256:0123456789ab")
		},
		"migration outcomes": func(s *store.Store, r *release.Release) error {
			return s.RecordMigrationOutcomes(ctx, r.ID, []release.MigrationOutcome{{Name: "001.sql", Status: "SUCCEEDED"}})
		},
		"final move": func(s *store.Store, r *release.Release) error {
			return s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: release.StatusFailed})
		},
		"abort request": func(s *store.Store, r *release.Release) error {
			_, err := s.RequestAbort(ctx, r.ID, "bob", "")
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, conn, r := announceSetup(t)
			if err := write(s, r); err != nil {
				t.Fatal(err)
			}
			if got, want := nextAnnouncement(t, s, conn), fmt.Sprint(r.ID); got != want {
				t.Errorf("after %s, ReleaseChannel said %q, want %q", name, got, want)
			}
		})
	}
	t.Run("heartbeat", func(t *testing.T) {
		t.Parallel()
		s, conn, r := announceSetup(t)
		ok, err := s.Heartbeat(ctx, r.ID, "w", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatal("heartbeat lost the lease")
		}
		if got := nextAnnouncement(t, s, conn); got != "barrier" {
			t.Errorf("a heartbeat announced release %s", got)
		}
	})
}
