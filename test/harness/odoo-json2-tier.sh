#!/usr/bin/env bash
# JSON-2 tier: the Odoo gateway contract (test/gateway/contract-suite.ts) over JSON-2 and
# XML-RPC against a real Odoo 19 or later, on a bare database (base + its auto-installed rpc
# module, and uom), and the mapping engine's unit conversion against Odoo 19's own
# (test/gateway/uom-parity-suite.ts). Proves the sidecar's JSON-2 transport against the real
# endpoint; the sync_bridge addon itself targets Odoo 18 (see docs/odoo-contract.md#porting-notes).
#
# Inputs (environment):
#   ODOO_JSON2_SRC  an Odoo 19+ source tree (the folder holding odoo-bin); when unset,
#                   /opt/odoo*/ and /usr/src/odoo*/ are searched for one whose version is 19+.
#   ODOO_PYTHON     as in odoo-tier.sh.
#   PGHOST/PGPORT/PGUSER/PGPASSWORD  use this PostgreSQL instead of a throwaway cluster.
#   TIER_RESULT     file to append "json2 <passed> <failed>" to.
# Output: says whether it ran or why it was skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
result_file=${TIER_RESULT:-/dev/null}
# shellcheck source=pg.sh
source "$here/pg.sh"
# shellcheck source=odoo-lib.sh
source "$here/odoo-lib.sh"

say() { echo "[json2-tier] $*"; }

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
  say "SKIPPED: no Odoo 19+ source tree (set ODOO_JSON2_SRC, or put one at /opt/odoo*); the JSON-2 transport is then covered by its wire-format unit test only."
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

pg_up || { say "FAILED: could not start PostgreSQL"; echo "json2 0 1" >>"$result_file"; exit 1; }
work=$(mktemp -d /tmp/sync-bridge-json2.XXXXXX)
db="sbjson2_$$_$(date +%s)"
odoo_pid=""
cleanup() {
  [ -n "$odoo_pid" ] && kill "$odoo_pid" 2>/dev/null && wait "$odoo_pid" 2>/dev/null
  dropdb --if-exists "$db" >/dev/null 2>&1 || true
  rm -rf "$work"
  pg_down
}
trap cleanup EXIT
fail() { say "FAILED: $1"; [ -n "${2:-}" ] && tail -30 "$2"; echo "json2 0 1" >>"$result_file"; exit 1; }

addons="$SRC/odoo/addons"
[ -d "$SRC/addons" ] && addons="$addons,$SRC/addons"
args=(--addons-path="$addons" --db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="${PGUSER:-odoo}" -d "$db"
      --http-interface=127.0.0.1)
[ -n "${PGPASSWORD:-}" ] && args+=(--db_password="$PGPASSWORD")

t0=$(date +%s)
"$PY" "$SRC/odoo-bin" "${args[@]}" -i base,uom --without-demo=all --stop-after-init >"$work/init.log" 2>&1 \
  || fail "database init" "$work/init.log"

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
"$PY" "$SRC/odoo-bin" shell "${args[@]}" --no-http <"$work/keys.py" >"$work/keys.log" 2>&1 || fail "API keys" "$work/keys.log"
admin_key=$(sed -n 's/^ADMIN_KEY=//p' "$work/keys.log")
limited_key=$(sed -n 's/^LIMITED_KEY=//p' "$work/keys.log")
[ -n "$admin_key" ] && [ -n "$limited_key" ] || fail "no API keys printed" "$work/keys.log"

port=$(free_port)
"$PY" "$SRC/odoo-bin" "${args[@]}" --http-port="$port" --workers=0 --max-cron-threads=0 >"$work/server.log" 2>&1 &
odoo_pid=$!
url="http://127.0.0.1:$port"
wait_for_odoo "$url" 90 "$odoo_pid" || fail "Odoo $major did not start" "$work/server.log"
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
exit 0
