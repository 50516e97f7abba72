package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/scheduler"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/web"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

type serverCmd struct {
	Listen    string        `default:"127.0.0.1:8080" help:"Address to serve the API on."`
	Workers   int           `default:"0" help:"Worker slots to run in this process (0: API only; run 'shiplog worker' elsewhere)."`
	Templates string        `name:"templates-dir" type:"existingdir" env:"SHIPLOG_TEMPLATES_DIR" help:"Directory of ReleaseTemplate YAML files, besides the built-in templates (a template of the same name overrides a built-in)."`
	KeepAlive time.Duration `name:"keep-alive" default:"15s" help:"How often a log stream sends a keep-alive."`
	MaxStream time.Duration `name:"max-stream" default:"30m" help:"Longest life of a log stream; clients resume from where it ended."`
	CursorKey string        `name:"cursor-key" env:"SHIPLOG_CURSOR_KEY" help:"Base64 key signing pagination cursors; give every replica behind one address the same (default: <data-dir>/cursor.key, made on first use)."`
	Grace     time.Duration `default:"30s" help:"How long a shutdown waits for requests to finish."`

	WebhookAllowPrivate bool `name:"webhook-allow-private" env:"SHIPLOG_WEBHOOK_ALLOW_PRIVATE" help:"Let webhook subscriptions reach loopback, link-local and private addresses (refused by default: server-side request forgery)."`

	PruneDaily bool       `name:"prune-daily" help:"Prune once a day (at start, then every 24h), as 'shiplog db prune' with --prune-keep-days and --prune-keep-last."`
	Prune      pruneFlags `embed:"" prefix:"prune-" group:"Retention (--prune-daily)"`

	Worker workerFlags `embed:"" prefix:"worker-" group:"Worker slots (--workers > 0)"`

	OIDC oidcFlags `embed:"" prefix:"oidc-" group:"Sign-in with an identity provider (OpenID Connect)"`

	Kubernetes bool      `name:"kubernetes" help:"Also serve the ReleaseTemplates of a Kubernetes cluster (as namespace/name), watched."`
	Kube       kubeFlags `embed:"" prefix:"kube-" group:"Kubernetes (--kubernetes)"`
}

// Run serves the API (and, with --workers, runs releases) until SIGINT or
// SIGTERM, then shuts down gracefully: streams are told to resume
// elsewhere, requests finish, running releases are stopped.
func (c *serverCmd) Run(g *Globals) error {
	ctx := g.Context()
	db, err := g.openDatabase(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	live, err := c.start(g, db)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		g.Logger().Info("shutting down")
	case err := <-live.served:
		live.stopWorkers()
		return fmt.Errorf("serving the API: %w", err)
	}
	return live.shutdown()
}

// liveServer is a serving API with its worker slots.
type liveServer struct {
	addr        string
	hs          *http.Server
	served      chan error
	stopWorkers func()
	grace       time.Duration
	log         hclog.Logger
	close       func()
}

