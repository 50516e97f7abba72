// Package api is shiplog's HTTP API: the routes and JSON of the contract in
// ARCHITECTURE.md, bearer-token security with scopes, live log streams over
// Server-Sent Events fed by one shared database listener, Prometheus
// metrics and an OpenAPI document generated from the same route table the
// server is built from.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// Config configures a Server.
type Config struct {
	Store   *store.Store
	Logger  hclog.Logger
	Catalog *template.Catalog
	// KeepAlive is how often a log stream sends a keep-alive comment
	// (default 15s).
	KeepAlive time.Duration
	// MaxStream is the longest a log stream stays open; it then ends with
	// `event: timeout` giving the cursor to resume from (default 30m).
	MaxStream time.Duration
	// PollInterval is how often a log stream looks for lines without a
	// notification while the database listener is down (default 1s); with
	// the listener up it looks every 15 intervals, as a safety net.
	PollInterval time.Duration
	// StreamWriteTimeout bounds each write to a log stream, so a client
	// that stops reading is dropped (default 30s).
	StreamWriteTimeout time.Duration
	// CursorKey signs pagination cursors (default: a random key, so
	// cursors do not outlive the process).
	CursorKey []byte
	// MaxBody caps JSON request bodies (default 1 MiB); MaxPlanBody caps
	// uploaded plans (default 64 MiB).
	MaxBody     int64
	MaxPlanBody int64
	// MaxUploadBody caps an uploaded configuration archive (default 16 MiB
	// compressed; its files are bounded by blueprint.MaxSize besides).
	MaxUploadBody int64
	// UploadLimits bound what an uploaded archive may expand to: files,
	// entries, time (zero values: blueprint's defaults).
	UploadLimits blueprint.Limits
	// MaxConcurrentUploads is how many uploaded configurations are packed
	// and stored at once, the part that holds a blueprint in memory
	// (default 1; reading and checking an upload streams to disk and is
	// not limited): memory does not grow with how many are sent.
	MaxConcurrentUploads int
	// ReleaseCacheTTL is how long the JSON of a release is served from
	// memory (default 30s; negative: never). Changes announced by the store
	// drop it at once.
	ReleaseCacheTTL time.Duration
	// TokenCacheTTL is how long a checked token is trusted without asking
	// the database again (default 10s; negative: never cached).
	// Revocations reach the cache at once through the database listener.
	TokenCacheTTL time.Duration
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.MaxStream <= 0 {
		c.MaxStream = 30 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.StreamWriteTimeout <= 0 {
		c.StreamWriteTimeout = 30 * time.Second
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxUploadBody <= 0 {
		c.MaxUploadBody = 16 << 20
	}
	if c.MaxConcurrentUploads <= 0 {
		c.MaxConcurrentUploads = 1
	}
	if c.MaxPlanBody <= 0 {
		c.MaxPlanBody = 64 << 20
	}
	if c.ReleaseCacheTTL == 0 {
		c.ReleaseCacheTTL = 30 * time.Second
	}
	if c.TokenCacheTTL == 0 {
		c.TokenCacheTTL = 10 * time.Second
	}
}

// Server serves the API.
type Server struct {
	cfg     Config
	store   *store.Store
	catalog *template.Catalog
	svc     *service.Service // the use cases the handlers call
	log     hclog.Logger

	mux      *http.ServeMux
	patterns []string // every pattern given to mux, in order
	cursors  *cursors
	tokens   *tokenCache
	releases *releaseCache
	metrics  *metrics
	hub      *hub

	revoked   *revocations  // wakes log streams to check their token
	openapi   []byte        // the OpenAPI document, as served
	closing   chan struct{} // closed to end every log stream
	closeOnce sync.Once
	stop      context.CancelFunc
	done      chan struct{} // closed when the listener has stopped
	uploads   chan struct{} // admits MaxConcurrentUploads repacks
}

// Service is the use-case layer the server's handlers call, for callers
// in the same process (the web pages).
func (s *Server) Service() *service.Service { return s.svc }

// New builds a server and starts its database listener; Close stops it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: a store is required")
	}
	if cfg.Catalog == nil {
		return nil, errors.New("api: a template catalog is required")
	}
	cfg.defaults()
	cur, err := newCursors(cfg.CursorKey)
	if err != nil {
		return nil, err
	}
	svc, err := service.New(cfg.Store, cfg.Catalog, cfg.Logger.Named("service"))
	if err != nil {
		return nil, err
	}
	s := &Server{
		uploads:  make(chan struct{}, cfg.MaxConcurrentUploads),
		cfg:      cfg,
		store:    cfg.Store,
		catalog:  cfg.Catalog,
		svc:      svc,
		log:      cfg.Logger.Named("api"),
		mux:      http.NewServeMux(),
		cursors:  cur,
		tokens:   newTokenCache(cfg.TokenCacheTTL),
		releases: newReleaseCache(cfg.ReleaseCacheTTL),
		metrics:  newMetrics(),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		revoked:  newRevocations(),
	}
	// a change made through the service, by a handler or a page, is read
	// back at once by this server
	svc.OnChange(s.releases.drop)
	if s.openapi, err = json.MarshalIndent(OpenAPI(), "", "  "); err != nil {
		return nil, fmt.Errorf("api: encoding the OpenAPI document: %w", err)
	}
	for _, rt := range routes() {
		s.handle(rt.Method+" "+rt.Path, s.authorize(rt, s.checkQuery(rt)))
	}
	s.hub = newHub(s.log.Named("listener"), cfg.Store, s.tokenRevokedNotice, s.releaseChanged)
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go func() {
		defer close(s.done)
		s.hub.run(ctx)
	}()
	return s, nil
}

