#!/usr/bin/env bash
# Helpers shared by the Odoo harness scripts (sourced).

# Major version of an Odoo source tree, read from odoo/release.py (e.g. 18), or nothing.
tree_major() {
  sed -nE "s/^version_info = \(('saas~)?([0-9]+).*/\2/p" "$1/odoo/release.py" 2>/dev/null | head -1
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

# A free TCP port on 127.0.0.1.
free_port() {
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
