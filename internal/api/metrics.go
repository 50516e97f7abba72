package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// metrics are the server's Prometheus metrics, written in the text
// exposition format by hand.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram

	sseClients atomic.Int64
	sseTotal   atomic.Uint64
}

type requestKey struct {
	route, method string
	code          int
}

var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, latency: map[string]*histogram{}}
}

func (m *metrics) observe(route, method string, code int, d time.Duration) {
	secs := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, method, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.latency[route] = h
	}
	if i, _ := slices.BinarySearch(latencyBuckets, secs); i < len(latencyBuckets) {
		h.counts[i]++
	}
	h.sum += secs
	h.n++
}

// write writes every metric; releases are counted in the database at
// scrape time (a failure there is reported as a metric, not an error).
func (m *metrics) write(ctx context.Context, w io.Writer, s *Server) {
	var b strings.Builder
	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		if c := strings.Compare(a.method, b.method); c != 0 {
			return c
		}
		return a.code - b.code
	})
	b.WriteString("# HELP shiplog_http_requests_total HTTP requests served, by route pattern, method and status code.\n")
	b.WriteString("# TYPE shiplog_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "shiplog_http_requests_total{route=%s,method=%s,code=\"%d\"} %d\n", label(k.route), label(k.method), k.code, m.requests[k])
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	b.WriteString("# HELP shiplog_http_request_duration_seconds Time to serve a request, by route pattern (log streams count their whole life).\n")
	b.WriteString("# TYPE shiplog_http_request_duration_seconds histogram\n")
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, ub := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "shiplog_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", label(r), strconv.FormatFloat(ub, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "shiplog_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", label(r), h.n)
		fmt.Fprintf(&b, "shiplog_http_request_duration_seconds_sum{route=%s} %s\n", label(r), strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "shiplog_http_request_duration_seconds_count{route=%s} %d\n", label(r), h.n)
	}
	m.mu.Unlock()

	b.WriteString("# HELP shiplog_sse_clients Log stream (Server-Sent Events) clients connected now.\n")
	b.WriteString("# TYPE shiplog_sse_clients gauge\n")
	fmt.Fprintf(&b, "shiplog_sse_clients %d\n", m.sseClients.Load())
	b.WriteString("# HELP shiplog_sse_streams_total Log streams opened.\n")
	b.WriteString("# TYPE shiplog_sse_streams_total counter\n")
	fmt.Fprintf(&b, "shiplog_sse_streams_total %d\n", m.sseTotal.Load())
	b.WriteString("# HELP shiplog_log_listener_up 1 when the log notification listener is connected to the database.\n")
	b.WriteString("# TYPE shiplog_log_listener_up gauge\n")
	up := 0
	if s.hub.connected() {
		up = 1
	}
	fmt.Fprintf(&b, "shiplog_log_listener_up %d\n", up)

	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	counts, err := s.store.CountReleasesByStatus(ctx)
	b.WriteString("# HELP shiplog_releases Stored releases by status.\n")
	b.WriteString("# TYPE shiplog_releases gauge\n")
	if err == nil {
		for _, st := range release.Statuses {
			fmt.Fprintf(&b, "shiplog_releases{status=%s} %d\n", label(string(st)), counts[st])
		}
	} else {
		s.log.Warn("metrics: counting releases", "error", err)
	}
	b.WriteString("# HELP shiplog_releases_scrape_error 1 when releases could not be counted for this scrape.\n")
	b.WriteString("# TYPE shiplog_releases_scrape_error gauge\n")
	failed := 0
	if err != nil {
		failed = 1
	}
	fmt.Fprintf(&b, "shiplog_releases_scrape_error %d\n", failed)
	io.WriteString(w, b.String())
}

func label(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

// recorder remembers the status a handler wrote. It unwraps for
// http.ResponseController (flushes, deadlines).
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
