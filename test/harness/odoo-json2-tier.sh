#!/usr/bin/env bash
# Odoo 19 tier, on one throwaway PostgreSQL, in two parts:
#  1. JSON-2: the Odoo gateway contract (test/gateway/contract-suite.ts) over JSON-2 and
#     XML-RPC against a real Odoo 19 or later, on a bare database (base + its auto-installed
#     rpc module, and uom), and the mapping engine's unit conversion against Odoo 19's own
#     (test/gateway/uom-parity-suite.ts). Proves the sidecar's JSON-2 transport against the real
#     endpoint. Result line "json2 <passed> <failed>".
#  2. The addon on Odoo 19: odoo_addon/tools/make_series.py ports sync_bridge to the tree's
#     series into a temporary folder; a second database gets it installed with its Odoo tests
#     (--test-enable --test-tags /sync_bridge; counts read as odoo-tier.sh does):
#     "odoo<major> <passed> <failed>" (odoo19). Then, when .mocharc.odoo19.json exists, Odoo
#     serves that database and `npx mocha --config .mocharc.odoo19.json` runs with ODOO_URL,
#     ODOO_DB, ODOO_SERIES (e.g. 19.0), ODOO_ADMIN_LOGIN/ODOO_ADMIN_PASSWORD (admin/admin),
#     ODOO_ADMIN_KEY (an API key of the admin) and ODOO_PROTOCOL=json2: "e2e<major> <p> <f>".
#     A port or install that fails is a failed check, never a skip.
#
# Inputs (environment):
#   ODOO_JSON2_SRC  an Odoo 19+ source tree (the folder holding odoo-bin); when unset,
#                   /opt/odoo*/ and /usr/src/odoo*/ are searched for one whose version is 19+.
#   ODOO_PYTHON     as in odoo-tier.sh.
#   PGHOST/PGPORT/PGUSER/PGPASSWORD  use this PostgreSQL instead of a throwaway cluster.
#   ODOO19_ADDON    0: run part 1 only.
#   TIER_RESULT     file to append the result lines to.
# Output: says what ran, or why it was skipped.
set -u
# shellcheck source=odoo-lib.sh
source "$(dirname "$0")/odoo-lib.sh"   # sets here, root, result_file; sources pg.sh

say() { echo "[json2-tier] $*"; }
say19() { echo "[odoo19-tier] $*"; }

find_src() {
  if [ -n "${ODOO_JSON2_SRC:-}" ]; then echo "$ODOO_JSON2_SRC"; return 0; fi
  local c m
  for c in /opt/odoo*/ /usr/src/odoo*/; do
    [ -f "$c/odoo-bin" ] || continue
    m=$(tree_major "${c%/}")
    [ -n "$m" ] && [ "$m" -ge 19 ] && { echo "${c%/}"; return 0; }
  done
  return 1
}

if ! SRC=$(find_src); then
  say "SKIPPED: no Odoo 19+ source tree (set ODOO_JSON2_SRC, or put one at /opt/odoo*); the JSON-2 transport is then covered by its wire-format unit test only, and the addon is not tried on Odoo 19."
  exit 0
fi
major=$(tree_major "$SRC")
if [ -z "$major" ] || [ "$major" -lt 19 ]; then
  say "SKIPPED: $SRC is Odoo ${major:-?}, JSON-2 needs Odoo 19 or later."
  exit 0
fi
if ! PY=$(odoo_python 2>&1); then
  say "SKIPPED: $PY"
  exit 0
fi
say "RUNNING against Odoo $major from $SRC"

pg_up || { say "FAILED: could not start PostgreSQL"; echo "json2 0 1" >>"$result_file"
            [ "${ODOO19_ADDON:-1}" != "0" ] && echo "odoo$major 0 1" >>"$result_file"; exit 1; }
work=$(mktemp -d /tmp/sync-bridge-json2.XXXXXX)
db="sbjson2_$$_$(date +%s)"
db19="sbodoo19_$$_$(date +%s)"
odoo_pid=""
stop_odoo() { [ -n "$odoo_pid" ] && kill "$odoo_pid" 2>/dev/null && wait "$odoo_pid" 2>/dev/null; odoo_pid=""; }
cleanup() {
  stop_odoo
  dropdb --if-exists "$db" >/dev/null 2>&1 || true
  dropdb --if-exists "$db19" >/dev/null 2>&1 || true
  rm -rf "$work"
  pg_down
}
trap cleanup EXIT
# A failure of part 1 is recorded and ends part 1 only (return from run_json2).
fail() { say "FAILED: $1"; [ -n "${2:-}" ] && tail -30 "$2"; echo "json2 0 1" >>"$result_file"; }

addons="$SRC/odoo/addons"
[ -d "$SRC/addons" ] && addons="$addons,$SRC/addons"
db_args=(--db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="${PGUSER:-odoo}" --http-interface=127.0.0.1)
[ -n "${PGPASSWORD:-}" ] && db_args+=(--db_password="$PGPASSWORD")
args=(--addons-path="$addons" "${db_args[@]}" -d "$db")

