package api

import (
	"sync"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// releaseCache keeps the encoded JSON of releases: GETs (dashboards, the
// Terraform provider, pipelines polling with `release wait`) then cost no
// database round trip. The store announces every write that changes a
// release on its release channel; an entry is dropped when its release is
// announced, when the listener reconnects (announcements may have been
// missed), and after TTL. While the listener is down nothing is cached.
type releaseCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[int64]cachedRelease
	// gen counts drops: a copy read from the database before a drop must
	// not be put after it.
	gen uint64
}

type cachedRelease struct {
	body  []byte
	until time.Time
}

const releaseCacheMax = 20_000

func newReleaseCache(ttl time.Duration) *releaseCache {
	return &releaseCache{ttl: ttl, m: map[int64]cachedRelease{}}
}

func (c *releaseCache) get(id int64) []byte {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || time.Now().After(e.until) {
		return nil
	}
	return e.body
}

// stamp is taken before reading a release from the database; put only
// keeps what was read if nothing was dropped since.
func (c *releaseCache) stamp() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put keeps a release's JSON if no drop happened since stamp was taken.
func (c *releaseCache) put(r *release.Release, body []byte, stamp uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != stamp {
		return
	}
	if len(c.m) >= releaseCacheMax {
		clear(c.m)
	}
	c.m[r.ID] = cachedRelease{body: body, until: time.Now().Add(c.ttl)}
}

func (c *releaseCache) drop(id int64) {
	c.mu.Lock()
	delete(c.m, id)
	c.gen++
	c.mu.Unlock()
}

func (c *releaseCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

// releasesGone is called once releases were deleted (an environment's, with
// its history): this server's cache forgets every release at once, so the
// next GET of one of them is a 404; the database announces the delete
// (payload 0: any release, migration 0009), so every other server's cache
// does the same.
func (s *Server) releasesGone() {
	s.releases.clear()
}
