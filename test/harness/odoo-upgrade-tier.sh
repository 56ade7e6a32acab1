#!/usr/bin/env bash
# Upgrade tier: a database made with an earlier release of the addon, holding sync work in
# every state, is upgraded to this release the way the runbook says (`-u sync_bridge`), and the
# current sidecar carries on with it. For each source release:
#   1. a fresh database (cloned from a template holding the addon's dependencies) gets that
#      release of sync_bridge installed;
#   2. Odoo serves it and test/upgrade/before.test.ts leaves work in it through the release's
#      own contract: a release acked (link), one failed with an open exception, one claimed by
#      a worker that died, one pending, a shipment and a milestone applied;
#   3. the row count of every sync_* table is taken, Odoo stops and `-u sync_bridge` runs with
#      this tree's addon (its migrations); it must exit 0 with no ERROR/CRITICAL line;
#   4. no sync_* table has fewer rows than before;
#   5. Odoo serves the upgraded database and test/upgrade/after.test.ts checks that nothing was
#      lost or is sent twice: the current sidecar delivers the pending and orphaned releases
#      once each to the ShipBob fake and never the acked one, the failed one is replayed once,
#      a shipment received again is a duplicate, the migrations' results are there; for the
#      previous release, that release's sidecar (built from git history) is stopped with a
#      shipment in its inbox that Odoo could not take, and this sidecar, started on the same
#      state file, applies it once.
# Result line: "upgrade <passed> <failed>" over all sources (each step 1, 3, 4 is a check;
# steps 2 and 5 count their mocha tests). The TypeScript must be built (run-all.sh builds).
#
# Another Odoo series: UPGRADE_SERIES=19.0 (or 17.0) runs the same on that series, result line
# "upgrade19" ("upgrade17"). Each earlier release is ported to the series with its own
# odoo_addon/tools/make_series.py (as that release's tarball shipped it), this tree with this
# one's; the Odoo tree is ODOO<major>_SRC or found at /opt/odoo*; from Odoo 19 on the tests and
# the sidecars talk JSON-2. `oldest` is then the oldest release that could be ported to the
# series (19.0 since 18.0.1.11.0, 17.0 since 18.0.1.12.0); a release from before the port
# existed is skipped, saying so. There, UPGRADE_FROM defaults to "previous" only.
#
# Source releases: UPGRADE_FROM, space- or comma-separated (default "previous oldest"):
#   previous      the release before the manifest's version (from git history);
#   oldest        the oldest release with notes in odoo_addon/sync_bridge/readme/HISTORY.md,
#                 where the supported upgrade path starts (from git history);
#   <version>     e.g. 18.0.1.8.0: the commit that first set that manifest version;
#   <folder>      a folder holding an earlier sync_bridge/ (e.g. an unpacked release's
#                 addons/18.0/), for a tree without git history.
# A source that cannot be found (no git history: a release tarball or a shallow clone) is
# SKIPPED, saying so; an install, upgrade or check that fails is a failure, never a skip.
#
# Inputs (environment): ODOO_SRC (else an Odoo tree of the manifest's major at /opt/odoo*,
# /usr/src/odoo*), ODOO_PYTHON, PGHOST/PGPORT/PGUSER/PGPASSWORD, DB_PREFIX (default
# "sbupgrade"), ODOO_PORT_RANGE, ODOO_TIER_KEEP=1 (keep databases and logs), TIER_RESULT.
set -u
# shellcheck source=odoo-lib.sh
source "$(dirname "$0")/odoo-lib.sh"   # sets here, root, result_file; sources pg.sh

say() { echo "[${tag:-upgrade}-tier] $*"; }
manifest_rel=odoo_addon/sync_bridge/__manifest__.py
manifest_version() { sed -nE 's/.*"version": *"([^"]+)".*/\1/p' "$1" | head -1; }
source_version=$(manifest_version "$root/$manifest_rel")   # e.g. 18.0.1.13.0
source_series=${source_version%.*.*.*}                       # 18.0
series=${UPGRADE_SERIES:-$source_series}
[[ $series =~ ^[0-9]+\.0$ ]] || { echo "[upgrade-tier] UPGRADE_SERIES must be a series such as 19.0, not '$series'" >&2; exit 2; }
# The module's version on that series: <series>.x.y.z (make_series.py keeps the release).
on_series() { echo "$series.${1#*.*.}"; }
current_version=$(on_series "$source_version")
major=${series%%.*}
tag=upgrade
[ "$series" != "$source_series" ] && tag="upgrade$major"

