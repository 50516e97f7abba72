package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// Launched reports whether the process should serve the provider rather than
// run the command line: Terraform starts providers with no arguments and
// TF_PLUGIN_MAGIC_COOKIE in the environment; a person debugging the provider
// runs `shiplog -debug`. debug says which.
func Launched(args []string) (serve, debug bool) {
	if len(args) == 1 {
		switch args[0] {
		case "-debug", "--debug", "-debug=true", "--debug=true":
			return true, true
		}
	}
	if len(args) == 0 && os.Getenv("TF_PLUGIN_MAGIC_COOKIE") != "" {
		return true, false
	}
	return false, false
}

// Serve serves the provider over the plugin protocol (version 6) until
// Terraform is done with it. With debug it prints a TF_REATTACH_PROVIDERS
// value to give Terraform and serves until interrupted.
func Serve(ctx context.Context, version string, debug bool) error {
	return providerserver.Serve(ctx, New(version), providerserver.ServeOpts{
		Address:         Address,
		Debug:           debug,
		ProtocolVersion: 6,
	})
}
