#!/usr/bin/env bash
# Installs a real VS Code (the web workbench + remote extension host shipped in
# the npm package code-server) for the integration tests, without any download
# that isn't from the npm registry or Debian's apt.
#
# Why code-server: @vscode/test-electron downloads VS Code at test time, which
# fails offline. code-server 4.100.3 embeds VS Code 1.100.3 and is the last one
# that runs on Node 20.
#
# Idempotent: a fast no-op once everything is in place. Prints the path of the
# VS Code server folder (the one holding out/server-main.js) as its last line.
#
# Env: FEATURE_MAPS_VSCODE_DIR  install folder (default ~/.cache/feature-maps/vscode-server)
#      FM_VERBOSE=1 (or FEATURE_MAPS_VERBOSE=1): apt-get's and npm's output as it comes; by
#      default it is shown only when they fail.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
DIR="${FEATURE_MAPS_VSCODE_DIR:-$HOME/.cache/feature-maps/vscode-server}"
SERVER_DIR="$DIR/node_modules/code-server/lib/vscode"

log() { echo "[install-vscode-server] $*" >&2; }

case "${FM_VERBOSE:-${FEATURE_MAPS_VERBOSE:-}}" in
  "" | 0 | false) VERBOSE="" ;;
  *) VERBOSE=1 ;;
esac
# Runs a command with its output (to stderr) held back, and shown only if it fails.
quietly() {
  if [[ -n "$VERBOSE" ]]; then "$@" >&2; return; fi
  local out rc=0
  out=$(mktemp)
  "$@" >"$out" 2>&1 || rc=$?
  if ((rc)); then
    cat "$out" >&2
    log "failed with exit code $rc: $*"
  fi
  rm -f "$out"
  return "$rc"
}

# --- Debian packages -------------------------------------------------------
# chromium drives the workbench (Debian's package pulls in no font, and
# screenshots need one); ripgrep feeds @vscode/ripgrep's cache (and VS Code's
# search); libkrb5-dev is needed to build code-server's kerberos addon.
missing=()
for pkg in chromium fonts-dejavu-core ripgrep libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  log "apt-get install ${missing[*]}"
  # An empty or stale package list makes the install fail; refresh only then,
  # since apt-get update is the slow part (the first try's output is not shown:
  # the second one's is, if it fails too).
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    quietly $SUDO apt-get update
    quietly $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# --- code-server ------------------------------------------------------------
installed_version() {
  node -p "require('$DIR/node_modules/code-server/package.json').version" 2>/dev/null || true
}
# The stamp is written only after a complete install, so a half-finished one
# (e.g. an interrupted postinstall) is redone rather than trusted.
if [[ -f "$DIR/.installed-$CODE_SERVER_VERSION" && -f "$SERVER_DIR/out/server-main.js" \
      && "$(installed_version)" == "$CODE_SERVER_VERSION" ]]; then
  echo "$SERVER_DIR"
  exit 0
fi

mkdir -p "$DIR"
# @vscode/ripgrep (a dependency of VS Code) downloads rg from GitHub in its
# postinstall unless this exact cached tarball already exists; Debian's rg is a
# drop-in replacement for the binary it would fetch.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
RG_TARBALL="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -s "$RG_TARBALL" ]]; then
  mkdir -p "$RG_CACHE"
  tmp=$(mktemp -d)
  install -m 755 "$(command -v rg)" "$tmp/rg"
  tar -czf "$RG_TARBALL.part" -C "$tmp" rg
  mv "$RG_TARBALL.part" "$RG_TARBALL"
  rm -rf "$tmp"
fi

# Native addons are built by node-gyp; point it at Node's own headers when npm
# isn't already configured to, because fetching headers needs nodejs.org.
nodedir="$(npm config get nodedir 2>/dev/null || true)"
if [[ -z "$nodedir" || "$nodedir" == undefined ]]; then
  nodeprefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [[ -f "$nodeprefix/include/node/node.h" ]]; then export npm_config_nodedir="$nodeprefix"; fi
fi

# A package.json of its own keeps npm from walking up into some other project.
[[ -f "$DIR/package.json" ]] || echo '{ "name": "feature-maps-vscode-server", "private": true }' > "$DIR/package.json"
rm -f "$DIR"/.installed-*
log "npm install code-server@$CODE_SERVER_VERSION into $DIR (a few minutes)"
# --unsafe-perm: npm 11 calls it an unknown option (warning) but still exports
# it as npm_config_unsafe_perm, and code-server's postinstall refuses to run
# as root without that. npm_config_yes: its nested npm install must not ask.
( cd "$DIR" && npm_config_yes=true ONNXRUNTIME_NODE_INSTALL=skip \
    quietly npm install --unsafe-perm --no-audit --no-fund --omit=dev "code-server@$CODE_SERVER_VERSION" )

[[ -f "$SERVER_DIR/out/server-main.js" ]] || { log "install finished but $SERVER_DIR/out/server-main.js is missing"; exit 1; }
touch "$DIR/.installed-$CODE_SERVER_VERSION"
log "VS Code server ready"
echo "$SERVER_DIR"