# ---- the source releases ---------------------------------------------------------------------
has_history() { git -C "$root" rev-parse --git-dir >/dev/null 2>&1 && [ "$(git -C "$root" rev-parse --is-shallow-repository 2>/dev/null)" = "false" ]; }

# "<version> <commit>" of every release, oldest first: the commit that first set each version.
addon_releases() {
  local c v last=""
  git -C "$root" log --reverse --format=%H -- "$manifest_rel" | while read -r c; do
    v=$(git -C "$root" show "$c:$manifest_rel" | sed -nE 's/.*"version": *"([^"]+)".*/\1/p' | head -1)
    [ -n "$v" ] && [ "$v" != "$last" ] && echo "$v $c"
    last=$v
  done
}

# The oldest release, not older than $1, whose make_series.py has rules for $series.
oldest_ported() {
  local v c
  addon_releases | while read -r v c; do
    [ "$(printf '%s\n%s\n' "$1" "$v" | sort -V | head -1)" = "$1" ] || continue
    if git -C "$root" show "$c:odoo_addon/tools/make_series.py" 2>/dev/null | grep -q "^ *\"$series\":"; then echo "$v"; return; fi
  done
}

# Resolves one UPGRADE_FROM token to "<label>|<version>|<commit or folder>", or says why not:
# return 2 when there is no git history to look in (a skip), 1 otherwise (a failure: with the
# history at hand, the previous and the oldest release must be found).
resolve_source() {
  local tok=$1 v
  if [ -d "$tok" ]; then
    [ -f "$tok/sync_bridge/__manifest__.py" ] || { echo "$tok has no sync_bridge/__manifest__.py"; return 1; }
    echo "$tok|$(manifest_version "$tok/sync_bridge/__manifest__.py")|$tok"; return 0
  fi
  has_history || { echo "'$tok' needs the git history of the repository (none here, or a shallow clone); set UPGRADE_FROM to a folder holding an earlier sync_bridge/"; return 2; }
  case $tok in
    previous) v=$(addon_releases | awk -v cur="$source_version" '$1 != cur {v=$1} END {print v}') ;;
    oldest) v=$(sed -nE 's/^## +([0-9][0-9.]+).*/\1/p' "$root/odoo_addon/sync_bridge/readme/HISTORY.md" | tail -1)
            [ "$series" != "$source_series" ] && v=$(oldest_ported "$v") ;;
    *) v=$tok ;;
  esac
  [ -n "$v" ] || { echo "no '$tok' release found in the git history"; return 1; }
  [ "$v" != "$source_version" ] || { echo "'$tok' is this release ($v)"; return 1; }
  local c; c=$(addon_releases | awk -v v="$v" '$1 == v {print $2; exit}')
  [ -n "$c" ] || { echo "release $v is not in the git history of $manifest_rel"; return 1; }
  echo "$tok|$v|$c"
}

# ---- Odoo ------------------------------------------------------------------------------------
if [ "$series" = "$source_series" ] && [ -n "${ODOO_SRC:-}" ]; then SRC=$ODOO_SRC
elif ! SRC=$(find_series_src "$major"); then
  say "SKIPPED: no Odoo $major source tree (set $([ "$series" = "$source_series" ] && echo ODOO_SRC || echo "ODOO${major}_SRC"), or put one at /opt/odoo* or /usr/src/odoo*)."
  exit 0
fi
[ -f "$SRC/odoo-bin" ] || { say "SKIPPED: $SRC has no odoo-bin."; exit 0; }
if ! PY=$(odoo_python 2>&1); then say "SKIPPED: $PY"; exit 0; fi
if [ "$(tree_major "$SRC")" != "$major" ]; then
  say "SKIPPED: $SRC is Odoo $(tree_major "$SRC"); the addon's releases are for Odoo $major."
  exit 0
fi

