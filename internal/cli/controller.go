package cli

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// kubeFlags say which cluster to use and which namespaces to watch.
type kubeFlags struct {
	Kubeconfig string   `name:"kubeconfig" env:"KUBECONFIG" help:"kubeconfig file (default: in-cluster, then ~/.kube/config)."`
	Namespaces []string `name:"namespace" help:"Namespace to watch for Releases and ReleaseTemplates (repeat; default: every namespace)."`
}

// restConfig is the cluster's connection.
func (k kubeFlags) restConfig() (*rest.Config, error) {
	if k.Kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", k.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("reading --kubeconfig %s: %w", k.Kubeconfig, err)
		}
		return cfg, nil
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("finding the Kubernetes API server (in-cluster, or ~/.kube/config; or give --kubeconfig): %w", err)
	}
	return cfg, nil
}

type controllerCmd struct {
	Kube      kubeFlags `embed:""`
	Templates string    `name:"templates-dir" type:"existingdir" env:"SHIPLOG_TEMPLATES_DIR" help:"Directory of ReleaseTemplate YAML files, besides the built-in and cluster templates."`
	PageURL   string    `name:"page-url" env:"SHIPLOG_PAGE_URL" help:"Base URL of shiplog's pages; a Release's status links its release's page under it."`

	LeaderElect             bool   `name:"leader-elect" default:"true" negatable:"" help:"Hold a Lease while acting, so that one of several replicas acts."`
	LeaderElectionNamespace string `name:"leader-election-namespace" env:"POD_NAMESPACE" help:"Namespace of the Lease (default: the pod's namespace)."`
	HealthListen            string `name:"health-listen" default:":8081" help:"Address serving /healthz and /readyz (\"0\": none)."`
	MetricsListen           string `name:"metrics-listen" default:"0" help:"Address serving controller metrics (\"0\": none)."`

	Runner               string        `name:"runner" enum:"worker,job" default:"worker" env:"SHIPLOG_RUNNER" help:"worker: releases are run by workers (shiplog worker), the controller runs none. job: releases of environments whose runner is job (env create --runner job) run as one Kubernetes Job each in the environment's namespace."`
	RunnerImage          string        `name:"runner-image" env:"SHIPLOG_RUNNER_IMAGE" help:"With --runner=job: the image of the runner Jobs' pods (shiplog with terraform on its PATH)."`
	RunnerSecret         string        `name:"runner-secret" env:"SHIPLOG_RUNNER_SECRET" help:"With --runner=job: the Secret, in each job-runner namespace, with keys database-url and secret-key that the runner pods read."`
	RunnerServiceAccount string        `name:"runner-service-account" env:"SHIPLOG_RUNNER_SERVICE_ACCOUNT" help:"With --runner=job: the runner pods' service account (its token is not mounted)."`
	RunnerCPU            string        `name:"runner-cpu" help:"With --runner=job: CPU the runner container requests and is limited to (e.g. 500m; default: none set)."`
	RunnerMemory         string        `name:"runner-memory" help:"With --runner=job: memory the runner container requests and is limited to (e.g. 1Gi; default: none set)."`
	RunnerTTL            time.Duration `name:"runner-ttl" default:"1h" help:"With --runner=job: how long a finished runner Job is kept (ttlSecondsAfterFinished)."`
	RunnerArgs           []string      `name:"runner-arg" help:"With --runner=job: an extra argument of the pods' 'shiplog runner' (repeat; e.g. --runner-arg=--grace=1m)."`
	PhaseTimeout         time.Duration `name:"phase-timeout" default:"1h" help:"With --runner=job: a phase's timeout when neither template nor environment sets one (counted into a Job's activeDeadlineSeconds)."`
	ReleaseTimeout       time.Duration `name:"release-timeout" default:"6h" help:"With --runner=job: the longest a runner Job may run a release (its activeDeadlineSeconds, plus 10m to start)."`
	MaxRunning           int           `name:"max-running" env:"SHIPLOG_MAX_RUNNING" help:"With --runner=job: most releases IN_PROGRESS at once across the installation (give workers the same value); 0: no limit."`
}

// jobOptions are the runner Jobs' settings from the flags.
func (c *controllerCmd) jobOptions() (kube.JobOptions, error) {
	o := kube.JobOptions{Image: c.RunnerImage, Secret: c.RunnerSecret, ServiceAccount: c.RunnerServiceAccount,
		TTL: c.RunnerTTL, PhaseTimeout: c.PhaseTimeout, ReleaseTimeout: c.ReleaseTimeout, MaxRunning: c.MaxRunning, Args: c.RunnerArgs}
	for flag, v := range map[string]struct {
		value string
		name  corev1.ResourceName
	}{"--runner-cpu": {c.RunnerCPU, corev1.ResourceCPU}, "--runner-memory": {c.RunnerMemory, corev1.ResourceMemory}} {
		if v.value == "" {
			continue
		}
		q, err := resource.ParseQuantity(v.value)
		if err != nil {
			return o, fmt.Errorf("%s %q is not a Kubernetes quantity (e.g. 500m, 1Gi): %w", flag, v.value, err)
		}
		if o.Resources.Requests == nil {
			o.Resources.Requests, o.Resources.Limits = corev1.ResourceList{}, corev1.ResourceList{}
		}
		o.Resources.Requests[v.name], o.Resources.Limits[v.name] = q, q
	}
	return o, nil
}

// Run runs the controller until SIGINT or SIGTERM: Release custom
// resources become shiplog releases and show their status; the release's
// work is done by workers (shiplog worker, or server --workers), or with
// --runner=job by a Kubernetes Job per release of a job-runner environment.
func (c *controllerCmd) Run(g *Globals) error {
	ctx := g.Context()
	log := g.Logger().Named("controller")
	ctrllog.SetLogger(kube.Logr(log.Named("k8s")))
	cfg, err := c.Kube.restConfig()
	if err != nil {
		return err
	}
	db, err := g.openDatabase(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	cat, err := template.Load(c.Templates)
	if err != nil {
		return err
	}
	svc, err := service.New(db.Store, cat, log)
	if err != nil {
		return err
	}
	jobs, err := c.jobOptions()
	if err != nil {
		return err
	}
	ctl, err := kube.NewController(cfg, db.Store, svc, cat, kube.Options{
		Namespaces: c.Kube.Namespaces, PageURL: c.PageURL, Runner: c.Runner, Job: jobs,
		LeaderElection: c.LeaderElect, LeaderElectionNamespace: c.LeaderElectionNamespace,
		HealthAddr: c.HealthListen, MetricsAddr: c.MetricsListen, Logger: log,
	})
	if err != nil {
		return err
	}
	log.Info("controller starting", "namespaces", c.Kube.Namespaces, "leader-elect", c.LeaderElect, "runner", c.Runner)
	return ctl.Run(ctx)
}
