package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// LogFilter selects a page of a release's log.
type LogFilter struct {
	Phase  string // one phase's lines only
	Cursor string // continue from a previous page's NextCursor
	Limit  int    // page size: server default 50, at most 500
}

// ListLogs returns one page of release id's log.
func (c *Client) ListLogs(ctx context.Context, id int64, f LogFilter) (*apiwire.LogPage, error) {
	q := url.Values{}
	setQuery(q, "phase", f.Phase)
	setQuery(q, "cursor", f.Cursor)
	setLimit(q, f.Limit)
	var p apiwire.LogPage
	if err := c.get(ctx, api("releases", strconv.FormatInt(id, 10), "logs"), q, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// StreamLogs follows release id's log as Server-Sent Events from cursor ("":
// the beginning), calling fn for every line in order. It returns nil when the
// server says the release has finished and every line was sent, fn's error if
// fn fails, or an error if the connection breaks. When the server ends a
// stream early (event "timeout") StreamLogs reconnects from where it was. A
// silence longer than the client's timeout (the server sends keep-alives)
// ends the stream with an error wrapping ErrTimeout.
func (c *Client) StreamLogs(ctx context.Context, id int64, cursor string, fn func(release.LogEntry) error) error {
	for {
		next, done, err := c.streamOnce(ctx, id, cursor, fn)
		if err != nil || done {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		cursor = next
	}
}

// streamOnce reads one SSE connection; done is true after event "end", and
// next is the cursor to resume from otherwise.
func (c *Client) streamOnce(ctx context.Context, id int64, cursor string, fn func(release.LogEntry) error) (next string, done bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The idle watchdog cancels the request after a silence.
	var (
		mu     sync.Mutex
		silent bool
	)
	watchdog := time.AfterFunc(c.timeout, func() {
		mu.Lock()
		silent = true
		mu.Unlock()
		cancel()
	})
	defer watchdog.Stop()
	timedOut := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return silent
	}

	q := url.Values{}
	setQuery(q, "cursor", cursor)
	r := request{method: http.MethodGet, path: api("releases", strconv.FormatInt(id, 10), "logs", "stream"), query: q}
	resp, u, err := c.send(ctx, r, "text/event-stream")
	if err != nil {
		if timedOut() {
			return "", false, fmt.Errorf("GET %s: %w: no answer within %s", u.Redacted(), ErrTimeout, c.timeout)
		}
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", false, decodeError(r.method, pathAndQuery(u), resp)
	}

	next = cursor
	var ev sseEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		watchdog.Reset(c.timeout)
		line := sc.Text()
		if line != "" {
			ev.add(line)
			continue
		}
		// A blank line dispatches the event.
		switch ev.name {
		case "log", "":
			if ev.data.Len() == 0 {
				break
			}
			var e release.LogEntry
			if err := json.Unmarshal([]byte(ev.data.String()), &e); err != nil {
				return "", false, fmt.Errorf("GET %s: decoding a log event: %w", pathAndQuery(u), err)
			}
			if ev.id != "" {
				next = ev.id
			} else {
				next = strconv.FormatInt(e.Seq, 10)
			}
			if err := fn(e); err != nil {
				return "", false, err
			}
		case "end":
			return next, true, nil
		case "timeout":
			if cur := timeoutCursor(ev.data.String()); cur != "" {
				next = cur
			} else if ev.id != "" {
				next = ev.id
			}
			return next, false, nil
		}
		ev = sseEvent{}
	}
	err = sc.Err()
	if timedOut() {
		return "", false, fmt.Errorf("GET %s: %w: nothing received for %s", pathAndQuery(u), ErrTimeout, c.timeout)
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, context.Canceled) {
		err = ctxErr
	}
	return "", false, fmt.Errorf("GET %s: the log stream ended before the release finished: %w", pathAndQuery(u), err)
}

// sseEvent collects the fields of one Server-Sent Event.
type sseEvent struct {
	name string
	id   string
	data strings.Builder
}

func (e *sseEvent) add(line string) {
	if strings.HasPrefix(line, ":") {
		return // a comment: keep-alive
	}
	field, value, _ := strings.Cut(line, ":")
	value = strings.TrimPrefix(value, " ")
	switch field {
	case "event":
		e.name = value
	case "id":
		e.id = value
	case "data":
		if e.data.Len() > 0 {
			e.data.WriteByte('\n')
		}
		e.data.WriteString(value)
	}
}

// timeoutCursor reads the cursor out of a timeout event's data: either
// {"cursor": "..."} or the bare cursor.
func timeoutCursor(data string) string {
	data = strings.TrimSpace(data)
	var v struct {
		Cursor json.RawMessage `json:"cursor"`
	}
	if json.Unmarshal([]byte(data), &v) == nil && len(v.Cursor) > 0 {
		var s string
		if json.Unmarshal(v.Cursor, &s) == nil {
			return s
		}
		return string(v.Cursor) // a number
	}
	if strings.HasPrefix(data, "{") {
		return ""
	}
	return strings.Trim(data, `"`)
}
