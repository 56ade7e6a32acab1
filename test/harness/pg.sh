#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the real-Odoo tier.
#   source test/harness/pg.sh; pg_up; ...; pg_down
# pg_up sets PGHOST, PGPORT, PGUSER (trust auth on 127.0.0.1) unless PGHOST is already
# given, in which case the configured server is used as is and pg_down does nothing.
# initdb refuses to run as root, so as root the cluster runs as the 'postgres' system user.

pg__bin() {
  local b
  for b in "${PG_BINDIR:-}" "$(dirname "$(command -v initdb 2>/dev/null || echo /x/x)")" /usr/lib/postgresql/*/bin; do
    [ -n "$b" ] && [ -x "$b/initdb" ] && { echo "$b"; return 0; }
  done
  return 1
}

pg__free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pg__as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_up() {
  if [ -n "${PGHOST:-}" ]; then
    PG_OWNED=0
    echo "[pg] using configured PostgreSQL at ${PGHOST}:${PGPORT:-5432}"
    return 0
  fi
  local bin; bin=$(pg__bin) || { echo "[pg] no initdb found (install Debian's postgresql)"; return 1; }
  PG_DIR=$(mktemp -d /tmp/sync-bridge-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" = "0" ] && chown postgres "$PG_DIR"
  local port; port=$(pg__free_port)
  pg__as_owner "$bin/initdb" -D "$PG_DIR/data" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { echo "[pg] initdb failed:"; tail -20 "$PG_DIR/initdb.log"; return 1; }
  pg__as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -h 127.0.0.1 -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
    || { echo "[pg] server did not start:"; tail -20 "$PG_DIR/server.log"; return 1; }
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=odoo
  PG_OWNED=1; PG_BIN=$bin
  echo "[pg] throwaway cluster on 127.0.0.1:$port ($PG_DIR)"
}

pg_down() {
  if [ "${PG_OWNED:-0}" = "1" ] && [ -n "${PG_DIR:-}" ]; then
    pg__as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_OWNED=0
    echo "[pg] throwaway cluster removed"
  fi
}
