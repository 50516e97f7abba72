#!/usr/bin/env bash
# build.sh builds the real kube-apiserver v1.37.2 and etcd v3.7.0 that the Kubernetes tests
# (internal/kube/...) run against, from the Go module proxy, into .bin/k8s/ at the repository
# root (gitignored), and controller-gen (controller-tools, pinned in go.mod here) that
# `make generate` and the CRD drift test run. It does nothing when the binaries already report
# the expected versions.
# A cold build takes ~10 minutes of two cores and ~2.7 GB of build cache; a relink with a
# warm cache ~15 s. Tests find the binaries at .bin/k8s (or $KUBEBUILDER_ASSETS).
#
# Usage: scripts/k8s/build.sh            (prints the directory holding the binaries)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/.bin/k8s"
kube_version=v1.37.2
etcd_version=3.7.0
controller_tools_version=v0.23.0

# have reports whether the binaries are there with the expected versions. Each --version is
# read whole before it is matched: `cmd | grep -q` under pipefail fails at random when grep
# exits before cmd has written everything (SIGPIPE).
have() {
	local k e c
	[ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ] && [ -x "$out/controller-gen" ] || return 1
	k=$("$out/kube-apiserver" --version 2>/dev/null) || return 1
	e=$("$out/etcd" --version 2>/dev/null) || return 1
	c=$("$out/controller-gen" --version 2>/dev/null) || return 1
	grep -qx "Kubernetes $kube_version" <<<"$k" &&
		grep -qx "etcd Version: $etcd_version" <<<"$e" &&
		grep -qx "Version: $controller_tools_version" <<<"$c"
}

if have; then
	echo "$out"
	exit 0
fi

mkdir -p "$out"
v=k8s.io/component-base/version
ldflags="-s -w -X $v.gitVersion=$kube_version -X $v.gitMajor=1 -X $v.gitMinor=37 -X $v.gitTreeState=clean -X $v.buildDate=2026-01-01T00:00:00Z"
cd "$here"
echo "building kube-apiserver $kube_version, etcd $etcd_version and controller-gen into $out (cold: ~10 min)" >&2
nice go build -ldflags "$ldflags" -o "$out/kube-apiserver" ./cmd/kube-apiserver
nice go build -ldflags "-s -w" -o "$out/etcd" ./cmd/etcd
nice go build -o "$out/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen
if ! have; then
	echo "built binaries do not report kube-apiserver $kube_version / etcd $etcd_version:" >&2
	"$out/kube-apiserver" --version >&2 || true
	"$out/etcd" --version >&2 || true
	exit 1
fi
echo "$out"
