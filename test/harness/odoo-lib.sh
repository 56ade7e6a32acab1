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
