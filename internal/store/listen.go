package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file is a process's one LISTEN connection: every part that wants
// the database's announcements (the API's release cache and log streams,
// the worker's queue) subscribes to it instead of listening on a
// connection of its own.

// Subscriber is one part of a process listening for notifications.
type Subscriber struct {
	// Channels are the channels it wants (LogChannel, ReleaseChannel,
	// TokenChannel, QueueChannel).
	Channels []string
	// Notify is called for each notification on one of Channels. It runs
	// on the listener's goroutine and must neither block nor subscribe.
	Notify func(channel, payload string)
	// Connected is told when the listener is listening on every channel
	// (true: whatever was announced while no one listened is lost, so look
	// again) and when it lost the database (false: notifications may be
	// missed until it is back). Same rules as Notify. May be nil.
	Connected func(up bool)
}

// errResubscribe ends a connection's wait so that it LISTENs again on the
// channels of a new subscriber.
var errResubscribe = errors.New("a subscriber wants another channel")

// listener is the state of a Store's one LISTEN connection.
type listener struct {
	mu        sync.Mutex
	subs      map[*Subscriber]struct{}
	up        bool            // listening on listening now
	listening map[string]bool // the current connection's channels
	restart   context.CancelCauseFunc
	stop      context.CancelFunc // ends the loop; nil when it is not running
}

// Listen subscribes sub to the process's one LISTEN connection until ctx
// ends, and returns ctx's error then. The connection is opened with the
// first subscriber (from the pool's configuration, not one of its
// connections), closed with the last, and reconnected with a backoff of
// 100 ms doubling to 5 s when it loses the database.
func (s *Store) Listen(ctx context.Context, sub Subscriber) error {
	l := &s.listener
	l.mu.Lock()
	if l.subs == nil {
		l.subs = map[*Subscriber]struct{}{}
	}
	l.subs[&sub] = struct{}{}
	covered := !slices.ContainsFunc(sub.Channels, func(ch string) bool { return !l.listening[ch] })
	switch {
	case l.stop == nil:
		loopCtx, stop := context.WithCancel(context.Background())
		l.stop = stop
		go s.listenLoop(loopCtx)
	case !covered && l.restart != nil:
		l.restart(errResubscribe)
	case covered && l.up && sub.Connected != nil:
		sub.Connected(true)
	}
	l.mu.Unlock()

	<-ctx.Done()
	l.mu.Lock()
	delete(l.subs, &sub)
	if len(l.subs) == 0 && l.stop != nil {
		l.stop()
		l.stop, l.restart, l.up, l.listening = nil, nil, false, nil
	}
	l.mu.Unlock()
	return ctx.Err()
}

func (s *Store) listenLoop(ctx context.Context) {
	l := &s.listener
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := s.listenOnce(ctx)
		l.mu.Lock()
		if ctx.Err() == nil {
			l.tell(false)
		}
		l.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errResubscribe) {
			continue
		}
		if connected {
			backoff = 100 * time.Millisecond
		}
		s.log.Warn("the listener lost the database; notifications may be missed until it is back", "error", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// tell tells every subscriber whether the listener is up; l.mu is held.
func (l *listener) tell(up bool) {
	l.up = up
	if !up {
		l.listening = nil
	}
	for sub := range l.subs {
		if sub.Connected != nil {
			sub.Connected(up)
		}
	}
}

// listenOnce connects, LISTENs on the subscribers' channels and dispatches
// notifications until the connection fails or a subscriber wants another
// channel (errResubscribe). connected says whether it got as far as
// listening.
func (s *Store) listenOnce(ctx context.Context) (connected bool, err error) {
	l := &s.listener
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("connecting to listen: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	wctx, restart := context.WithCancelCause(ctx)
	defer restart(nil)
	l.mu.Lock()
	channels := map[string]bool{}
	for sub := range l.subs {
		for _, ch := range sub.Channels {
			channels[ch] = true
		}
	}
	l.restart = restart
	l.mu.Unlock()
	for ch := range channels {
		if _, err := conn.Exec(wctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return false, listenErr(wctx, fmt.Errorf("listening on %s: %w", ch, err))
		}
	}
	l.mu.Lock()
	if ctx.Err() == nil { // not a loop the last subscriber has ended
		l.listening = channels
		l.tell(true)
	}
	l.mu.Unlock()
	for {
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			return true, listenErr(wctx, fmt.Errorf("waiting for notifications: %w", err))
		}
		l.mu.Lock()
		for sub := range l.subs {
			if ctx.Err() != nil {
				break
			}
			if sub.Notify != nil && slices.Contains(sub.Channels, n.Channel) {
				sub.Notify(n.Channel, n.Payload)
			}
		}
		l.mu.Unlock()
	}
}

// listenErr is errResubscribe when that is why ctx ended, else err.
func listenErr(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errResubscribe) {
		return errResubscribe
	}
	return err
}
