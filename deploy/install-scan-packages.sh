#!/bin/sh
# Installs, as root, the Debian packages that scan inbound mail: Rspamd
# (spam) and clamav-daemon (viruses), plus clamav-testfiles (harmless
# sample files that carry the EICAR test signature, used by the tests).
# Idempotent and fast when everything is present: it only checks and
# returns. Package installs do not start the servers; homehost starts
# them with configs of its own (deploy/rspamd, deploy/clamav). freshclam
# is not run: on a box without access to ClamAV's mirrors it cannot
# update the signatures.
set -eu

PACKAGES="rspamd clamav-daemon clamav-testfiles"

missing=""
for package in $PACKAGES; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing="$missing $package"
  fi
done

if [ -z "$missing" ]; then
  echo "scan packages are installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "installing$missing needs root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "installing$missing"
# Another install may hold the dpkg lock for a while; wait for it instead
# of failing.
APT="apt-get -o DPkg::Lock::Timeout=600 -y -q"
# The package lists may be empty or stale on a fresh machine: refresh them
# once and try again.
# shellcheck disable=SC2086 # $missing is a list of package names.
if ! $APT install --no-install-recommends $missing; then
  $APT update
  # shellcheck disable=SC2086
  $APT install --no-install-recommends $missing
fi
