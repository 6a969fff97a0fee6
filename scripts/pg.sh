#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local development: no system service, no password.
#   scripts/pg.sh start DIR   initdb into DIR (unless already there), start on 127.0.0.1 at a free
#                             port with its socket in DIR and trust auth; prints the URL
#                             postgresql://postgres@127.0.0.1:PORT/postgres and writes it to DIR/url
#   scripts/pg.sh stop DIR    stop it (fast shutdown); DIR stays, remove it yourself
#   scripts/pg.sh url DIR     print the URL of a running cluster
# PostgreSQL's binaries are taken from $PGBIN, else the newest /usr/lib/postgresql/*/bin.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user (DIR is chowned).
# initdb runs with --no-sync (a throwaway cluster); the server keeps fsync on.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
DATA="$DIR/data"

if [ -z "${PGBIN:-}" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql, or set PGBIN)" >&2
  exit 1
fi

# Runs a command as the cluster's owner: postgres when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    local q=""
    for a in "$@"; do q+=" $(printf '%q' "$a")"; done
    su postgres -s /bin/sh -c "$q"
  else
    "$@"
  fi
}

free_port() {
  # Ask the kernel for a free port (bind to port 0), then release it for PostgreSQL.
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    local p
    for _ in $(seq 1 100); do
      p=$(( (RANDOM % 20000) + 30000 ))
      (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
    echo "pg.sh: no free port found" >&2; return 1
  fi
}

case "$cmd" in
  start)
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$PGBIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=trust \
        -E UTF8 --locale=C.UTF-8 --no-instructions --no-sync >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    if as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      cat "$DIR/url"
      exit 0
    fi
    # A free port can be taken between choosing it and binding it; try a few.
    for attempt in 1 2 3 4 5; do
      PORT=$(free_port)
      # Test settings: fsync stays on; small shared_buffers; room for several server instances' pools.
      if as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 start \
          -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c shared_buffers=64MB" \
          >/dev/null 2>&1; then
        URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
        echo "$URL" >"$DIR/url"
        echo "$URL"
        exit 0
      fi
    done
    echo "pg.sh: PostgreSQL did not start; see $DIR/server.log" >&2
    tail -n 20 "$DIR/server.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ] && as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    ;;
  url)
    cat "$DIR/url"
    ;;
  *) usage ;;
esac
