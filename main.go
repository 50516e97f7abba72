// Command shiplog records Terraform releases. Launched by Terraform (plugin
// handshake or -debug) the same binary serves the shiplog provider; otherwise
// it is the shiplog command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	// schedules and maintenance windows name IANA time zones: resolve them
	// on machines without a zoneinfo database too
	_ "time/tzdata"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/provider"
)

// version is set by goreleaser (-X main.version=...); cli.Version fills in
// the module or VCS version of other builds.
var version = "dev"

func main() {
	if serve, debug := provider.Launched(os.Args[1:]); serve {
		if err := provider.Serve(context.Background(), cli.Version(version), debug); err != nil {
			fmt.Fprintln(os.Stderr, "shiplog: serving the Terraform provider:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, version, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
