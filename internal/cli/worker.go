package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/policy"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// workerFlags are the settings of a worker, shared by `worker` and `server`.
type workerFlags struct {
	Terraform      string            `name:"terraform" env:"SHIPLOG_TERRAFORM" help:"terraform binary (default: found on PATH)."`
	TerraformUser  string            `name:"terraform-user" env:"SHIPLOG_TERRAFORM_USER" help:"When shiplog runs as root: one existing unprivileged user that every environment's terraform and configuration code run as. Weaker than the default, an id per environment: environments sharing a user can read each other's running terraform (its state credential) and files."`
	TerraformUID   uint32            `name:"terraform-uid-base" env:"SHIPLOG_TERRAFORM_UID_BASE" help:"When shiplog runs as root and --terraform-user is unset: each environment's terraform and configuration code run as uid and gid BASE + environment id (no passwd entry needed, environment ids below 262144), so no environment can read another's processes or working copy. Unset, BASE is derived from the data directory: one of 4096 ranges in [2^30, 2^31), so two installations on one machine use different ids (a worker refuses to start while another installation's processes hold its range). At least 65536."`
	Lease          time.Duration     `default:"30s" help:"How long a claim lasts without a heartbeat; a dead worker's release is STOPPED after it."`
	PhaseTimeout   time.Duration     `default:"1h" help:"Timeout of a phase when neither template nor environment sets one."`
	ReleaseTimeout time.Duration     `default:"6h" help:"Timeout of a whole release."`
	Grace          time.Duration     `default:"30s" help:"How long terraform has to stop after SIGINT before it is killed."`
	TFEnv          map[string]string `name:"tf-env" help:"Extra environment for terraform (KEY=VALUE;...); nothing else of shiplog's environment is passed on."`
	StateMaxMiB    int64             `name:"state-max-mib" env:"SHIPLOG_STATE_MAX_MIB" default:"256" help:"Largest Terraform state (MiB) an environment may write to shiplog's state backend; a larger one is refused (413, said in the release log)."`
	TFCLIConfig    string            `name:"tf-cli-config" env:"SHIPLOG_TF_CLI_CONFIG_FILE" help:"CLI configuration file given to terraform (TF_CLI_CONFIG_FILE)."`
	MaxRunning     int               `name:"max-running" env:"SHIPLOG_MAX_RUNNING" help:"Most releases IN_PROGRESS at once across every worker of the installation (counted in the database; give every worker the same value); 0: no limit."`
	PolicyTimeout  time.Duration     `name:"policy-timeout" env:"SHIPLOG_POLICY_TIMEOUT" default:"10s" help:"Longest one policy's evaluation may run in a policy phase; past it the phase fails saying so."`
	PolicyMemMiB   uint64            `name:"policy-memory-mib" env:"SHIPLOG_POLICY_MEMORY_MIB" default:"1024" help:"Most heap (MiB) one policy's evaluation may grow the worker by; past it the phase fails saying so."`
}

func (f workerFlags) config(g *Globals, db *database) (worker.Config, error) {
	dataDir, err := g.ResolvedDataDir()
	if err != nil {
		return worker.Config{}, err
	}
	for k := range f.TFEnv {
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "SHIPLOG_") {
			return worker.Config{}, fmt.Errorf("--tf-env %s: database and shiplog settings are never passed to terraform", k)
		}
	}
	return worker.Config{
		Store: db.Store, DatabaseURL: db.URL, Logger: g.Logger(), WorkDir: filepath.Join(dataDir, "work"),
		TerraformPath: f.Terraform, TerraformUser: f.TerraformUser, TerraformUIDBase: f.TerraformUID, Lease: f.Lease, PhaseTimeout: f.PhaseTimeout,
		ReleaseTimeout: f.ReleaseTimeout, Grace: f.Grace, Env: f.TFEnv, CLIConfigFile: f.TFCLIConfig, StateMaxBytes: f.StateMaxMiB << 20,
		Policy: policy.Limits{Time: f.PolicyTimeout, Memory: f.PolicyMemMiB << 20}, MaxRunning: f.MaxRunning,
	}, nil
}

// newWorker makes a worker of these flags on db, tune setting what its
// command decides (concurrency, the lease name it runs under).
func (f workerFlags) newWorker(ctx context.Context, g *Globals, db *database, tune func(*worker.Config)) (*worker.Worker, error) {
	cfg, err := f.config(g, db)
	if err != nil {
		return nil, err
	}
	tune(&cfg)
	return worker.New(ctx, cfg)
}

type workerCmd struct {
	Concurrency int `default:"1" help:"Releases (of different environments) run at once."`
	workerFlags
	WebhookAllowPrivate bool `name:"webhook-allow-private" env:"SHIPLOG_WEBHOOK_ALLOW_PRIVATE" help:"Let webhook deliveries reach loopback, link-local and private addresses (refused by default)."`
}

func (c *workerCmd) Run(g *Globals) error {
	db, err := g.openDatabase(g.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := c.newWorker(g.Context(), g, db, func(cfg *worker.Config) { cfg.Concurrency = c.Concurrency })
	if err != nil {
		return err
	}
	// webhook deliveries go out from every worker too
	d := &webhook.Dispatcher{Store: db.Store, Log: g.Logger().Named("webhooks"), AllowPrivate: c.WebhookAllowPrivate}
	go d.Run(g.Context())
	return w.Run(g.Context())
}
