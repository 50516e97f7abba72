package pgcluster_test

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
)

// clusterDir is a fresh directory the postgres user can reach when tests
// run as root (t.TempDir is mode 0700).
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "shiplog-pgc-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func canConnect(url string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false
	}
	conn.Close(ctx)
	return true
}

func TestStartReuseStop(t *testing.T) {
	ctx := context.Background()
	dir := clusterDir(t)
	cfg := pgcluster.Config{Dir: dir, NoSync: true}

	first, err := pgcluster.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Initialized {
		t.Fatalf("cold start: initialized=%v started=%v", first.Initialized, first.Started)
	}
	if !first.Started {
		t.Fatalf("cold start: initialized=%v started=%v", first.Initialized, first.Started)
	}
	if !canConnect(first.URL("")) {
		t.Fatal("cannot connect to the new cluster")
	}
	if _, err := os.Stat(filepath.Join(first.SocketDir(), ".s.PGSQL.5432")); err != nil {
		t.Fatalf("no Unix socket: %v", err)
	}
	conf, err := os.ReadFile(filepath.Join(dir, "data", "postgresql.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "listen_addresses = ''") {
		t.Fatal("cluster listens on TCP")
	}

	second, err := pgcluster.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if second.Initialized {
		t.Fatalf("reuse: initialized=%v started=%v, want both false", second.Initialized, second.Started)
	}
	if second.Started {
		t.Fatalf("reuse: initialized=%v started=%v, want both false", second.Initialized, second.Started)
	}
	// the first to leave must not stop a server the second still uses
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !canConnect(second.URL("")) {
		t.Fatal("server stopped while still in use")
	}
	if err := second.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if canConnect(second.URL("")) {
		t.Fatal("server still running after the last user left")
	}

	warm, err := pgcluster.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer warm.Close(ctx)
	if warm.Initialized {
		t.Fatalf("warm start: initialized=%v started=%v", warm.Initialized, warm.Started)
	}
	if !warm.Started {
		t.Fatalf("warm start: initialized=%v started=%v", warm.Initialized, warm.Started)
	}
	if !canConnect(warm.URL("")) {
		t.Fatal("cannot connect after warm start")
	}
}

func TestBadDirectories(t *testing.T) {
	ctx := context.Background()

	t.Run("not a cluster", func(t *testing.T) {
		dir := clusterDir(t)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Error(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "precious.txt"), []byte("x"), 0o600); err != nil {
			t.Error(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(filepath.Join(dir, "data"), ownerUID(t), -1); err != nil {
				t.Error(err)
			}
		}
		_, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir, NoSync: true})
		if err == nil {
			t.Fatalf("want a not-empty error, got %v", err)
		}
		if !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("want a not-empty error, got %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "data", "precious.txt")); err != nil {
			t.Fatal("the foreign file was removed")
		}
	})

	t.Run("owned by someone else", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Fatal("this test needs root to give a directory to another user; the suite runs as root in CI")
		}
		dir := clusterDir(t)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Error(err)
		}
		if err := os.Chown(filepath.Join(dir, "data"), 65534, 65534); err != nil {
			t.Error(err)
		}
		_, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir, NoSync: true})
		if err == nil {
			t.Fatalf("want an ownership error, got %v", err)
		}
		if !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Fatalf("want an ownership error, got %v", err)
		}
	})

	t.Run("unreachable as root", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Fatal("this test needs root; the suite runs as root in CI")
		}
		dir := filepath.Join(t.TempDir(), "pg") // t.TempDir is 0700 root
		_, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir, NoSync: true})
		if err == nil {
			t.Fatalf("want a reachability error, got %v", err)
		}
		if !strings.Contains(err.Error(), "not reachable") {
			t.Fatalf("want a reachability error, got %v", err)
		}
	})

	t.Run("no server binaries", func(t *testing.T) {
		_, err := pgcluster.Start(ctx, pgcluster.Config{Dir: clusterDir(t), BinDir: t.TempDir()})
		if err == nil {
			t.Fatalf("want a missing-binaries error, got %v", err)
		}
		if !strings.Contains(err.Error(), "lacks one of") {
			t.Fatalf("want a missing-binaries error, got %v", err)
		}
		msg := pgcluster.ErrNoServer.Error()
		if !strings.Contains(msg, "apt-get install postgresql") {
			t.Fatalf("ErrNoServer must name both fixes: %s", msg)
		}
		if !strings.Contains(msg, "--database-url") {
			t.Fatalf("ErrNoServer must name both fixes: %s", msg)
		}
	})
}

func ownerUID(t *testing.T) int {
	// the embedded server runs as postgres when we are root
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("no postgres user: %v", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		t.Fatal(err)
	}
	return uid
}
