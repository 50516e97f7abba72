package cli

import (
	"fmt"

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
}

// Run runs the controller until SIGINT or SIGTERM: Release custom
// resources become shiplog releases and show their status; the release's
// work is done by workers (shiplog worker, or server --workers) as always.
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
	ctl, err := kube.NewController(cfg, db.Store, svc, cat, kube.Options{
		Namespaces: c.Kube.Namespaces, PageURL: c.PageURL,
		LeaderElection: c.LeaderElect, LeaderElectionNamespace: c.LeaderElectionNamespace,
		HealthAddr: c.HealthListen, MetricsAddr: c.MetricsListen, Logger: log,
	})
	if err != nil {
		return err
	}
	log.Info("controller starting", "namespaces", c.Kube.Namespaces, "leader-elect", c.LeaderElect)
	return ctl.Run(ctx)
}
