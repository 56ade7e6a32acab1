#!/usr/bin/env bash
# Addon tiers of other Odoo series, on one throwaway PostgreSQL: for each series of SERIES
# (default "17"), find an Odoo source tree of that major version, port sync_bridge to it with
# odoo_addon/tools/make_series.py, install it on a fresh database with its Odoo tests
# (--test-enable --test-tags /sync_bridge; counts read as odoo-tier.sh does) and record
# "odoo<major> <passed> <failed>" (odoo17). Then, when .mocharc.odoo<major>.json exists, Odoo
# serves that database and `npx mocha --config .mocharc.odoo<major>.json` runs the e2e files
# over XML-RPC with ODOO_URL, ODOO_DB, ODOO_SERIES (e.g. 17.0), ODOO_ADMIN_LOGIN /
# ODOO_ADMIN_PASSWORD (admin/admin), ODOO_PROTOCOL=xmlrpc: "e2e<major> <passed> <failed>"
# (the TypeScript must be built: run-all.sh and `npm run test:odoo17` build first).
# A port or install that fails is a failed check, never a skip; a series without a tree on the
# machine is SKIPPED, saying so.
# (Odoo 19 has its own tier, odoo-json2-tier.sh, which also runs the JSON-2 contract and e2e.)
#
# Inputs (environment):
#   SERIES          majors to run, space-separated (default "17").
#   ODOO17_SRC      an Odoo 17 source tree (the folder holding odoo-bin); when unset,
#                   /opt/odoo*/ and /usr/src/odoo*/ are searched for one whose version is 17
#                   (ODOO<major>_SRC likewise for another series).
#   ODOO_PYTHON     as in odoo-tier.sh.
#   PGHOST/PGPORT/PGUSER/PGPASSWORD  use this PostgreSQL instead of a throwaway cluster.
#   DB_PREFIX       start of the database names (default "sbodoo"; on a shared PostgreSQL).
#   ODOO_PORT_RANGE Odoo's HTTP ports, e.g. 18660-18679 (default: any free port).
#   TIER_RESULT     file to append the result lines to.
# Output: says, per series, RUNNING (with the tree) or SKIPPED and why.
set -u
# shellcheck source=odoo-lib.sh
source "$(dirname "$0")/odoo-lib.sh"   # sets here, root, result_file; sources pg.sh

work=""
pg_started=0
odoo_pid=""
stop_odoo() { [ -n "$odoo_pid" ] && kill "$odoo_pid" 2>/dev/null && wait "$odoo_pid" 2>/dev/null; odoo_pid=""; }
db_list=()
cleanup() {
  local d
  stop_odoo
  for d in "${db_list[@]}"; do
    dropdb --if-exists "$d" >/dev/null 2>&1 || true
    # databases the e2e made next to it (cli-odoo's "<db>_noaddon_*") if Odoo did not drop them
    for x in $(psql -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE '${d}\_%'" 2>/dev/null); do
      dropdb --if-exists "$x" >/dev/null 2>&1 || true
    done
  done
  [ -n "$work" ] && rm -rf "$work"
  [ "$pg_started" = "1" ] && pg_down
}
trap cleanup EXIT

t_all=$(date +%s)
for major in ${SERIES:-17}; do
  say_prefix="[odoo$major-tier]"
  if ! SRC=$(find_series_src "$major"); then
    echo "$say_prefix SKIPPED: no Odoo $major source tree (set ODOO${major}_SRC, or put one at /opt/odoo*); the addon is not tried on Odoo $major."
    continue
  fi
  got=$(tree_major "$SRC")
  if [ "$got" != "$major" ]; then
    echo "$say_prefix FAILED: $SRC is Odoo ${got:-?}, not $major (ODOO${major}_SRC)"
    echo "odoo$major 0 1" >>"$result_file"
    continue
  fi
  if ! PY=$(odoo_python 2>&1); then
    echo "$say_prefix SKIPPED: $PY"
    continue
  fi
  echo "$say_prefix RUNNING: the addon ported to Odoo $major, with its tests, on $SRC"
  if [ "$pg_started" = "0" ]; then
    pg_up || { echo "$say_prefix FAILED: could not start PostgreSQL"; echo "odoo$major 0 1" >>"$result_file"; continue; }
    pg_started=1
    work=$(mktemp -d /tmp/sync-bridge-series.XXXXXX)
  fi
  db="${DB_PREFIX:-sbodoo}${major}_$$_$(date +%s)"
  db_list+=("$db")
  db_args=(--db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="${PGUSER:-odoo}" --http-interface=127.0.0.1)
  [ -n "${PGPASSWORD:-}" ] && db_args+=(--db_password="$PGPASSWORD")
  ROOT=$root addon_series_tests "$PY" "$SRC" "$work/addons$major" "$db" "${db_args[@]}"
  installed=$?
  echo "odoo$major $addon_passed $addon_failed" >>"$result_file"
  mocharc="$root/.mocharc.odoo$major.json"
  if [ ! -f "$mocharc" ]; then
    echo "$say_prefix e2e on Odoo $major: SKIPPED, no .mocharc.odoo$major.json in the repository"
  elif [ "$installed" -ne 0 ]; then
    echo "$say_prefix e2e on Odoo $major: FAILED, the addon is not installed"
    echo "e2e$major 0 1" >>"$result_file"
  elif ! serve_odoo "$PY" "$SRC" "$work/server$major.log" 120 "${addon_args[@]}"; then
    echo "$say_prefix FAILED: Odoo $major did not start"; tail -30 "$work/server$major.log"
    echo "e2e$major 0 1" >>"$result_file"
    stop_odoo
  else
    echo "$say_prefix Odoo $major serving $db at $url; running the e2e files of .mocharc.odoo$major.json ..."
    ODOO_URL=$url ODOO_DB=$db ODOO_SERIES=$addon_series ODOO_ADMIN_LOGIN=admin ODOO_ADMIN_PASSWORD=admin \
    ODOO_PROTOCOL=xmlrpc ODOO_SERVER_LOG="$work/server$major.log" \
      npx mocha --config "$mocharc" 2>&1 | tee "$work/e2e$major.log"
    read -r p f <<<"$(mocha_counts "$work/e2e$major.log")"
    echo "$say_prefix e2e on Odoo $major: $p passed, $f failed"
    echo "e2e$major $p $f" >>"$result_file"
    stop_odoo
  fi
  dropdb --if-exists "$db" >/dev/null 2>&1 || true
done
echo "[series-tier] the tier took $(( $(date +%s) - t_all ))s"
exit 0