# -- 1. JSON-2 gateway contract on a bare database ------------------------------------------
run_json2() {
  t0=$(date +%s)
  "$PY" "$SRC/odoo-bin" "${args[@]}" -i base,uom --without-demo=all --stop-after-init >"$work/init.log" 2>&1 \
    || { fail "database init" "$work/init.log"; return 1; }

  # API keys (JSON-2 takes no passwords): one for the administrator, one for an internal user
  # without administration rights. Created through Odoo's own API-key model in an odoo shell.
  cat >"$work/keys.py" <<'EOF'
Users = env['res.users']
groups_field = 'group_ids' if 'group_ids' in Users._fields else 'groups_id'
admin = env.ref('base.user_admin')
limited = Users.create({'name': 'JSON-2 contract (limited)', 'login': 'json2-limited',
                        groups_field: [(6, 0, [env.ref('base.group_user').id])]})
Keys = env['res.users.apikeys']
print('ADMIN_KEY=' + Keys.with_user(admin).sudo()._generate(None, 'sync-bridge json2 tier', None))
print('LIMITED_KEY=' + Keys.with_user(limited).sudo()._generate(None, 'sync-bridge json2 tier', None))
env.cr.commit()
EOF
  "$PY" "$SRC/odoo-bin" shell "${args[@]}" --no-http <"$work/keys.py" >"$work/keys.log" 2>&1 || { fail "API keys" "$work/keys.log"; return 1; }
  admin_key=$(sed -n 's/^ADMIN_KEY=//p' "$work/keys.log")
  limited_key=$(sed -n 's/^LIMITED_KEY=//p' "$work/keys.log")
  [ -n "$admin_key" ] && [ -n "$limited_key" ] || { fail "no API keys printed" "$work/keys.log"; return 1; }

  serve_odoo "$PY" "$SRC" "$work/server.log" 90 "${args[@]}" || { fail "Odoo $major did not start" "$work/server.log"; return 1; }
  say "Odoo $major serving $db at $url (ready in $(( $(date +%s) - t0 ))s); running the gateway contract ..."

  ODOO_JSON2_URL=$url ODOO_JSON2_DB=$db ODOO_JSON2_SERIES=$major ODOO_JSON2_ADMIN_LOGIN=admin ODOO_JSON2_ADMIN_KEY=$admin_key \
  ODOO_JSON2_LIMITED_LOGIN=json2-limited ODOO_JSON2_LIMITED_KEY=$limited_key \
    npx mocha --config "$root/.mocharc.json2.json" 2>&1 | tee "$work/mocha.log"
  p=$(grep -Eo "^ +[0-9]+ passing" "$work/mocha.log" | grep -Eo "[0-9]+" | tail -1)
  f=$(grep -Eo "^ +[0-9]+ failing" "$work/mocha.log" | grep -Eo "[0-9]+" | tail -1)
  p=${p:-0}; f=${f:-0}
  [ "$p" = "0" ] && [ "$f" = "0" ] && f=1
  say "gateway contract on Odoo $major: $p passed, $f failed"
  echo "json2 $p $f" >>"$result_file"
  stop_odoo
}

# -- 2. The addon, ported to the tree's series, with its Odoo tests; then the Odoo 19 e2e ------
# Records "odoo<major> <passed> <failed>" (and "e2e<major> ..."); a port or install that fails
# is recorded as a failure.
run_addon() {
  local tier="odoo$major" series p f
  local say_prefix="[odoo19-tier]"
  if ! ROOT=$root addon_series_tests "$PY" "$SRC" "$work/addons19" "$db19" "${db_args[@]}"; then
    echo "$tier $addon_passed $addon_failed" >>"$result_file"
    say19 "e2e on Odoo $major not run"
    [ -f "$root/.mocharc.odoo19.json" ] && echo "e2e$major 0 1" >>"$result_file"
    return 1
  fi
  echo "$tier $addon_passed $addon_failed" >>"$result_file"
  series=$addon_series
  local args19=("${addon_args[@]}")

  if [ ! -f "$root/.mocharc.odoo19.json" ]; then
    say19 "e2e on Odoo $major: SKIPPED, no .mocharc.odoo19.json in the repository"
    return 0
  fi
  local key url
  cat >"$work/key19.py" <<'EOF'
admin = env.ref('base.user_admin')
print('ADMIN_KEY=' + env['res.users.apikeys'].with_user(admin).sudo()._generate(None, 'sync-bridge odoo19 e2e', None))
env.cr.commit()
EOF
  "$PY" "$SRC/odoo-bin" shell "${args19[@]}" --no-http <"$work/key19.py" >"$work/key19.log" 2>&1 \
    || { e2e_fail "API key" "$work/key19.log"; return 1; }
  key=$(sed -n 's/^ADMIN_KEY=//p' "$work/key19.log")
  [ -n "$key" ] || { e2e_fail "no API key printed" "$work/key19.log"; return 1; }
  serve_odoo "$PY" "$SRC" "$work/server19.log" 120 "${args19[@]}" || { e2e_fail "Odoo $major did not start" "$work/server19.log"; return 1; }
  say19 "Odoo $major serving $db19 at $url; running the e2e files of .mocharc.odoo19.json ..."
  ODOO_URL=$url ODOO_DB=$db19 ODOO_SERIES=$series ODOO_ADMIN_LOGIN=admin ODOO_ADMIN_PASSWORD=admin \
  ODOO_ADMIN_KEY=$key ODOO_PROTOCOL=json2 ODOO_SERVER_LOG="$work/server19.log" \
    npx mocha --config "$root/.mocharc.odoo19.json" 2>&1 | tee "$work/e2e19.log"
  read -r p f <<<"$(mocha_counts "$work/e2e19.log")"
  say19 "e2e on Odoo $major: $p passed, $f failed"
  echo "e2e$major $p $f" >>"$result_file"
  stop_odoo
}
e2e_fail() { say19 "FAILED: $1"; [ -n "${2:-}" ] && tail -30 "$2"; echo "e2e$major 0 1" >>"$result_file"; }

t_all=$(date +%s)
run_json2
if [ "${ODOO19_ADDON:-1}" = "0" ]; then
  say19 "SKIPPED: ODOO19_ADDON=0 (the addon's tests on Odoo $major)"
else
  t_addon=$(date +%s)
  run_addon
  say19 "the addon part took $(( $(date +%s) - t_addon ))s"
fi
say "the tier took $(( $(date +%s) - t_all ))s"
exit 0
