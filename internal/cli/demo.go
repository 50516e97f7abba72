package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/blueprint"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// demoCmd is the main job in one command: a real release of a bundled
// example through the whole of shiplog — embedded database, API server,
// worker, terraform — followed live, then printed.
type demoCmd struct {
	Example     string `default:"examples/quickstart" help:"Terraform configuration to release."`
	Environment string `default:"quickstart" help:"Environment to register it as."`
	Listen      string `default:"127.0.0.1:8080" help:"Address for the API server (a free port is taken if this one is busy)."`
	Serve       string `enum:"auto,yes,no" default:"auto" help:"Keep serving the API after the release until Ctrl-C (auto: when standard output is a terminal)."`

	Worker workerFlags `embed:"" prefix:"worker-" group:"Worker"`
}

func (c *demoCmd) Run(g *Globals) error {
	ctx := g.Context()
	out := g.Stdout()
	dir, err := filepath.Abs(c.Example)
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "main.tf"))
	}
	if err != nil {
		return fmt.Errorf("example configuration %s: %w (run from the repository root, or pass --example DIR)", c.Example, err)
	}
	db, err := g.openDatabase(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	where := "database at --database-url"
	if db.cluster != nil {
		where = "embedded PostgreSQL in " + filepath.Dir(db.cluster.SocketDir())
	}
	fmt.Fprintf(out, "shiplog demo: %s\n", where)
	// The server's and worker's log lines go to a file, not into the report.
	logPath, closeLog, err := g.logToFile("demo.log")
	if err != nil {
		return err
	}
	defer closeLog()
	fmt.Fprintf(out, "server and worker log: %s\n", logPath)

	srvCmd := serverCmd{Listen: c.Listen, Workers: 1, KeepAlive: 15 * time.Second, MaxStream: 30 * time.Minute, Grace: 30 * time.Second, Worker: c.Worker}
	live, err := srvCmd.start(g, db)
	if err != nil && c.Listen == "127.0.0.1:8080" {
		srvCmd.Listen = "127.0.0.1:0"
		live, err = srvCmd.start(g, db)
	}
	if err != nil {
		return err
	}
	defer live.shutdown()
	endpoint := "http://" + live.addr

	stamp := time.Now().UTC().Format("20060102-150405")
	demoSecret, _, err := api.IssueToken(ctx, db.Store, "demo-"+stamp, []string{"admin"})
	if err != nil {
		return err
	}
	// the demo's own admin token lives only as long as the demo
	defer db.RevokeToken(context.WithoutCancel(ctx), "demo-"+stamp)
	readSecret, _, err := api.IssueToken(ctx, db.Store, "explore-"+stamp, []string{"read"})
	if err != nil {
		return err
	}
	cl, err := client.New(client.Config{Endpoint: endpoint, Token: demoSecret, UserAgent: "shiplog-demo"})
	if err != nil {
		return err
	}
	s := &apiSession{c: cl, out: out}

	// The example is pushed as an upload (as `shiplog env push` does): a
	// root worker reads a dir source only as the environment's own uid,
	// which a checkout under a private home directory would not let in.
	envReq := apiwire.EnvironmentRequest{Name: c.Environment, Source: release.Source{Kind: release.SourceUpload}, DefaultTemplate: "terraform-apply"}
	if _, err := cl.GetEnvironment(ctx, c.Environment); client.IsNotFound(err) {
		if _, err := cl.CreateEnvironment(ctx, envReq); err != nil {
			return err
		}
		fmt.Fprintf(out, "registered environment %s (configuration uploaded from %s)\n", c.Environment, dir)
	} else if err != nil {
		return err
	} else if _, err := cl.UpdateEnvironment(ctx, envReq); err != nil {
		return err
	}
	archive, _, err := blueprint.Pack(dir)
	if err != nil {
		return fmt.Errorf("packing the example %s: %w", dir, err)
	}
	if _, err := cl.PushConfiguration(ctx, c.Environment, bytes.NewReader(archive)); err != nil {
		return fmt.Errorf("uploading the example %s: %w", dir, err)
	}
	// Each run deploys the next build of the example's web app.
	n := 1
	if page, err := cl.ListReleases(ctx, client.ReleaseFilter{Environment: c.Environment, Limit: 1}); err == nil && len(page.Releases) > 0 {
		n = int(page.Releases[0].ID) + 1
	}
	r, err := cl.CreateRelease(ctx, apiwire.CreateReleaseRequest{Environment: c.Environment, Template: "terraform-apply",
		Artifacts: []apiwire.ArtifactRef{{URI: fmt.Sprintf("registry.example.com/shop/web:1.%d.0", n), BuildID: fmt.Sprintf("demo-build-%d", n),
			AppName: "web", StackName: "shop", RegistrationMetadata: map[string]any{"commit": fmt.Sprintf("%08x", uint32(n)*2654435761)}}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "release %d queued (template terraform-apply); following its log:\n\n", r.ID)

	_, _, err = followLogs(ctx, cl, g, r.ID, 0, false, newRetrier(g.Stderr(), cl.Endpoint(), 0), func(e release.LogEntry) error {
		_, err := fmt.Fprintf(out, "  %-7s | %s\n", e.Phase, e.Text)
		return err
	})
	if err != nil {
		return fmt.Errorf("following release %d: %w", r.ID, err)
	}
	if r, err = cl.GetRelease(ctx, r.ID); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := s.showRelease(r); err != nil {
		return err
	}
	changes, err := cl.AllChanges(ctx, r.ID, client.ChangeFilter{}, 1000)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	tw := s.table(fieldChangeHeader...)
	for _, ch := range changes {
		writeFieldChanges(tw, ch.Change)
	}
	tw.Flush()

	fmt.Fprintf(out, "\nOpen it in a browser (signs in with a read-only token, shown once):\n  %s/login#token=%s\n  then release #%d: %s/releases/%d\n", endpoint, readSecret, r.ID, endpoint, r.ID)
	fmt.Fprintf(out, "Or explore the API at %s/api/v1:\n  export SHIPLOG_ENDPOINT=%s SHIPLOG_TOKEN=%s\n", endpoint, endpoint, readSecret)
	fmt.Fprintf(out, "  shiplog release show %d; shiplog release changes %d; shiplog release logs %d; shiplog status --env %s\n", r.ID, r.ID, r.ID, c.Environment)
	serve := c.Serve == "yes" || (c.Serve == "auto" && isTerminal(out))
	if serve {
		fmt.Fprintln(out, "Serving until Ctrl-C.")
		<-ctx.Done()
	} else {
		fmt.Fprintln(out, "(The server stops with this command; `shiplog server --workers 1` serves the same database again, and the token stays valid.)")
	}
	if r.Status != release.StatusSucceeded {
		code, ok := ExitCode(r.Status)
		if !ok || code <= 0 {
			code = 1 // not finished, or a status this shiplog does not know: never 0
		}
		return &ExitError{Code: code, Err: errors.New("release " + fmt.Sprint(r.ID) + " ended " + string(r.Status))}
	}
	return nil
}
