// Command kube-apiserver is the upstream kube-apiserver v1.37.2, built from the Go module
// proxy for the Kubernetes tests (see scripts/k8s/build.sh).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
