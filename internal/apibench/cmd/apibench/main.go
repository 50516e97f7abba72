// Command apibench prints the API's benchmark figures; see package apibench.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apibench"
)

func main() {
	apibench.Main() // the load process ends here
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := apibench.Run(ctx, os.Stdout, apibench.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}
