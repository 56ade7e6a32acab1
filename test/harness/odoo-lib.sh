#!/usr/bin/env bash
# Helpers shared by the Odoo harness scripts (sourced). Sets here (test/harness), root (the
# repository) and result_file (TIER_RESULT, where tiers append "<tier> <passed> <failed>"), and
# sources pg.sh (the throwaway PostgreSQL cluster).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
result_file=${TIER_RESULT:-/dev/null}
# shellcheck source=pg.sh
source "$here/pg.sh"

# Major version of an Odoo source tree, read from odoo/release.py (e.g. 18), or nothing.
tree_major() {
  sed -nE "s/^version_info = \(('saas~)?([0-9]+).*/\2/p" "$1/odoo/release.py" 2>/dev/null | head -1
}

# An Odoo source tree of major version $1: ODOO<major>_SRC, else the first of /opt/odoo*/ and
# /usr/src/odoo*/ whose odoo/release.py says that major.
find_series_src() {
  local want=$1 var="ODOO${1}_SRC" c
  if [ -n "${!var:-}" ]; then echo "${!var}"; return 0; fi
  for c in /opt/odoo*/ /usr/src/odoo*/; do
    [ -f "$c/odoo-bin" ] || continue
    [ "$(tree_major "${c%/}")" = "$want" ] && { echo "${c%/}"; return 0; }
  done
  return 1
}

# The Python that runs Odoo: ODOO_PYTHON, else Debian's /usr/bin/python3 when it has Odoo's
# dependencies, else python3. Prints it; fails (after saying why) when it cannot import them.
odoo_python() {
  local py=${ODOO_PYTHON:-}
  if [ -z "$py" ]; then
    if /usr/bin/python3 -c 'import psycopg2, lxml, werkzeug' 2>/dev/null; then py=/usr/bin/python3; else py=python3; fi
  fi
  if ! "$py" -c 'import psycopg2, lxml, werkzeug, babel' 2>/dev/null; then
    echo "$py cannot import Odoo's Python dependencies (psycopg2, lxml, werkzeug, babel); install them (Debian: the python3-* packages in Odoo's debian/control) or set ODOO_PYTHON." >&2
    return 1
  fi
  echo "$py"
}

# A free TCP port on 127.0.0.1; within ODOO_PORT_RANGE ("18660-18679") when that is set (a
# machine shared with other test runs).
free_port() {
  local lo hi p
  if [ -n "${ODOO_PORT_RANGE:-}" ]; then
    lo=${ODOO_PORT_RANGE%-*}; hi=${ODOO_PORT_RANGE#*-}
    for p in $(seq "$lo" "$hi"); do
      node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close())' "$p" 2>/dev/null && { echo "$p"; return 0; }
    done
    echo "no free port in ODOO_PORT_RANGE=$ODOO_PORT_RANGE" >&2; return 1
  fi
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits up to $2 seconds (default 120) for Odoo at $1 to answer, while process $3 lives.
wait_for_odoo() {
  local url=$1 secs=${2:-120} pid=${3:-} _
  for _ in $(seq 1 "$secs"); do
    curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' "$url/web/webclient/version_info" && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
    sleep 1
  done
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' "$url/web/webclient/version_info"
}

# Serves a database for the tests: odoo-bin of source tree $2 run by Python $1 with the
# arguments after $4 (addons path, database, ...), on a free port, one process, no cron thread,
# its output in log file $3. Sets the globals odoo_pid (the caller stops it) and url. Returns 1
# when Odoo does not answer within $4 seconds.
serve_odoo() {
  local py=$1 src=$2 log=$3 secs=$4 port
  shift 4
  port=$(free_port)
  "$py" "$src/odoo-bin" "$@" --http-port="$port" --workers=0 --max-cron-threads=0 >"$log" 2>&1 &
  odoo_pid=$!
  url="http://127.0.0.1:$port"
  wait_for_odoo "$url" "$secs" "$odoo_pid"
}

# Counts of an Odoo test run (-i/-u ... --test-enable --stop-after-init) from its log $1 and
# exit code $2: prints "<passed> <failed>". Odoo prints "<f> failed, <e> error(s) of <n> tests
# when loading database" (the total); without that line a clean run counts the tests started.
# An install that reported loading errors (registry, ParseError) counts at least one failure;
# a run that cannot be read is one failure. Prints the failing tests' lines to stderr.
odoo_test_counts() {
  local log=$1 rc=$2 line nf ne nt failed passed
  line=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database" "$log" | tail -1)
  grep -E "(ERROR|FAIL):" "$log" | head -40 >&2
  if [ -n "$line" ]; then
    read -r nf ne nt <<<"$(sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$line")"
    failed=$((nf + ne)); passed=$((nt - failed))
  elif [ "$rc" -eq 0 ] && ! grep -qE " (ERROR|CRITICAL) " "$log"; then
    passed=$(grep -cE "Starting .*test_" "$log"); failed=0
  else
    passed=0; failed=1
  fi
  if grep -qE " (ERROR|CRITICAL) .*(odoo\.modules\.(loading|registry)|Failed to load registry|ParseError)" "$log"; then
    echo "module install reported errors:" >&2; grep -E " (ERROR|CRITICAL) " "$log" | head -20 >&2
    [ "$failed" -eq 0 ] && failed=1
  fi
  echo "$passed $failed"
}

