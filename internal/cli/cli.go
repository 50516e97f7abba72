// Package cli is the shiplog command line: one kong command tree whose
// commands each live in their own file.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/alecthomas/kong"
	"github.com/hashicorp/go-hclog"
)

// Globals are flags every command sees.
type Globals struct {
	DatabaseURL string `name:"database-url" env:"SHIPLOG_DATABASE_URL" help:"PostgreSQL URL. Unset: shiplog runs its own cluster under --data-dir."`
	DataDir     string `name:"data-dir" env:"SHIPLOG_DATA_DIR" help:"Where shiplog keeps its embedded database and working copies (default: $XDG_DATA_HOME/shiplog, or /var/lib/shiplog as root)."`
	LogLevel    string `name:"log-level" env:"SHIPLOG_LOG_LEVEL" default:"info" enum:"trace,debug,info,warn,error" help:"Log level (${enum})."`

	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	log    hclog.Logger
}

// Context is the command's context, cancelled on SIGINT/SIGTERM.
func (g *Globals) Context() context.Context { return g.ctx }

// Stdout is where results go.
func (g *Globals) Stdout() io.Writer { return g.stdout }

// Stderr is where progress and errors go.
func (g *Globals) Stderr() io.Writer { return g.stderr }

// Logger is the command's logger, writing to stderr.
func (g *Globals) Logger() hclog.Logger { return g.log }

// ResolvedDataDir is --data-dir or its default.
func (g *Globals) ResolvedDataDir() (string, error) {
	if g.DataDir != "" {
		return filepath.Abs(g.DataDir)
	}
	return DefaultDataDir()
}

// DefaultDataDir is $XDG_DATA_HOME/shiplog (~/.local/share/shiplog); as root
// it is /var/lib/shiplog, since the embedded PostgreSQL runs as an
// unprivileged user who cannot reach into /root.
func DefaultDataDir() (string, error) {
	if os.Geteuid() == 0 {
		return "/var/lib/shiplog", nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "shiplog"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the default data directory: %w (set --data-dir)", err)
	}
	return filepath.Join(home, ".local", "share", "shiplog"), nil
}

// root is the whole command tree.
type root struct {
	Globals

	Version kong.VersionFlag `help:"Print the version and exit."`

	DB     dbCmd     `cmd:"" name:"db" help:"Manage shiplog's database."`
	Worker workerCmd `cmd:"" help:"Run releases from the queue until SIGTERM (running ones are stopped gracefully)."`
	Runner runnerCmd `cmd:"" help:"Run one release the Kubernetes controller claimed for a runner Job (the Job's pod command)."`
	Demo   demoCmd   `cmd:"" help:"Release the bundled example end to end (database, API, worker, terraform) and print its record."`
	Plan   planCmd   `cmd:"" help:"Read terraform plans without a server or database."`

	Server     serverCmd     `cmd:"" help:"Serve the HTTP API (and, with --workers, run releases) until SIGTERM."`
	Controller controllerCmd `cmd:"" help:"Turn Release custom resources of a Kubernetes cluster into releases and show their status there, until SIGTERM."`
	Token      tokenCmd      `cmd:"" help:"Manage API tokens (in the database directly)."`
	Release    releaseCmd    `cmd:"" help:"Create, follow and decide releases through the API."`
	Artifact   artifactCmd   `cmd:"" help:"Register and find artifacts through the API."`
	Env        envCmd        `cmd:"" name:"env" help:"Manage environments through the API."`
	Status     statusCmd     `cmd:"" help:"Show the server's readiness and each environment's latest release and resources."`
	Template   templateCmd   `cmd:"" help:"List and show release templates through the API."`
	Resource   resourceCmd   `cmd:"" help:"Report resource health through the API."`
	Policy     policyCmd     `cmd:"" help:"Manage the Rego policies that policy phases check plans against, through the API."`
	Webhook    webhookCmd    `cmd:"" help:"Manage signed webhook subscriptions to release events, and read their delivery logs, through the API; admin scope."`
	Schedule   scheduleCmd   `cmd:"" help:"Manage cron schedules that queue an environment's releases (a nightly full-plan records drift), through the API."`
	Role       roleCmd       `cmd:"" help:"Manage role bindings: which users, identity provider groups and tokens hold which role on which environments, through the API."`
	Session    sessionCmd    `cmd:"" help:"List and end people's browser sessions (signed in with the identity provider) through the API; admin role on every environment."`
	Audit      auditCmd      `cmd:"" help:"List the audit log (who did what, from where, how it ended) through the API; admin scope."`
}

// ExitError ends the command with a specific exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, version string, args []string, stdout, stderr io.Writer) (code int) {
	var r root
	// kong exits the process after --help and --version; turn that into a
	// return so Main stays callable from tests.
	type exit int
	defer func() {
		if p := recover(); p != nil {
			c, ok := p.(exit)
			if !ok {
				panic(p)
			}
			code = int(c)
		}
	}()
	parser, err := kong.New(&r,
		kong.Name("shiplog"),
		kong.Description("shiplog records every Terraform release: phases, logs, resource changes, artifacts and status."),
		kong.Vars{"version": Version(version)},
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { panic(exit(c)) }),
	)
	if err != nil {
		fmt.Fprintln(stderr, "shiplog:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "shiplog:", err)
		return 2
	}
	r.Globals.ctx = ctx
	r.Globals.stdout = stdout
	r.Globals.stderr = stderr
	r.Globals.log = hclog.New(&hclog.LoggerOptions{
		Name:   "shiplog",
		Level:  hclog.LevelFromString(r.LogLevel),
		Output: stderr,
	})
	err = kctx.Run(&r.Globals)
	if sel := kctx.Selected(); err != nil && sel != nil && sel.Target.CanAddr() {
		if h, ok := sel.Target.Addr().Interface().(interface{ explain(error) error }); ok {
			err = h.explain(err)
		}
	}
	if err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			if ee.Err != nil {
				fmt.Fprintln(stderr, "shiplog:", ee.Err)
			}
			return ee.Code
		}
		fmt.Fprintln(stderr, "shiplog:", err)
		return 1
	}
	return 0
}
