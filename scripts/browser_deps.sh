#!/usr/bin/env bash
# What the browser tests need, set up once and reused: Debian's Chromium (Playwright drives it; its own
# browser downloads are not used) and a pinned axe-core from npm, kept in the cache outside the checkout.
# Idempotent. Prints the path of axe.min.js on its last line (the tests read it from there, or IEP_AXE_JS).
set -euo pipefail

AXE_VERSION="${IEP_AXE_VERSION:-4.14.1}"  # the newest 4.x on npm when pinned (npm view axe-core version)
CHROMIUM="${IEP_CHROMIUM:-/usr/bin/chromium}"
CACHE="${IEP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iep-navigator}"
AXE_DIR="$CACHE/npm/axe-core-$AXE_VERSION"
AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"

if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Chromium with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends chromium >&2
  fi
fi

if [ ! -f "$AXE_JS" ]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch axe-core (apt-get install npm)" >&2; exit 1; }
  echo "Installing axe-core $AXE_VERSION into $AXE_DIR..." >&2
  mkdir -p "$AXE_DIR"
  npm install --prefix "$AXE_DIR" --no-audit --no-fund --no-save --loglevel=error "axe-core@$AXE_VERSION" >&2
  [ -f "$AXE_JS" ] || { echo "axe-core installed but $AXE_JS is missing" >&2; exit 1; }
fi

echo "$AXE_JS"
