package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// parseSeq reads a log cursor: the seq of the last line seen.
func parseSeq(field, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid(field, "%s %q is not a log position (the seq of the last line seen, a whole number)", field, v)
	}
	return n, nil
}

func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	var after int64
	if c := q.Get("cursor"); c != "" {
		if after, err = parseSeq("cursor", c); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	limit, err := limitOf(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.ReleaseStatus(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := s.store.ListLogs(r.Context(), id, q.Get("phase"), after, limit+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.LogPage{Entries: es}
	if len(es) > limit {
		out.Entries = es[:limit]
		out.NextCursor = strconv.FormatInt(es[limit-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

// streamPage is how many lines a stream reads from the store at once.
const streamPage = 500

// sse writes Server-Sent Events, each write under a deadline so that a
// client that stops reading is dropped rather than held forever.
type sse struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     []byte
}

func (e *sse) event(name, id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		b = []byte(`{}`)
	}
	if id != "" {
		e.buf = append(e.buf, "id: "...)
		e.buf = append(e.buf, id...)
		e.buf = append(e.buf, '\n')
	}
	e.buf = append(e.buf, "event: "...)
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, "\ndata: "...)
	e.buf = append(e.buf, b...)
	e.buf = append(e.buf, "\n\n"...)
}

func (e *sse) comment(text string) {
	e.buf = append(e.buf, ": "...)
	e.buf = append(e.buf, text...)
	e.buf = append(e.buf, "\n\n"...)
}

// flush sends what was written.
func (e *sse) flush() error {
	if len(e.buf) == 0 {
		return nil
	}
	e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
	_, err := e.w.Write(e.buf)
	e.buf = e.buf[:0]
	if err != nil {
		return err
	}
	return e.rc.Flush()
}

func (s *Server) streamLogs(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var cursor int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if cursor, err = parseSeq("cursor", c); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if h := r.Header.Get("Last-Event-ID"); h != "" {
		if cursor, err = parseSeq("Last-Event-ID", h); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	ctx := r.Context()
	if _, err := s.store.ReleaseStatus(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	// Subscribe before the first read, so no notification falls between.
	sub := s.hub.subscribe(id)
	defer s.hub.unsubscribe(sub)
	s.metrics.sseClients.Add(1)
	defer s.metrics.sseClients.Add(-1)
	s.metrics.sseTotal.Add(1)

	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives up to MaxStream (a read deadline would cancel it).
	rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := &sse{w: w, rc: rc, timeout: s.cfg.StreamWriteTimeout}
	out.buf = append(out.buf, "retry: 2000\n\n"...)
	if out.flush() != nil {
		return
	}
	how, err := s.follow(ctx, id, cursor, sub, out)
	if err != nil && ctx.Err() == nil {
		s.log.Debug("log stream failed", "release", id, "error", err)
	}
	s.log.Trace("log stream closed", "release", id, "how", how)
}

// follow sends a release's lines from cursor on until the release is
// finished and every line is sent, the stream is too old, the server
// shuts down or the client leaves.
func (s *Server) follow(ctx context.Context, id, cursor int64, sub *subscription, out *sse) (string, error) {
	maxT := time.NewTimer(s.cfg.MaxStream)
	defer maxT.Stop()
	keep := time.NewTicker(s.cfg.KeepAlive)
	defer keep.Stop()
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	polls := 0
	checkStatus := true

	// send sends every line after cursor; it reports how many it sent.
	send := func() (int, error) {
		sent := 0
		for {
			es, err := s.store.ListLogs(ctx, id, "", cursor, streamPage)
			if err != nil {
				return sent, err
			}
			for _, e := range es {
				out.event("log", strconv.FormatInt(e.Seq, 10), e)
				cursor = e.Seq
			}
			if err := out.flush(); err != nil {
				return sent, err
			}
			sent += len(es)
			if len(es) < streamPage {
				return sent, nil
			}
		}
	}
	timeout := func(reason string) (string, error) {
		out.event("timeout", "", apiwire.StreamTimeout{Cursor: strconv.FormatInt(cursor, 10), Reason: reason})
		return reason, out.flush()
	}
	for {
		if _, err := send(); err != nil {
			if ctx.Err() != nil {
				return "gone", err
			}
			s.log.Warn("log stream: reading lines", "release", id, "error", err)
			// the poll ticker tries again
		} else if checkStatus || sub.status.Swap(false) {
			checkStatus = false
			st, err := s.store.ReleaseStatus(ctx, id)
			if err == nil && st.Terminal() {
				// A worker writes every line before the final status, so
				// the lines are all visible now: send the last ones.
				n, err := send()
				if err != nil {
					return "gone", err
				}
				if n == 0 {
					out.event("end", "", apiwire.StreamEnd{Status: st, Cursor: strconv.FormatInt(cursor, 10)})
					return "end", out.flush()
				}
				checkStatus = true
				continue
			}
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return "gone", ctx.Err()
			case <-s.closing:
				return timeout("shutdown")
			case <-maxT.C:
				return timeout("max_stream")
			case <-keep.C:
				out.comment("keep-alive")
				if err := out.flush(); err != nil {
					return "gone", err
				}
			case <-sub.wake:
				if sub.seq.Load() > cursor || sub.status.Load() {
					break wait
				}
			case <-poll.C:
				polls++
				if !s.hub.connected() || polls%15 == 0 {
					checkStatus = true
					break wait
				}
			}
		}
	}
}
