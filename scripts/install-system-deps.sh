#!/usr/bin/env bash
# FlexMarket system packages: installs the Debian packages the test suite needs (a PostgreSQL
# server the tests start by hand on a loopback port, and Chromium for the browser tests, which
# Playwright drives at /usr/bin/chromium: never a downloaded browser). Does nothing when they
# are present.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -u
purpose=${1:-test}
packages=()

have_postgres() {
  command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
}

if [ "$purpose" = test ]; then
  have_postgres || packages+=(postgresql)
  [ -x /usr/bin/chromium ] || packages+=(chromium)
fi

[ ${#packages[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "FlexMarket's tests need Debian packages that are missing: ${packages[*]}" >&2
  echo "Run as root, then try again:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${packages[*]} ..."
sh -c "$cmd" >/dev/null || { echo "apt-get failed; run: $cmd" >&2; exit 1; }
