// Package kube is shiplog's Kubernetes mode: the controller that turns
// Release custom resources into shiplog releases (through the use cases of
// internal/service, keyed by the resource's UID) and mirrors each release's
// status back to its resource as the store announces changes; and the
// ReleaseTemplate watch that serves cluster templates from a process's
// template catalog. PostgreSQL stays the source of truth and the queue:
// workers (or runner Jobs) run releases exactly as without Kubernetes.
package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/hashicorp/go-hclog"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// Annotations a Release is given to act on its release (each is acted on
// once and then removed; the value is the comment recorded).
const (
	AnnotationApprove = "shiplog.dev/approve"
	AnnotationReject  = "shiplog.dev/reject"
	AnnotationAbort   = "shiplog.dev/abort"
	// AnnotationReleaseID marks a Release made by the controller for a
	// release created through the API (or CLI, or pages): it shows that
	// release and creates nothing.
	AnnotationReleaseID = "shiplog.dev/release-id"
	// Finalizer aborts a Release's release, if it has not ended, when the
	// Release is deleted.
	Finalizer = "shiplog.dev/abort-on-delete"
	// LabelOrigin is "api" on a Release made for a release created
	// elsewhere than the cluster.
	LabelOrigin = "shiplog.dev/origin"
)

// CallerPrefix begins the name the controller acts under for a Release
// ("kubernetes:<namespace>/<name>"): the release's triggered_by and the
// approver a cluster approval records.
const CallerPrefix = "kubernetes:"

// Options configure a Controller.
type Options struct {
	// Namespaces are the namespaces watched for Releases and
	// ReleaseTemplates; empty means every namespace.
	Namespaces []string
	// PageURL is the base URL of shiplog's pages (https://shiplog.example);
	// a Release's status links its release page under it. Empty: no link.
	PageURL string
	// LeaderElection makes the controller hold a Lease (LeaderElectionID in
	// LeaderElectionNamespace) while it acts: one of several replicas acts.
	LeaderElection          bool
	LeaderElectionID        string // default "shiplog-controller"
	LeaderElectionNamespace string // required with LeaderElection outside a cluster
	// HealthAddr serves /healthz and /readyz ("" or "0": none).
	HealthAddr string
	// MetricsAddr serves controller-runtime's metrics ("" or "0": none).
	MetricsAddr string
	// Requeue is how long a Release that cannot be released yet (unknown
	// environment or template, missing secret) waits before it is tried
	// again; default 30s. Changes to the Release retry at once.
	Requeue time.Duration
	// Concurrency is how many Releases are reconciled at once (default 8);
	// one Release is never reconciled twice at once.
	Concurrency int
	// Runner is "job" to run releases of environments whose runner is
	// "job" as Kubernetes Jobs (jobs.go), shaped by Job; "" or "worker":
	// the controller runs nothing, workers do.
	Runner string
	Job    JobOptions
	Logger hclog.Logger
}

// Controller is the Kubernetes controller: Releases to releases, statuses
// back, ReleaseTemplates into the catalog.
type Controller struct {
	mgr  manager.Manager
	opts Options
}

// Scheme is a runtime.Scheme with Kubernetes' built-in types and shiplog's.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// Logr adapts an hclog.Logger for controller-runtime and client-go.
func Logr(log hclog.Logger) logr.Logger {
	return funcr.New(func(prefix, args string) {
		if prefix != "" {
			log.Info(prefix + ": " + args)
			return
		}
		log.Info(args)
	}, funcr.Options{})
}

