#!/usr/bin/env bash
# Install the pinned n8n (see package.json / package-lock.json beside this script) into a cache directory
# outside the repository and print the path of the n8n binary on the last line of stdout.
#
#   deploy/n8n/install.sh            -> .../suite-n8n/<sha256 of package-lock.json>/node_modules/.bin/n8n
#
# The cache directory is ${SUITE_N8N_CACHE:-$HOME/.cache/suite-n8n}/<sha256 of package-lock.json>/. A marker file
# is written only after `npm ci` and a smoke check succeeded, so an interrupted install is redone on the next run
# and a completed one makes the next run instant. npm's own output goes to stderr.
set -euo pipefail

log() { printf 'install.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock_src="$here/package-lock.json"
pkg_src="$here/package.json"
[ -f "$pkg_src" ] || die "missing $pkg_src"
[ -f "$lock_src" ] || die "missing $lock_src"

command -v node >/dev/null 2>&1 || die "node is not installed or not on PATH; n8n 2.8.4 needs Node.js 20 (>=20.19) and npm"
command -v npm >/dev/null 2>&1 || die "npm is not installed or not on PATH; install npm (it ships with Node.js)"

node_version="$(node --version)"
case "$node_version" in
  v20.*|v22.*|v24.*) ;;
  *) log "warning: n8n 2.8.4 supports Node.js 20.19-24.x; found $node_version" ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  hash="$(sha256sum "$lock_src" | cut -d' ' -f1)"
elif command -v shasum >/dev/null 2>&1; then
  hash="$(shasum -a 256 "$lock_src" | cut -d' ' -f1)"
else
  hash="$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("hex"))' "$lock_src")"
fi

cache_root="${SUITE_N8N_CACHE:-$HOME/.cache/suite-n8n}"
dir="$cache_root/$hash"
bin="$dir/node_modules/.bin/n8n"
marker="$dir/.suite-install-complete"
# sqlite3 is a native module built for one Node ABI: a marker written under another Node major is not valid.
stamp="node=$(node -p 'process.versions.modules') platform=$(node -p 'process.platform + "-" + process.arch')"

is_ready() { [ -f "$marker" ] && [ -x "$bin" ] && [ "$(cat "$marker")" = "$stamp" ]; }

if is_ready; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"

# Serialise concurrent installers (e.g. two test sessions) on the same cache directory.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/$hash.lock"
  if ! flock -n 9; then
    log "another install is running; waiting for the lock $cache_root/$hash.lock"
    flock 9
  fi
  if is_ready; then
    echo "$bin"
    exit 0
  fi
fi

rm -f "$marker"
cp "$pkg_src" "$dir/package.json"
cp "$lock_src" "$dir/package-lock.json"

log "installing n8n into $dir (cold install: about 4 minutes, ~2.2 GB)"
start=$(date +%s)
(
  cd "$dir"
  # npm ci deletes any half-finished node_modules first and installs exactly the lockfile.
  npm ci --no-audit --no-fund --loglevel=error 1>&2
) || die "npm ci failed in $dir (see npm's output above); rerun this script to retry"

version="$("$bin" --version 2>/dev/null | tail -n1)" || die "$bin --version failed after install"
expected="$(node -p 'require(process.argv[1]).dependencies.n8n' "$pkg_src")"
[ "$version" = "$expected" ] || die "installed n8n reports version '$version', expected '$expected'"

printf '%s' "$stamp" >"$marker.tmp"
mv "$marker.tmp" "$marker"
log "n8n $version installed in $(( $(date +%s) - start ))s"
echo "$bin"