sources=()
unresolved=0
# Default sources: the previous and the oldest release on the source series; the previous one on
# another (its oldest port adds no migration to cross so far: UPGRADE_FROM=oldest runs it).
default_from="previous oldest"
[ "$series" != "$source_series" ] && default_from="previous"
for tok in $(echo "${UPGRADE_FROM:-$default_from}" | tr ',' ' '); do
  s=$(resolve_source "$tok")
  case $? in
    0) dup=0; for x in "${sources[@]}"; do [ "$(cut -d'|' -f2 <<<"$x")" = "$(cut -d'|' -f2 <<<"$s")" ] && dup=1; done
       [ $dup -eq 0 ] && sources+=("$s") ;;
    2) say "SKIPPED source '$tok': $s" ;;
    *) say "FAILED: source '$tok': $s"; unresolved=$((unresolved + 1)) ;;
  esac
done
if [ ${#sources[@]} -eq 0 ]; then
  if [ $unresolved -gt 0 ]; then echo "$tag 0 $unresolved" >>"$result_file"; exit 1; fi
  say "SKIPPED: no source release to upgrade from (see above)."; exit 0
fi
say "RUNNING: Odoo $(tree_series "$PY" "$SRC") from $SRC; upgrading to $current_version from: $(for s in "${sources[@]}"; do printf '%s ' "$(on_series "$(cut -d'|' -f2 <<<"$s")")"; done)"

pg_up || { say "FAILED: could not start PostgreSQL"; echo "$tag 0 1" >>"$result_file"; exit 1; }
work=$(mktemp -d /tmp/sync-bridge-upgrade.XXXXXX)
prefix="${DB_PREFIX:-sbupgrade}_$$"
dbs=()
odoo_pid=""
stop_odoo() { [ -n "$odoo_pid" ] && kill "$odoo_pid" 2>/dev/null && wait "$odoo_pid" 2>/dev/null; odoo_pid=""; }
cleanup() {
  stop_odoo
  if [ "${ODOO_TIER_KEEP:-0}" = "1" ]; then say "kept databases ${dbs[*]} and logs in $work"; return; fi
  for d in "${dbs[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
  pg_down
}
trap cleanup EXIT

addons="$SRC/odoo/addons"
[ -d "$SRC/addons" ] && addons="$addons,$SRC/addons"
conn=(--db_host="$PGHOST" --db_port="${PGPORT:-5432}" --db_user="${PGUSER:-odoo}" --data-dir="$work/data" --without-demo=all --http-interface=127.0.0.1)
[ -n "${PGPASSWORD:-}" ] && conn+=(--db_password="$PGPASSWORD")
odoo() { "$PY" "$SRC/odoo-bin" "$@"; }

passed=0; failed=$unresolved
check() { # check <ok 0|1> <what>
  if [ "$1" -eq 0 ]; then passed=$((passed + 1)); say "  ok: $2"; else failed=$((failed + 1)); say "  FAILED: $2"; fi
}
add_mocha() { local p f; read -r p f <<<"$(mocha_counts "$1")"; passed=$((passed + p)); failed=$((failed + f)); }

# "<table> <rows>" of every sync_* table of database $1.
table_counts() {
  local sql
  sql=$(psql -d "$1" -tAc "SELECT string_agg(format('SELECT %L, count(*) FROM %I', tablename, tablename), ' UNION ALL ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'sync\_%'")
  psql -d "$1" -tA -F' ' -c "$sql"
}

# The template: the addon's dependencies (this release's manifest), installed once.
deps=$("$PY" -c "import ast,sys; print(','.join(ast.literal_eval(open(sys.argv[1]).read())['depends']))" "$root/$manifest_rel")
tmpl="${prefix}_tmpl"; dbs+=("$tmpl")
say "template database: installing $deps ..."
t0=$(date +%s)
if ! odoo "${conn[@]}" --addons-path="$addons" -d "$tmpl" -i "$deps" --stop-after-init >"$work/template.log" 2>&1; then
  say "FAILED: the template's install"; tail -30 "$work/template.log"; echo "$tag 0 1" >>"$result_file"; exit 1
fi
# JSON-2 (Odoo 19+): the admin's API key, made in the template, so every database has it.
admin_key=""
if [ "$major" -ge 19 ]; then
  echo "admin = env.ref('base.user_admin')
print('ADMIN_KEY=' + env['res.users.apikeys'].with_user(admin).sudo()._generate(None, 'sync-bridge upgrade tier', None))
env.cr.commit()" | odoo shell "${conn[@]}" --addons-path="$addons" -d "$tmpl" --no-http >"$work/key.log" 2>&1
  admin_key=$(sed -n 's/^ADMIN_KEY=//p' "$work/key.log")
  [ -n "$admin_key" ] || { say "FAILED: no admin API key for JSON-2"; tail -20 "$work/key.log"; echo "$tag 0 1" >>"$result_file"; exit 1; }
fi
say "template ready ($(( $(date +%s) - t0 ))s)"

mocha_env() { # the e2e environment of database $1 served at $url
  echo ODOO_URL="$url" ODOO_DB="$1" ODOO_SERIES="$(tree_series "$PY" "$SRC")" ODOO_ADMIN_LOGIN=admin ODOO_ADMIN_PASSWORD=admin \
    UPGRADE_TO_VERSION="$current_version" ODOO_PROTOCOL="$([ "$major" -ge 19 ] && echo json2 || echo xmlrpc)" ${admin_key:+ODOO_ADMIN_KEY=$admin_key}
}

# This tree's module: the source, or its port to the series (make_series.py).
new_addons=$root/odoo_addon
if [ "$series" != "$source_series" ]; then
  new_addons=$work/current
  if ! "$PY" "$root/odoo_addon/tools/make_series.py" --series "$series" --out "$new_addons" >"$work/port-current.log" 2>&1; then
    say "FAILED: this tree's port to $series"; cat "$work/port-current.log"; echo "$tag 0 1" >>"$result_file"; exit 1
  fi
fi

# Release $2's sync_bridge (a commit) into folder $1: as is, or ported to the series with that
# release's own make_series.py. Returns 2 when that release has no port to the series.
old_module() {
  local out=$1 commit=$2 tree
  if [ "$series" = "$source_series" ]; then
    git -C "$root" archive "$commit" odoo_addon/sync_bridge | tar -x -C "$out" --strip-components=1; return
  fi
  tree="$out.src"; mkdir -p "$tree"
  git -C "$root" archive "$commit" odoo_addon | tar -x -C "$tree"
  grep -q "^ *\"$series\":" "$tree/odoo_addon/tools/make_series.py" 2>/dev/null || return 2
  "$PY" "$tree/odoo_addon/tools/make_series.py" --series "$series" --out "$out" --src "$tree/odoo_addon/sync_bridge" >"$out.port.log" 2>&1 \
    || { cat "$out.port.log"; return 1; }
}

for s in "${sources[@]}"; do
  IFS='|' read -r label from_version where <<<"$s"
  from_version=$(on_series "$from_version")
  db="${prefix}_$(tr -c 'a-z0-9\n' '_' <<<"$from_version")"; dbs+=("$db")
  old="$work/from-$from_version"
  mkdir -p "$old"
  say "== from $from_version ($label) =="
  if [ -d "$where" ]; then cp -a "$where/sync_bridge" "$old/"
  else
    old_module "$old" "$where"
    case $? in
      0) ;;
      2) say "SKIPPED source '$label': $from_version has no port to $series (its make_series.py has no rules for it)"; continue ;;
      *) check 1 "$from_version ported to $series with its own make_series.py"; continue ;;
    esac
  fi
  createdb -T "$tmpl" "$db" && mkdir -p "$work/data/filestore" && cp -a "$work/data/filestore/$tmpl" "$work/data/filestore/$db" 2>/dev/null
  # 1. the earlier release
  odoo "${conn[@]}" --addons-path="$addons,$old" -d "$db" -i sync_bridge --stop-after-init >"$work/$db.install.log" 2>&1
  got=$(psql -d "$db" -tAc "SELECT latest_version FROM ir_module_module WHERE name = 'sync_bridge' AND state = 'installed'")
  if [ "$got" != "$from_version" ]; then
    check 1 "sync_bridge $from_version installs (found: '${got:-not installed}')"; tail -30 "$work/$db.install.log"; continue
  fi
  check 0 "sync_bridge $from_version installs"
  # 2. work left in it by that release
  state="$work/$db.state.json"
  if ! serve_odoo "$PY" "$SRC" "$work/$db.serve-old.log" 120 "${conn[@]}" --addons-path="$addons,$old" -d "$db"; then
    check 1 "Odoo serves the $from_version database"; tail -30 "$work/$db.serve-old.log"; stop_odoo; continue
  fi
  env $(mocha_env "$db") UPGRADE_STATE="$state" UPGRADE_FROM_VERSION="$from_version" \
    npx mocha --no-config --timeout 300000 --exit "$root/dist/test/upgrade/before.test.js" 2>&1 | tee "$work/$db.before.log"
  add_mocha "$work/$db.before.log"
  stop_odoo
  # 3. the upgrade
  table_counts "$db" >"$work/$db.counts-before"
  t0=$(date +%s)
  odoo "${conn[@]}" --addons-path="$addons,$new_addons" -d "$db" -u sync_bridge --stop-after-init >"$work/$db.upgrade.log" 2>&1
  rc=$?
  got=$(psql -d "$db" -tAc "SELECT latest_version FROM ir_module_module WHERE name = 'sync_bridge' AND state = 'installed'")
  errors=$(grep -cE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$work/$db.upgrade.log")
  if [ $rc -eq 0 ] && [ "$errors" -eq 0 ] && [ "$got" = "$current_version" ]; then
    check 0 "-u sync_bridge: $from_version -> $current_version ($(( $(date +%s) - t0 ))s; migrations: $(grep -oE "module sync_bridge: Running migration \[[^]]*\]" "$work/$db.upgrade.log" | grep -oE "[0-9][0-9.]*[0-9]" | paste -sd, | sed 's/,/, /g'))"
  else
    check 1 "-u sync_bridge: $from_version -> $current_version (exit $rc, $errors ERROR/CRITICAL lines, version now '$got')"
    grep -E " (ERROR|CRITICAL) " -A8 "$work/$db.upgrade.log" | head -60
  fi
  # 4. nothing lost
  table_counts "$db" >"$work/$db.counts-after"
  lost=$(awk 'NR == FNR {after[$1] = $2; next} !($1 in after) || after[$1] < $2 {printf "%s %d -> %s; ", $1, $2, ($1 in after) ? after[$1] : "table gone"}' "$work/$db.counts-after" "$work/$db.counts-before")
  check "$([ -z "$lost" ] && echo 0 || echo 1)" "no sync_* table lost rows ($(wc -l <"$work/$db.counts-before") tables, $(awk '{n += $2} END {print n}' "$work/$db.counts-before") rows before)${lost:+: $lost}"
  # 5. the current sidecar carries on; for the previous release, it also takes over the state
  #    file of that release's sidecar (built here from git history with this tree's node_modules)
  old_sidecar=""
  if [ "$label" = "previous" ] && [ ! -d "$where" ]; then
    deps_of() { node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>console.log(JSON.stringify(JSON.parse(s).dependencies)))'; }
    if [ "$(git -C "$root" show "$where:package.json" | deps_of)" != "$(deps_of <"$root/package.json")" ]; then
      say "  the sidecar of $from_version has other dependencies than this tree: taking over its state file is not tried"
    else
      sc="$work/sidecar-$from_version"
      mkdir -p "$sc"
      git -C "$root" archive "$where" bridge mappings tsconfig.json package.json | tar -x -C "$sc"
      ln -s "$root/node_modules" "$sc/node_modules"
      t0=$(date +%s)
      if (cd "$sc" && npx tsc -p tsconfig.json) >"$work/sidecar-build.log" 2>&1 && [ -f "$sc/dist/bridge/cli.js" ]; then
        check 0 "the sidecar of $from_version builds from git history ($(( $(date +%s) - t0 ))s)"
        old_sidecar=$sc
      else
        check 1 "the sidecar of $from_version builds from git history"; tail -20 "$work/sidecar-build.log"
      fi
    fi
  fi
  if ! serve_odoo "$PY" "$SRC" "$work/$db.serve-new.log" 120 "${conn[@]}" --addons-path="$addons,$new_addons" -d "$db"; then
    check 1 "Odoo serves the upgraded database"; tail -30 "$work/$db.serve-new.log"; stop_odoo; continue
  fi
  env $(mocha_env "$db") UPGRADE_STATE="$state" UPGRADE_FROM_VERSION="$from_version" ODOO_SERVER_LOG="$work/$db.serve-new.log" UPGRADE_OLD_SIDECAR="$old_sidecar" \
    npx mocha --no-config --timeout 300000 --exit "$root/dist/test/upgrade/after.test.js" 2>&1 | tee "$work/$db.after.log"
  add_mocha "$work/$db.after.log"
  stop_odoo
done

say "$tag tier: $passed passed, $failed failed"
echo "$tag $passed $failed" >>"$result_file"
exit 0
