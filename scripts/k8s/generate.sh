#!/usr/bin/env bash
# generate.sh writes what controller-gen derives from the Go types of shiplog's custom
# resources (internal/kube/v1alpha1, whose ReleaseTemplate spec is internal/template's Spec):
# the DeepCopy methods (zz_generated.deepcopy.go) and the CRD manifests in
# templates/releases/crd/. `make generate` runs it; TestCRDsAreGenerated fails when the
# checked-in manifests differ from what it would write.
#
# Usage: scripts/k8s/generate.sh [CRD output dir]   (default templates/releases/crd)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$("$root/scripts/k8s/build.sh")"
out="${1:-$root/templates/releases/crd}"
cd "$root"
"$bin/controller-gen" object paths=./internal/template paths=./internal/kube/v1alpha1
"$bin/controller-gen" crd:maxDescLen=400 paths=./internal/kube/v1alpha1 output:crd:dir="$out"
cp "$out"/shiplog.dev_*.yaml "$root/examples/kubernetes/chart/crds/"   # the chart installs the same CRDs
