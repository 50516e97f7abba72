package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// sessionFixture is a store with a live token "web" and a session of it.
func sessionFixture(t *testing.T) (*store.Store, []byte) {
	t.Helper()
	s := dbtest.Store(t)
	h := sha256.Sum256([]byte("token secret"))
	if err := s.CreateToken(context.Background(), &store.Token{Name: "web", Hash: h[:], Scopes: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	sid := sha256.Sum256([]byte("session id"))
	if err := s.CreateWebSession(context.Background(), sid[:], "web"); err != nil {
		t.Fatal(err)
	}
	return s, sid[:]
}

func TestWebSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a live session gives its token", func(t *testing.T) {
		s, sid := sessionFixture(t)
		tok, err := s.WebSessionToken(ctx, sid)
		if err != nil || tok.Name != "web" {
			t.Fatalf("got %+v, %v; want the token web", tok, err)
		}
	})
	t.Run("an unknown session is not found", func(t *testing.T) {
		s, _ := sessionFixture(t)
		other := sha256.Sum256([]byte("other"))
		if _, err := s.WebSessionToken(ctx, other[:]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("revoking the token ends the session", func(t *testing.T) {
		s, sid := sessionFixture(t)
		if err := s.RevokeToken(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionToken(ctx, sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("a session idle for 12 hours is over", func(t *testing.T) {
		s, sid := sessionFixture(t)
		if _, err := s.Pool().Exec(ctx, `UPDATE web_sessions SET last_seen = now() - interval '12 hours 1 minute'`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionToken(ctx, sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("a session past 7 days is over, however busy", func(t *testing.T) {
		s, sid := sessionFixture(t)
		if _, err := s.Pool().Exec(ctx, `UPDATE web_sessions SET expires_at = now() - interval '1 second'`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionToken(ctx, sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("deleting ends it", func(t *testing.T) {
		s, sid := sessionFixture(t)
		if err := s.DeleteWebSession(ctx, sid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionToken(ctx, sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("a revoked token opens no session", func(t *testing.T) {
		s, _ := sessionFixture(t)
		if err := s.RevokeToken(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		sid := sha256.Sum256([]byte("late"))
		if err := s.CreateWebSession(ctx, sid[:], "web"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("only the hash of the id is kept", func(t *testing.T) {
		s, sid := sessionFixture(t)
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM web_sessions WHERE hash = $1`, sid).Scan(&n); err != nil || n != 1 {
			t.Errorf("sessions stored under the hash: %d (%v), want 1", n, err)
		}
	})
}
