# Sourced by ./homehost and ./check: finds or installs uv, the one tool a
# fresh machine needs before anything else (uv then brings Python's packages).
HOMEHOST_TOOLS="${HOMEHOST_TOOLS:-$(pwd)/.tools}"

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then
    UV=$(command -v uv)
    return
  fi
  if [ -x "$HOMEHOST_TOOLS/bin/uv" ]; then
    UV="$HOMEHOST_TOOLS/bin/uv"
    return
  fi
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
    else
      echo "homehost needs python3 with venv (Debian: apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  echo "installing uv into $HOMEHOST_TOOLS" >&2
  python3 -m venv "$HOMEHOST_TOOLS"
  "$HOMEHOST_TOOLS/bin/pip" install --quiet --disable-pip-version-check uv
  UV="$HOMEHOST_TOOLS/bin/uv"
}
