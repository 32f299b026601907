#!/bin/sh
# Installs, as root, the Debian packages the mail accounts need: Dovecot
# with its SQL driver for MariaDB, and Postfix with its MariaDB lookup
# tables. Idempotent: when every package is already installed it only
# checks and returns. Postfix is preseeded to "No configuration" so the
# install neither asks questions nor writes a configuration of its own;
# homehost renders its own from deploy/postfix/. Package installs do not
# start the servers. Also creates the `vmail` user (uid and gid 5000) that
# owns every maildir.
set -eu

VMAIL_ID=5000

ensure_vmail_user() {
  if ! getent group vmail >/dev/null; then
    groupadd --gid "$VMAIL_ID" vmail
  fi
  if ! getent passwd vmail >/dev/null; then
    useradd --uid "$VMAIL_ID" --gid vmail --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin vmail
  fi
}

PACKAGES="dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-mysql postfix postfix-mysql"

missing=""
for package in $PACKAGES; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing="$missing $package"
  fi
done

if [ -z "$missing" ] && getent passwd vmail >/dev/null; then
  echo "mail packages are installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "installing$missing and the vmail user needs root" >&2
  exit 1
fi
ensure_vmail_user
if [ -z "$missing" ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections

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
