#!/usr/bin/env bash
# Checks (and where it can, installs) what the tests need: the terraform
# binary, the PostgreSQL server binaries, Chromium (the browser tests) and jq
# (the command line guide's script).
# Prints the PATH to use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.bin"
export PATH="$bin:$PATH"

if ! command -v terraform >/dev/null 2>&1; then
  echo "prereqs: terraform not found; building v1.5.7 (the last MPL release) from the Go module proxy into .bin (about 4 minutes)" >&2
  GOBIN="$bin" go install github.com/hashicorp/terraform@v1.5.7 >&2
fi

have_pg() {
  command -v initdb >/dev/null 2>&1 && return 0
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
  return 1
}
if ! have_pg; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "prereqs: PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  else
    echo "prereqs: the PostgreSQL server binaries (initdb, pg_ctl, postgres) are missing." >&2
    echo "  Install the server package (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql)." >&2
    exit 1
  fi
fi
# The browser tests drive Debian's chromium (SHIPLOG_CHROMIUM names another).
chromium=${SHIPLOG_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "prereqs: $chromium not found; installing Debian's chromium package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
  else
    echo "prereqs: the browser tests need Chromium at $chromium, which is missing." >&2
    echo "  Install it (Debian/Ubuntu: sudo apt-get install chromium) or set SHIPLOG_CHROMIUM to a Chromium binary." >&2
    exit 1
  fi
fi
# The command line guide's pipeline script runs with jq (internal/cli/guide_test.go).
if ! command -v jq >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "prereqs: jq not found; installing Debian's jq package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq) >&2
  else
    echo "prereqs: the command line guide's test needs jq, which is missing." >&2
    echo "  Install it (Debian/Ubuntu: sudo apt-get install jq; macOS: brew install jq)." >&2
    exit 1
  fi
fi
echo "$PATH"
