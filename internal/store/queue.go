package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// QueueChannel announces that a release may have become claimable: one was
// queued (created, or approved back to QUEUED) or an environment's active
// release finished or left PENDING_APPROVAL. The payload is the
// environment's id. A trigger (migration 0007) sends it, at commit, so
// every writer announces without remembering to.
const QueueChannel = "shiplog_queue"

// ListenQueue calls wake for every notification on QueueChannel until ctx
// ends, on a connection of its own (not one of the pool's). It also calls
// wake each time it starts listening (first, and after reconnecting from a
// lost connection, retry apart, default 1s), since what was queued before
// is announced to no one. It returns ctx's error.
func (s *Store) ListenQueue(ctx context.Context, retry time.Duration, wake func()) error {
	if retry <= 0 {
		retry = time.Second
	}
	for {
		err := s.listenQueueOnce(ctx, wake)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("listening for queued releases; polling until reconnected", "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

func (s *Store) listenQueueOnce(ctx context.Context, wake func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connecting to listen on %s: %w", QueueChannel, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+QueueChannel); err != nil {
		return fmt.Errorf("listening on %s: %w", QueueChannel, err)
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("waiting on %s: %w", QueueChannel, err)
		}
		wake()
	}
}