# Counts of a mocha run from its output $1: prints "<passed> <failed>" (nothing run: 1 failed).
mocha_counts() {
  local p f
  p=$(grep -Eo "^ +[0-9]+ passing" "$1" | grep -Eo "[0-9]+" | tail -1)
  f=$(grep -Eo "^ +[0-9]+ failing" "$1" | grep -Eo "[0-9]+" | tail -1)
  p=${p:-0}; f=${f:-0}
  [ "$p" = "0" ] && [ "$f" = "0" ] && f=1
  echo "$p $f"
}

# The series of an Odoo source tree $2 (run by Python $1), e.g. 17.0, from odoo.release (falls
# back to "<major>.0").
tree_series() {
  local s
  s=$("$1" -c "import sys; sys.path.insert(0, '$2'); import odoo.release as r; print(r.serie)" 2>/dev/null)
  [ -n "$s" ] || s="$(tree_major "$2").0"
  echo "$s"
}

# The addon on any Odoo series: odoo_addon/tools/make_series.py (repository $ROOT) ports
# sync_bridge to the series of source tree $2 (run by Python $1) into $3/sync_bridge, and
# database $4 (created by Odoo) gets it installed with its Odoo tests (-i sync_bridge
# --test-enable --test-tags /sync_bridge --without-demo=all); the arguments after $4 are
# odoo-bin's connection arguments. Messages are prefixed with $say_prefix; logs go to
# $3.port.log and $3.tests.log. Sets the globals addon_series, addon_passed, addon_failed (a
# port or an install that fails counts as one failure; addon_migrations_run adds one check) and
# addon_args (odoo-bin arguments of that database with the ported addon, to serve it). Returns 0
# when sync_bridge is installed.
addon_series_tests() {
  local py=$1 src=$2 out=$3 db=$4 rc t0 addons
  shift 4
  local pfx=${say_prefix:-[addon]}
  addon_series=$(tree_series "$py" "$src")
  addon_passed=0; addon_failed=1
  addons="$src/odoo/addons"
  [ -d "$src/addons" ] && addons="$addons,$src/addons"
  t0=$(date +%s)
  echo "$pfx porting sync_bridge to $addon_series (odoo_addon/tools/make_series.py) ..."
  if ! "$py" "$ROOT/odoo_addon/tools/make_series.py" --series "$addon_series" --out "$out" --force >"$out.port.log" 2>&1; then
    echo "$pfx FAILED: the port to $addon_series:"; cat "$out.port.log"
    return 1
  fi
  cat "$out.port.log"
  addon_args=(--addons-path="$addons,$out" "$@" -d "$db" --without-demo=all)
  echo "$pfx installing sync_bridge (+ its dependencies) on Odoo $addon_series and running its tests ..."
  "$py" "$src/odoo-bin" "${addon_args[@]}" --http-port="$(free_port)" -i sync_bridge \
      --test-enable --test-tags /sync_bridge --stop-after-init --log-level=test >"$out.tests.log" 2>&1
  rc=$?
  read -r addon_passed addon_failed <<<"$(odoo_test_counts "$out.tests.log" "$rc")"
  echo "$pfx addon tests on Odoo $addon_series: $addon_passed passed, $addon_failed failed (exit $rc, $(( $(date +%s) - t0 ))s)"
  [ "$addon_failed" -gt 0 ] && tail -60 "$out.tests.log"
  if ! psql -d "$db" -tAc "SELECT 1 FROM ir_module_module WHERE name = 'sync_bridge' AND state = 'installed'" 2>/dev/null | grep -q 1; then
    echo "$pfx FAILED: sync_bridge is not installed on $db (see above)"
    [ "$addon_failed" -gt 0 ] || addon_failed=1
    return 1
  fi
  addon_migrations_run "$py" "$src" "$out" "$db" && addon_passed=$((addon_passed + 1)) || addon_failed=$((addon_failed + 1))
  return 0
}

# The module's migration scripts run on this series (make_series.py names their folders after
# the series): database $4, with the ported module of $3/sync_bridge installed, is set back to
# release <series>.1.0.0 and upgraded (-u sync_bridge, arguments addon_args); Odoo must run every
# migrations/<series>.x.y.z/ script, exit 0 and log no ERROR. Returns 0 when it did.
addon_migrations_run() {
  local py=$1 src=$2 out=$3 db=$4 rc want got missing="" v
  local pfx=${say_prefix:-[addon]}
  want=$(ls "$out/sync_bridge/migrations" 2>/dev/null | grep -E '^[0-9]+\.0\.[0-9.]+$' | sort -V)
  psql -d "$db" -qc "UPDATE ir_module_module SET latest_version = '$addon_series.1.0.0' WHERE name = 'sync_bridge'" >/dev/null
  "$py" "$src/odoo-bin" "${addon_args[@]}" --http-port="$(free_port)" -u sync_bridge --stop-after-init >"$out.migrate.log" 2>&1
  rc=$?
  got=$(grep -oE "module sync_bridge: Running migration \[[^]]*\]" "$out.migrate.log" | grep -oE "[0-9]+\.0\.[0-9.]*[0-9]" | sort -uV)
  for v in $want; do grep -qx "$v" <<<"$got" || missing="$missing $v"; done
  if [ $rc -eq 0 ] && [ -n "$want" ] && [ -z "$missing" ] && ! grep -qE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$out.migrate.log"; then
    echo "$pfx migrations on Odoo $addon_series: $(echo $want | tr ' ' ',') ran (upgrade from $addon_series.1.0.0)"
    return 0
  fi
  echo "$pfx FAILED: migrations on Odoo $addon_series (exit $rc; expected: ${want:-none found}; not run:${missing:- none}) — log: $out.migrate.log"
  grep -E " (ERROR|CRITICAL) " -A6 "$out.migrate.log" | head -30
  return 1
}
