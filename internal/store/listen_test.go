package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// probe is a subscriber that reports on channels what it is told.
type probe struct {
	up    chan bool
	heard chan string
}

func subscribe(ctx context.Context, s *store.Store, channel string) probe {
	p := probe{up: make(chan bool, 16), heard: make(chan string, 16)}
	go s.Listen(ctx, store.Subscriber{
		Channels:  []string{channel},
		Notify:    func(_, payload string) { p.heard <- payload },
		Connected: func(up bool) { p.up <- up },
	})
	return p
}

func wait[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s within 30s", what)
		panic("unreachable")
	}
}

// Two parts of one process subscribe to different channels: both are
// told when the shared connection listens, each hears its own channel
// only, and a second subscriber on another channel gets it listened on.
func TestListenSharesOneConnection(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := dbtest.Store(t)
	queue := subscribe(ctx, s, store.QueueChannel)
	if !wait(t, queue.up, "connection for the first subscriber") {
		t.Fatal("first subscriber told the listener is down")
	}
	releases := subscribe(ctx, s, store.ReleaseChannel)
	for !wait(t, releases.up, "connection for the second subscriber") {
	}
	for _, ch := range []string{store.QueueChannel, store.ReleaseChannel} {
		if _, err := s.Pool().Exec(ctx, `SELECT pg_notify($1, $1)`, ch); err != nil {
			t.Fatal(err)
		}
	}
	if got := wait(t, queue.heard, "queue notification"); got != store.QueueChannel {
		t.Errorf("the queue subscriber heard %q", got)
	}
	if got := wait(t, releases.heard, "release notification"); got != store.ReleaseChannel {
		t.Errorf("the release subscriber heard %q", got)
	}
}
