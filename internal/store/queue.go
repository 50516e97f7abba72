package store

import (
	"context"
)

// QueueChannel announces that a release may have become claimable: one was
// queued (created, or approved back to QUEUED) or an environment's active
// release finished or left PENDING_APPROVAL. The payload is the
// environment's id. A trigger (migration 0007) sends it, at commit, so
// every writer announces without remembering to.
const QueueChannel = "shiplog_queue"

// ListenQueue calls wake for every notification on QueueChannel until ctx
// ends, through the process's one LISTEN connection (Listen). It also
// calls wake each time that connection starts listening (first, and after
// reconnecting from a lost connection), since what was queued before is
// announced to no one. It returns ctx's error.
func (s *Store) ListenQueue(ctx context.Context, wake func()) error {
	return s.Listen(ctx, Subscriber{
		Channels: []string{QueueChannel},
		Notify:   func(string, string) { wake() },
		Connected: func(up bool) {
			if up {
				wake()
			}
		},
	})
}
