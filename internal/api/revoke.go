package api

import (
	"context"
	"errors"
	"sync"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// revocations tells open log streams that some token was revoked (or that
// revocations may have been missed): each stream then checks its own
// token, and a stream whose token is gone ends with `event: revoked`.
type revocations struct {
	mu sync.Mutex
	ch chan struct{} // closed, and replaced, at every revocation
}

func newRevocations() *revocations { return &revocations{ch: make(chan struct{})} }

// next is closed at the next revocation after this call.
func (r *revocations) next() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ch
}

// fire wakes every waiter.
func (r *revocations) fire() {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.ch)
	r.ch = make(chan struct{})
}

// tokenRevoked reports whether the token a request authenticated with has
// been revoked since. A database error counts as not revoked: the stream
// goes on and checks again later.
func (s *Server) tokenRevoked(ctx context.Context) bool {
	t := principal(ctx)
	if t == nil {
		return false
	}
	_, err := s.store.TokenByHash(ctx, t.Hash)
	return errors.Is(err, store.ErrNotFound)
}
