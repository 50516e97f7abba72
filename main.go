// Command shiplog records Terraform releases. Launched by Terraform (plugin
// handshake or -debug) the same binary serves the shiplog provider; otherwise
// it is the shiplog command line.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
)

// version is set by goreleaser.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, version, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
