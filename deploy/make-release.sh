#!/usr/bin/env bash
# Builds the release tarball: <out>/sync-bridge-<version>.tar.gz and its .sha256.
#
#   bash deploy/make-release.sh [--out DIR]      (default DIR: ./release)
#
# The tarball holds what a server needs and nothing of the development tree: the sidecar
# compiled afresh from bridge/ only (tsconfig.release.json: no tests, benches or demo), the
# shipped mappings with their fixtures and JSON Schema, the addon (odoo_addon/: sync_bridge and
# its porting tool; addons/<series>/sync_bridge: the module ready for Odoo 17.0, 18.0 and 19.0),
# deploy/ (systemd unit), docs/, README, the licence, package.json and
# package-lock.json. Install: unpack, then `npm ci --omit=dev` in it (the runtime needs only
# package.json's dependencies; better-sqlite3 is built for the server's Node there). See
# docs/runbooks.md, "Installing the sidecar on a server".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=release
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    *) echo "make-release: unexpected argument '$1' (usage: make-release.sh [--out DIR])" >&2; exit 2 ;;
  esac
done
version=$(node -p "require('./package.json').version")
name="sync-bridge-$version"
work=$(mktemp -d /tmp/sync-bridge-release.XXXXXX)
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage" "$out"

echo "[release] $name: compiling the sidecar (tsconfig.release.json) ..."
npx tsc -p tsconfig.release.json --outDir "$stage/dist"

echo "[release] copying mappings, addon, deploy, docs ..."
tar -cf - --exclude='__pycache__' --exclude='*.pyc' --exclude='*.sqlite*' --exclude='.env' --exclude='secrets*.yaml' \
    mappings odoo_addon deploy docs README.md LICENSE COPYING package.json package-lock.json \
  | tar -xf - -C "$stage"

echo "[release] the addon for each Odoo series (odoo_addon/tools/make_series.py) ..."
for series in 17.0 18.0 19.0; do
  python3 odoo_addon/tools/make_series.py --series "$series" --out "$stage/addons/$series" >/dev/null
done

tarball="$out/$name.tar.gz"
echo "[release] writing $tarball ..."
tar -czf "$tarball" -C "$work" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
files=$(tar -tzf "$tarball" | grep -vc '/$')
echo "[release] $tarball: $files files, $(du -h "$tarball" | cut -f1); sha256 in $name.tar.gz.sha256"