// NewController sets up the controller against the API server cfg points
// at, creating releases through svc (whose catalog is cat) and reading
// them from st. Run starts it.
func NewController(cfg *rest.Config, st *store.Store, svc *service.Service, cat *template.Catalog, opts Options) (*Controller, error) {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Requeue <= 0 {
		opts.Requeue = 30 * time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.LeaderElectionID == "" {
		opts.LeaderElectionID = "shiplog-controller"
	}
	switch opts.Runner {
	case "", "worker":
	case "job":
		opts.Job.defaults()
		if err := opts.Job.validate(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("runner %q is not one of worker, job", opts.Runner)
	}
	mgr, err := newManager(cfg, opts, opts.LeaderElection)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	ev := newEventer(mgr)
	ann := newAnnouncements()
	rr := &releaseReconciler{
		client: mgr.GetClient(), reader: mgr.GetAPIReader(), store: st, svc: svc, catalog: cat,
		opts: opts, events: ev, index: newReleaseIndex(), log: log.Named("releases"),
	}
	err = ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Release{}).
		WatchesRawSource(source.Channel(ann.events, &handler.EnqueueRequestForObject{})).
		Named("release").
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.Concurrency}).
		Complete(rr)
	if err != nil {
		return nil, fmt.Errorf("setting up the Release controller: %w", err)
	}
	tr := &templateReconciler{client: mgr.GetClient(), catalog: cat, writeStatus: true, events: ev}
	if err := ctrl.NewControllerManagedBy(mgr).For(&v1alpha1.ReleaseTemplate{}).Named("releasetemplate").Complete(tr); err != nil {
		return nil, fmt.Errorf("setting up the ReleaseTemplate controller: %w", err)
	}
	// The store's announcements, only while this replica leads (a Runnable
	// needs leader election unless it says otherwise).
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		return ann.run(ctx, st, rr)
	})); err != nil {
		return nil, err
	}
	if opts.Runner == "job" {
		jr := &jobReconciler{client: mgr.GetClient(), reader: mgr.GetAPIReader(), store: st, index: rr.index, events: ev, log: log.Named("jobs")}
		if err := jr.setup(mgr); err != nil {
			return nil, fmt.Errorf("setting up the runner Job controller: %w", err)
		}
		runner := &jobRunner{client: mgr.GetClient(), store: st, opts: opts, index: rr.index, events: ev, log: log.Named("jobs")}
		if err := mgr.Add(manager.RunnableFunc(runner.run)); err != nil {
			return nil, err
		}
	}
	return &Controller{mgr: mgr, opts: opts}, nil
}

// newManager makes a controller-runtime manager over opts' namespaces.
func newManager(cfg *rest.Config, opts Options, leader bool) (manager.Manager, error) {
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	var cacheOpts cache.Options
	if len(opts.Namespaces) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range opts.Namespaces {
			cacheOpts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	addr := func(a string) string {
		if a == "" {
			return "0"
		}
		return a
	}
	skipNameValidation := true
	mgr, err := ctrl.NewManager(cfg, manager.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Logger:                        Logr(opts.Logger.Named("k8s")),
		LeaderElection:                leader,
		LeaderElectionID:              opts.LeaderElectionID,
		LeaderElectionNamespace:       opts.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		HealthProbeBindAddress:        addr(opts.HealthAddr),
		Metrics:                       metricsserver.Options{BindAddress: addr(opts.MetricsAddr)},
		// Several managers may share a process (tests, a server watching
		// templates); their controllers' metrics share names then.
		Controller: config.Controller{SkipNameValidation: &skipNameValidation},
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to the Kubernetes API server: %w", err)
	}
	if opts.HealthAddr != "" && opts.HealthAddr != "0" {
		if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
			return nil, err
		}
		if err := mgr.AddReadyzCheck("readyz", func(req *http.Request) error {
			if !mgr.GetCache().WaitForCacheSync(req.Context()) {
				return errors.New("the watch caches have not synced")
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

// Run runs the controller until ctx ends (then gives up its lease).
func (c *Controller) Run(ctx context.Context) error {
	return c.mgr.Start(ctx)
}

// Elected is closed once this replica leads (at once without leader
// election).
func (c *Controller) Elected() <-chan struct{} { return c.mgr.Elected() }

// WatchTemplates keeps cat's cluster templates equal to the ReleaseTemplates
// of namespaces (empty: all) until ctx ends: what `shiplog server
// --kubernetes` runs so that releases created through its API may name
// cluster templates as namespace/name. It writes nothing to the cluster.
func WatchTemplates(ctx context.Context, cfg *rest.Config, cat *template.Catalog, namespaces []string, log hclog.Logger) error {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	mgr, err := newManager(cfg, Options{Namespaces: namespaces, Logger: log}, false)
	if err != nil {
		return err
	}
	tr := &templateReconciler{client: mgr.GetClient(), catalog: cat}
	if err := ctrl.NewControllerManagedBy(mgr).For(&v1alpha1.ReleaseTemplate{}).Named("releasetemplate-watch").Complete(tr); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// watched reports whether ns is one of the watched namespaces.
func (o Options) watched(ns string) bool {
	return len(o.Namespaces) == 0 || slices.Contains(o.Namespaces, ns)
}

// callerFor is who the controller acts as for the Release ns/name: it may
// create, approve, reject and abort (the cluster's RBAC on Releases decides
// who may ask it to).
func callerFor(ns, name string) service.Caller {
	return service.Caller{Name: CallerPrefix + ns + "/" + name, Scopes: []string{"write", "approve"}}
}

// genericEvent asks for the Release ns/name to be reconciled.
func genericEvent(ns, name string) event.GenericEvent {
	return event.GenericEvent{Object: &v1alpha1.Release{ObjectMeta: objectMeta(ns, name)}}
}

// isCluster reports whether a release was created for a Release (rather
// than through the API, CLI or pages).
func isCluster(triggeredBy string) bool { return strings.HasPrefix(triggeredBy, CallerPrefix) }
