#!/usr/bin/env bash
# Real-Odoo tier: the addon's own Odoo tests and the sidecar's end-to-end tests against a
# running Odoo with PostgreSQL. Works with any Odoo source tree (17/18, community).
#
# Inputs (environment):
#   ODOO_SRC        Odoo source tree (the folder holding odoo-bin). Required, else the tier
#                   is skipped; conventional locations (/opt/odoo*, /usr/src/odoo*) are tried
#                   when it is unset.
#   ODOO_PYTHON     the python that can import Odoo's dependencies (default: /usr/bin/python3
#                   when it can import psycopg2, else python3).
#   PGHOST/PGPORT/PGUSER/PGPASSWORD  use this PostgreSQL instead of a throwaway cluster.
#   ODOO_TIER_ONLY  "odoo" or "e2e" to run one half only.
#   ODOO_TIER_KEEP  1: leave the database and server logs in place for debugging.
#   TIER_RESULT     file to append "<tier> <passed> <failed>" lines to (run-all.sh reads it).
# Output: prints which tiers ran or why they were skipped.
set -u
# shellcheck source=odoo-lib.sh
source "$(dirname "$0")/odoo-lib.sh"   # sets here, root, result_file; sources pg.sh

say() { echo "[odoo-tier] $*"; }
record() { echo "$1 $2 $3" >>"$result_file"; }

# The Odoo major version the addon's manifest targets.
addon_major=$(sed -nE 's/.*"version": *"([0-9]+)\..*/\1/p' "$root/odoo_addon/sync_bridge/__manifest__.py" | head -1)

# ODOO_SRC, else the first tree found for the addon's Odoo version, else the first tree found.
find_odoo_src() {
  if [ -n "${ODOO_SRC:-}" ]; then echo "$ODOO_SRC"; return 0; fi
  local c first=""
  for c in /opt/odoo*/ /usr/src/odoo*/; do
    [ -f "$c/odoo-bin" ] || continue
    [ -z "$first" ] && first=${c%/}
    [ "$(tree_major "${c%/}")" = "$addon_major" ] && { echo "${c%/}"; return 0; }
  done
  [ -n "$first" ] && { echo "$first"; return 0; }
  return 1
}

if ! ODOO_SRC=$(find_odoo_src); then
  say "SKIPPED: ODOO_SRC is not set and no Odoo source tree was found at /opt/odoo* or /usr/src/odoo*."
  say "         Set ODOO_SRC to an Odoo 18 source tree (with odoo-bin) to run the addon's Odoo tests and the end-to-end tests."
  exit 0
fi
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
  say "SKIPPED: ODOO_SRC=$ODOO_SRC has no odoo-bin."
  exit 0
fi
if ! PY=$(odoo_python 2>&1); then
  say "SKIPPED: $PY"
  exit 0
fi
odoo_version=$("$PY" -c "import sys; sys.path.insert(0, '$ODOO_SRC'); import odoo.release as r; print(r.version)" 2>/dev/null || echo unknown)
say "RUNNING with Odoo $odoo_version from $ODOO_SRC (python: $PY)"

addons="$ODOO_SRC/odoo/addons"
[ -d "$ODOO_SRC/addons" ] && addons="$addons,$ODOO_SRC/addons"
addons="$addons,$root/odoo_addon"

pg_up || { say "FAILED: could not start PostgreSQL"; record odoo 0 1; exit 1; }
work=$(mktemp -d /tmp/sync-bridge-odoo.XXXXXX)
db="sbtest_$$_$(date +%s)"
odoo_pid=""
cleanup() {
  [ -n "$odoo_pid" ] && kill "$odoo_pid" 2>/dev/null && wait "$odoo_pid" 2>/dev/null
  if [ "${ODOO_TIER_KEEP:-0}" != "1" ]; then
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
    pg_down
  else
    say "kept database $db and logs in $work"
  fi
}
trap cleanup EXIT

odoo_args=(--addons-path="$addons" --db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="${PGUSER:-odoo}"
           -d "$db" --without-demo=all --http-interface=127.0.0.1)
[ -n "${PGPASSWORD:-}" ] && odoo_args+=(--db_password="$PGPASSWORD")

# 1. Install sync_bridge with its dependencies and run its Odoo tests.
if [ "${ODOO_TIER_ONLY:-}" != "e2e" ]; then
  say "installing sync_bridge (+ its dependencies: sale_management, sale_stock, purchase_stock, contacts) and running its tests ..."
  t0=$(date +%s)
  "$PY" "$ODOO_SRC/odoo-bin" "${odoo_args[@]}" --http-port="$(free_port)" -i sync_bridge \
      --test-enable --test-tags /sync_bridge --stop-after-init --log-level=test >"$work/odoo-tests.log" 2>&1
  rc=$?
  # "<passed> <failed>" from Odoo's closing line (odoo-lib.sh); failing tests go to stderr.
  read -r passed failed <<<"$(odoo_test_counts "$work/odoo-tests.log" "$rc")"
  say "Odoo tests: $passed passed, $failed failed (exit $rc, $(( $(date +%s) - t0 ))s) — log: $work/odoo-tests.log"
  [ "$failed" -gt 0 ] && tail -60 "$work/odoo-tests.log"
  record odoo "$passed" "$failed"
else
  "$PY" "$ODOO_SRC/odoo-bin" "${odoo_args[@]}" -i sync_bridge --stop-after-init >"$work/odoo-install.log" 2>&1 \
    || { say "FAILED: install"; tail -40 "$work/odoo-install.log"; record odoo 0 1; exit 1; }
fi

# 2. Start Odoo and run the sidecar's end-to-end tests against it.
if [ "${ODOO_TIER_ONLY:-}" != "odoo" ]; then
  if ! serve_odoo "$PY" "$ODOO_SRC" "$work/odoo-server.log" 120 "${odoo_args[@]}"; then
    say "FAILED: Odoo did not start"; tail -40 "$work/odoo-server.log"; record e2e 0 1; exit 1
  fi
  say "Odoo serving $db at $url; running end-to-end tests ..."
  # Optional: the UI test (test/e2e/ui-order.test.ts) drives the system Chromium (Debian package
  # `chromium`, installed outside the harness) through playwright-core; without either it skips.
  if [ -z "${CHROMIUM_PATH:-}" ] && [ -x /usr/bin/chromium ]; then export CHROMIUM_PATH=/usr/bin/chromium; fi
  if [ -n "${CHROMIUM_PATH:-}" ]; then say "UI test: using Chromium at $CHROMIUM_PATH (screenshots in test-artifacts/)"
  else say "UI test: no Chromium (apt-get install chromium): it will be skipped"; fi
  ODOO_URL=$url ODOO_DB=$db ODOO_SERIES="$odoo_version" ODOO_ADMIN_LOGIN=admin ODOO_ADMIN_PASSWORD=admin ODOO_SERVER_LOG="$work/odoo-server.log" \
    npx mocha --config "$root/.mocharc.e2e.json" 2>&1 | tee "$work/e2e.log"
  p=$(grep -Eo "^ +[0-9]+ passing" "$work/e2e.log" | grep -Eo "[0-9]+" | tail -1)
  f=$(grep -Eo "^ +[0-9]+ failing" "$work/e2e.log" | grep -Eo "[0-9]+" | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$p" = "0" ] && [ "$f" = "0" ] && ! grep -q "0 passing" "$work/e2e.log"; then f=1; fi
  say "end-to-end tests: $p passed, $f failed"
  record e2e "$p" "$f"
fi
exit 0
