# Helpers for .ci/run: install and run the servers the tests use, on loopback only.
PG_BIN=""

ensure_packages() {
  local need=()
  find_pg_bin || need+=(postgresql)
  # The IMAP tests start their own Dovecot from a temp-dir config; CI only installs it.
  find_dovecot || need+=(dovecot-imapd)
  if ((${#need[@]})); then
    echo "CI: installing ${need[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    find_pg_bin
  fi
}

find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then PG_BIN="$d"; return 0; fi
  done
  return 1
}

find_dovecot() {
  command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]
}

dovecot_version() { "$(command -v dovecot || echo /usr/sbin/dovecot)" --version | awk '{print $1}'; }

pg_version() { "$PG_BIN/postgres" --version | awk '{print $3}'; }

start_postgres() {
  PGPORT=${PGPORT:-55432}
  PGDATA_DIR=$(mktemp -d /tmp/tradehub-pg.XXXXXX)
  chown postgres "$PGDATA_DIR"
  su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D '$PGDATA_DIR/data' -U tradehub --auth=trust -E UTF8 >/dev/null"
  su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PGDATA_DIR/data' -l '$PGDATA_DIR/log' -w \
      -o \"-h 127.0.0.1 -p $PGPORT -k '$PGDATA_DIR' -c fsync=off -c max_connections=200\" start >/dev/null"
  export PGPORT PGDATA_DIR
}

stop_postgres() {
  if [ -n "${PGDATA_DIR:-}" ] && [ -d "$PGDATA_DIR/data" ]; then
    su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PGDATA_DIR/data' -m fast stop >/dev/null" || true
    rm -rf "$PGDATA_DIR"
  fi
}
