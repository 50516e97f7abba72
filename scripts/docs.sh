#!/usr/bin/env bash
# Generates the provider's documentation with tfplugindocs, offline.
#
#   scripts/docs.sh generate   rewrite docs/
#   scripts/docs.sh check      regenerate into a temporary copy and fail if docs/ differs
#
# tfplugindocs builds the shiplog binary and asks the local terraform (on PATH,
# never downloaded) for the provider's schema; it then renders templates/*.md.tmpl
# and examples/ into docs/. templates/ also holds the worker's release templates
# (templates/releases), which tfplugindocs would copy into docs/ as they are, so it
# is given a copy of templates/ without them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-generate}
GO=${GO:-go}

# tfplugindocs, pinned: installed once into .bin/ (the only step that needs the
# Go module proxy), then run from there.
version=v0.25.0
if [ -z "${TFPLUGINDOCS:-}" ]; then
  TFPLUGINDOCS="$root/.bin/tfplugindocs-$version"
  if [ ! -x "$TFPLUGINDOCS" ]; then
    gobin=$(mktemp -d)
    GOBIN="$gobin" "$GO" install "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@$version"
    mkdir -p "$root/.bin"
    mv "$gobin/tfplugindocs" "$TFPLUGINDOCS"
    rm -rf "$gobin"
  fi
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "docs: terraform is not on PATH; tfplugindocs would try to download it. Install terraform (or run scripts/prereqs.sh)." >&2
  exit 1
fi

# A directory inside the repository (Go ignores names starting with a dot),
# since tfplugindocs takes its directories relative to the provider's.
work=$(mktemp -d "$root/.tfplugindocs.XXXXXX")
trap 'rm -rf "$work"' EXIT
rel=$(basename "$work")
mkdir "$work/templates"
cp -R templates/. "$work/templates/"
rm -rf "$work/templates/releases"

out=docs
if [ "$mode" = check ]; then
  out=$rel/docs
  [ -d docs ] && cp -R docs "$work/docs"
fi

export CHECKPOINT_DISABLE=1
$TFPLUGINDOCS generate \
  --provider-name shiplog \
  --rendered-provider-name shiplog \
  --website-source-dir "$rel/templates" \
  --rendered-website-dir "$out" \
  --examples-dir examples >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }

case "$mode" in
generate)
  echo "docs: generated docs/"
  ;;
check)
  if ! diff -ru docs "$work/docs"; then
    echo "docs: docs/ is stale; run 'make generate' and commit the result." >&2
    exit 1
  fi
  echo "docs: docs/ is up to date"
  ;;
*)
  echo "usage: $0 generate|check" >&2
  exit 2
  ;;
esac
