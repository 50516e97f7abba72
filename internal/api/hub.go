package api

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// hub is what every log stream shares: it hears the log, release and
// token channels through the process's one LISTEN connection
// (store.Listen) and wakes the streams of the release a notification is
// about. Streams also poll, so a lost connection (or notification) delays
// lines, never loses them.
type hub struct {
	log hclog.Logger
	st  *store.Store
	// up is whether the listener is connected now: while it is not,
	// notifications can be missed, so caches must not be trusted and
	// streams poll every time.
	up atomic.Bool
	// onToken is told of a revoked token's name ("" when revocations may
	// have been missed).
	onToken func(name string)
	// onRelease is told of a changed release (0: any may have changed).
	onRelease func(id int64)

	mu   sync.Mutex
	subs map[int64]map[*subscription]struct{}
}

// subscription is one stream's interest in one release.
type subscription struct {
	release int64
	wake    chan struct{} // capacity 1: a pending wake-up
	seq     atomic.Int64  // the highest seq announced for the release
	status  atomic.Bool   // the release's status changed since last looked
}

func newHub(log hclog.Logger, st *store.Store, onToken func(string), onRelease func(int64)) *hub {
	return &hub{log: log, st: st, onToken: onToken, onRelease: onRelease, subs: map[int64]map[*subscription]struct{}{}}
}

// connected reports whether the listener is connected now, so that every
// change announced is heard: what a release cache and the streams' polling
// rest on, and what the metrics show.
func (h *hub) connected() bool { return h.up.Load() }

func (h *hub) subscribe(id int64) *subscription {
	sub := &subscription{release: id, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	set := h.subs[id]
	if set == nil {
		set = map[*subscription]struct{}{}
		h.subs[id] = set
	}
	set[sub] = struct{}{}
	h.mu.Unlock()
	return sub
}

func (h *hub) unsubscribe(sub *subscription) {
	h.mu.Lock()
	if set := h.subs[sub.release]; set != nil {
		delete(set, sub)
		if len(set) == 0 {
			delete(h.subs, sub.release)
		}
	}
	h.mu.Unlock()
}

func (sub *subscription) signal() {
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

// notify wakes the streams of one release.
func (h *hub) notify(id, seq int64, status bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs[id] {
		if seq > 0 {
			for {
				cur := sub.seq.Load()
				if seq <= cur || sub.seq.CompareAndSwap(cur, seq) {
					break
				}
			}
		}
		if status {
			sub.status.Store(true)
		}
		sub.signal()
	}
}

// wakeAll wakes every stream, as if its release had changed.
func (h *hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for sub := range set {
			sub.status.Store(true)
			sub.signal()
		}
	}
}

func (h *hub) dispatch(channel, payload string) {
	switch channel {
	case store.LogChannel:
		rel, seq, ok := strings.Cut(payload, ":")
		id, err1 := strconv.ParseInt(rel, 10, 64)
		n, err2 := strconv.ParseInt(seq, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			h.log.Warn("unreadable log notification", "payload", payload)
			return
		}
		h.notify(id, n, false)
	case store.ReleaseChannel:
		id, err := strconv.ParseInt(payload, 10, 64)
		if err != nil {
			h.log.Warn("unreadable release notification", "payload", payload)
			return
		}
		h.onRelease(id)
		h.notify(id, 0, true)
	case store.TokenChannel:
		h.onToken(payload)
	}
}

// run feeds the hub from the process's one LISTEN connection
// (store.Listen) until ctx ends.
func (h *hub) run(ctx context.Context) {
	h.st.Listen(ctx, store.Subscriber{
		Channels: []string{store.LogChannel, store.ReleaseChannel, store.TokenChannel},
		Notify:   h.dispatch,
		Connected: func(up bool) {
			h.up.Store(up)
			if !up {
				return
			}
			h.log.Debug("listener connected")
			// Whatever happened while no one listened: look again.
			h.wakeAll()
			h.onToken("")
			h.onRelease(0)
		},
	})
}