// tokenRevokedNotice is told of a revoked token's name ("" when
// revocations may have been missed): the cache forgets it and open log
// streams check their tokens.
func (s *Server) tokenRevokedNotice(name string) {
	s.tokens.drop(name)
	s.revoked.fire()
}

// releaseChanged is told of every release the store announces (0: any
// release may have changed).
func (s *Server) releaseChanged(id int64) {
	if id == 0 {
		s.releases.clear()
		return
	}
	s.releases.drop(id)
}

// handle is the only way anything is added to the mux: the patterns it
// records are what the OpenAPI test compares the document with.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// checkQuery refuses query parameters the route does not document (a
// misspelt filter would otherwise silently list everything).
func (s *Server) checkQuery(rt route) http.HandlerFunc {
	allowed := map[string]bool{}
	var names []string
	for _, p := range rt.Query {
		allowed[p.Name] = true
		names = append(names, p.Name)
	}
	takes := "none"
	if len(names) > 0 {
		takes = strings.Join(names, ", ")
	}
	wildcards := pathWildcards(rt.Path)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			for k, vs := range r.URL.Query() {
				if invalidUTF8(k) >= 0 {
					s.fail(w, r, textError(strings.ToValidUTF8(k, "\uFFFD"), fmt.Sprintf("query parameter name %q", k), k))
					return
				}
				if !allowed[k] {
					s.fail(w, r, invalid(strings.ReplaceAll(k, "\x00", ""), "unknown query parameter %q (this route takes: %s)", k, takes))
					return
				}
				for _, v := range vs {
					if err := textError(k, "query parameter "+k, v); err != nil {
						s.fail(w, r, err)
						return
					}
				}
			}
		}
		for _, name := range wildcards {
			if err := textError(name, "path value "+name, r.PathValue(name)); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		rt.handle(s, w, r)
	}
}

// pathWildcards lists the names of a route path's wildcards ("{name}").
func pathWildcards(path string) []string {
	var out []string
	for part := range strings.SplitSeq(path, "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}"))
		}
	}
	return out
}

// Patterns lists every route pattern the server serves ("METHOD /path").
func (s *Server) Patterns() []string { return append([]string(nil), s.patterns...) }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unmatched(rec, r)
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	s.metrics.observe(route, r.Method, rec.status, time.Since(start))
}

// unmatched answers what the mux does not serve with the contract's error
// JSON (the mux's own answers are plain text); redirects pass through.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		s.fail(w, r, &httpError{Status: http.StatusMethodNotAllowed, Code: apiwire.CodeInvalid,
			Message: r.Method + " is not allowed on " + r.URL.Path + " (allowed: " + probe.header.Get("Allow") + ")"})
	case http.StatusNotFound, 0:
		s.fail(w, r, notFound("no route %s %s", r.Method, r.URL.Path))
	default:
		for k, v := range probe.header {
			w.Header()[k] = v
		}
		w.WriteHeader(probe.status)
		w.Write(probe.body)
	}
}

type probeWriter struct {
	header http.Header
	status int
	body   []byte
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	p.body = append(p.body, b...)
	return len(b), nil
}

// EndStreams ends every open log stream with `event: timeout` (reason
// "shutdown") so that clients reconnect elsewhere or later and resume;
// call it when the HTTP server shuts down (http.Server.RegisterOnShutdown),
// since streams never go idle by themselves.
func (s *Server) EndStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}

// Close ends the streams and stops the database listener.
func (s *Server) Close() {
	s.EndStreams()
	s.stop()
	<-s.done
}