// start serves the API on c.Listen and starts c.Workers worker slots.
func (c *serverCmd) start(g *Globals, db *database) (*liveServer, error) {
	ctx := g.Context()
	log := g.Logger()
	cat, err := template.Load(c.Templates)
	if err != nil {
		return nil, err
	}
	key, err := c.cursorKey(g)
	if err != nil {
		return nil, err
	}
	var watchTemplates func(context.Context)
	if c.Kubernetes {
		cfg, err := c.Kube.restConfig()
		if err != nil {
			return nil, err
		}
		ctrllog.SetLogger(kube.Logr(log.Named("k8s")))
		watchTemplates = func(ctx context.Context) {
			if err := kube.WatchTemplates(ctx, cfg, cat, c.Kube.Namespaces, log.Named("templates")); err != nil {
				log.Error("watching the cluster's ReleaseTemplates stopped", "error", err)
			}
		}
	}
	idp, err := c.OIDC.provider(ctx, db.Store)
	if err != nil {
		return nil, err
	}
	if idp != nil {
		log.Info("sign-in with the identity provider is on", "issuer", c.OIDC.Issuer, "client_id", c.OIDC.ClientID)
	}
	srv, err := api.New(api.Config{Store: db.Store, Logger: log, Catalog: cat, KeepAlive: c.KeepAlive, MaxStream: c.MaxStream, CursorKey: key})
	if err != nil {
		return nil, err
	}
	srv.Service().AllowPrivateWebhooks(c.WebhookAllowPrivate)
	pages, err := web.New(web.Config{API: srv, Store: db.Store, Logger: log, OIDC: idp})
	if err != nil {
		srv.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	wctx, cancelWorkers := context.WithCancel(context.WithoutCancel(ctx))
	live := &liveServer{served: make(chan error, 1), grace: c.Grace, log: log}
	live.stopWorkers = func() { cancelWorkers(); wg.Wait() }
	live.close = srv.Close
	if c.Workers > 0 {
		w, err := c.Worker.newWorker(ctx, g, db, func(cfg *worker.Config) { cfg.Concurrency = c.Workers })
		if err != nil {
			srv.Close()
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(wctx); err != nil {
				log.Error("worker stopped", "error", err)
			}
		}()
	}
	if watchTemplates != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			watchTemplates(wctx)
		}()
	}
	// webhook deliveries: any server or worker sends them (the store hands
	// each to one)
	wg.Add(1)
	go func() {
		defer wg.Done()
		d := &webhook.Dispatcher{Store: db.Store, Log: log.Named("webhooks"), AllowPrivate: c.WebhookAllowPrivate}
		if err := d.Run(wctx); err != nil {
			log.Error("webhook deliveries stopped", "error", err)
		}
	}()
	// schedules: every server fires the due ones (the store hands each
	// tick to one)
	sched, err := scheduler.New(scheduler.Config{Store: db.Store, Service: srv.Service(), Log: log.Named("scheduler")})
	if err != nil {
		live.stopWorkers()
		srv.Close()
		return nil, err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := sched.Run(wctx); err != nil {
			log.Error("the scheduler stopped", "error", err)
		}
	}()
	if c.PruneDaily {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pruneDaily(wctx, db.Store, c.Prune, log.Named("retention"))
		}()
	}

	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		live.stopWorkers()
		srv.Close()
		return nil, fmt.Errorf("listening on %s: %w", c.Listen, err)
	}
	live.addr = ln.Addr().String()
	live.hs = &http.Server{
		Handler:           pages.Handler(), // the pages, and the API under /api/v1
		ReadHeaderTimeout: 10 * time.Second,
		// Bodies up to 64 MiB (plans; their handler extends the deadline).
		ReadTimeout: 2 * time.Minute,
		// Log streams extend their own write deadlines.
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       log.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	live.hs.RegisterOnShutdown(srv.EndStreams)
	go func() { live.served <- live.hs.Serve(ln) }()
	log.Info("serving the API", "address", "http://"+live.addr, "workers", c.Workers)
	return live, nil
}

// shutdown stops the workers (running releases are recorded STOPPED), lets
// requests finish within the grace period, and closes the API.
func (l *liveServer) shutdown() error {
	defer l.close()
	l.stopWorkers()
	sctx, cancel := context.WithTimeout(context.Background(), l.grace)
	defer cancel()
	err := l.hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		l.log.Warn("requests still running after the grace period; closing them", "grace", l.grace)
		err = l.hs.Close()
	}
	if err != nil {
		return fmt.Errorf("shutting down the API: %w", err)
	}
	return nil
}

// cursorKey is --cursor-key, or the data directory's cursor.key (made on
// first use), so cursors survive restarts.
func (c *serverCmd) cursorKey(g *Globals) ([]byte, error) {
	if c.CursorKey != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.CursorKey))
		if err != nil || len(key) < 16 {
			return nil, errors.New("--cursor-key must be base64 of at least 16 bytes")
		}
		return key, nil
	}
	dir, err := g.ResolvedDataDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "cursor.key")
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) < 16 {
			return nil, fmt.Errorf("cursor key file %s is not base64 of at least 16 bytes", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the cursor key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return c.cursorKey(g) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("creating the cursor key: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing the cursor key %s: %w", path, err)
	}
	return key, nil
}
