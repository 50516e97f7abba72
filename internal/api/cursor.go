package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// cursors make and check the opaque next_cursor of listings: base64url of
// a small JSON position, a dot, and an HMAC-SHA256 of it under the
// server's key. A cursor is bound to the listing it came from (its kind,
// the release listed and a hash of the filters), so it cannot be edited,
// forged or moved to another query.
type cursors struct{ key []byte }

func newCursors(key []byte) (*cursors, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("making a cursor key: %w", err)
		}
	}
	return &cursors{key: slices.Clone(key)}, nil
}

// position is where a listing continues.
type position struct {
	Kind   string `json:"k"`
	Query  string `json:"q"`           // hash of the filters
	ID     int64  `json:"i,omitempty"` // releases, artifacts: the last id; changes: the release
	Phase  string `json:"p,omitempty"` // changes: the last phase
	Seq    int64  `json:"s,omitempty"` // changes: the last seq
	Parent int64  `json:"r,omitempty"` // the release a listing belongs to
	Newer  bool   `json:"n,omitempty"` // releases: the page newer than ID, not older
}

func (c *cursors) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

func (c *cursors) encode(p position) string {
	payload, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(c.mac(payload))
}

// decode checks a cursor against the listing it is given to.
func (c *cursors) decode(s, kind, query string, parent int64) (position, error) {
	var p position
	bad := invalid("cursor", "the cursor is not valid: pass next_cursor from the previous page unchanged, with the same filters")
	payloadB64, macB64, ok := strings.Cut(s, ".")
	if !ok || len(s) > 1024 {
		return p, bad
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(payloadB64)
	mac, err2 := base64.RawURLEncoding.DecodeString(macB64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(payload)) {
		return p, bad
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Kind != kind || p.Query != query || p.Parent != parent {
		return p, bad
	}
	return p, nil
}

// queryHash hashes the filters of a listing (every query parameter but
// cursor and limit), so a cursor only continues the query it came from.
func queryHash(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "cursor" && k != "limit" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s", len(k), k)
		for _, v := range q[k] {
			fmt.Fprintf(h, "%d:%s", len(v), v)
		}
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
}

// limitOf reads ?limit=: default 50, at most 500.
func limitOf(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, invalid("limit", "limit must be a whole number from 1 to 500, not %q", v)
	}
	return min(n, 500), nil
}
