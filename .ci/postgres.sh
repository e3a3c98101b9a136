#!/usr/bin/env bash
# A throwaway PostgreSQL server for the approvals tests and benchmark, on 127.0.0.1 only.
#
#   source .ci/postgres.sh          # start (or reuse) the server; exports AIRLOCK_TEST_DATABASE_URL
#   bash .ci/postgres.sh [start]    # same, and prints the `export` lines (eval "$(bash .ci/postgres.sh)")
#   bash .ci/postgres.sh restart    # restart the running server (the tests use it to kill connections)
#   bash .ci/postgres.sh stop       # stop it and delete its data
#
# Installs Debian's `postgresql` with apt-get when no server binaries are found (needs root).
# Idempotent: a second call finds the running server through its state directory and reuses it.
# Runs as root: Postgres refuses to run as root, so the server runs as the `postgres` user (or a
# created `airlockpg` user when that one does not exist).
#
# Exports:
#   AIRLOCK_TEST_DATABASE_URL  superuser URL of database `airlock_test` (migrations, tampering)
#   AIRLOCK_TEST_PG_STATE      the state directory (data, socket, log, env file)

airlock_pg_main() {
  local cmd="${1:-start}"
  local state="${AIRLOCK_TEST_PG_STATE:-${TMPDIR:-/tmp}/airlock-pg-$(id -u)}"
  local data="$state/data" sock="$state/sock" log="$state/server.log" envfile="$state/env.sh"
  local admin_user="airlock_admin" admin_password="airlock_admin" db="airlock_test"

  # --- server binaries -------------------------------------------------------------------------
  local bindir=""
  airlock_pg_find_bindir() {
    local d
    bindir=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
      if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then bindir="$d"; return 0; fi
    done
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
      bindir="$(dirname "$(command -v pg_ctl)")"; return 0
    fi
    return 1
  }
  if ! airlock_pg_find_bindir; then
    if [ "$(id -u)" != "0" ]; then
      echo "postgres.sh: no PostgreSQL server found and not root; install Debian's \`postgresql\` package" >&2
      return 1
    fi
    echo "postgres.sh: installing Debian's postgresql package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || { echo "postgres.sh: apt-get update failed" >&2; return 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 \
      || { echo "postgres.sh: apt-get install postgresql failed" >&2; return 1; }
    airlock_pg_find_bindir || { echo "postgres.sh: postgresql installed but pg_ctl/initdb not found" >&2; return 1; }
  fi

  # --- who runs the server -----------------------------------------------------------------------
  local run_as=""
  if [ "$(id -u)" = "0" ]; then
    if id postgres >/dev/null 2>&1; then
      run_as="postgres"
    else
      id airlockpg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin airlockpg \
        || { echo "postgres.sh: could not create user airlockpg" >&2; return 1; }
      run_as="airlockpg"
    fi
  fi
  # Runs a server binary as the server's user (a plain call when not root).
  airlock_pg_as() {
    if [ -n "$run_as" ]; then
      runuser -u "$run_as" -- "$@"
    else
      "$@"
    fi
  }
  airlock_pg_running() { [ -f "$data/PG_VERSION" ] && airlock_pg_as "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

  case "$cmd" in
    stop)
      if airlock_pg_running; then airlock_pg_as "$bindir/pg_ctl" -D "$data" -m fast -w stop >&2; fi
      rm -rf "$state"
      return 0
      ;;
    restart)
      [ -f "$envfile" ] || { echo "postgres.sh: no server state in $state; run \`bash .ci/postgres.sh\` first" >&2; return 1; }
      airlock_pg_as "$bindir/pg_ctl" -D "$data" -l "$log" -m fast -w -t 60 restart >&2 \
        || { echo "postgres.sh: restart failed; see $log" >&2; return 1; }
      return 0
      ;;
    start) ;;
    *)
      echo "postgres.sh: unknown command \"$cmd\"; use start, restart or stop" >&2
      return 2
      ;;
  esac

  # --- reuse a running server --------------------------------------------------------------------
  if [ -f "$envfile" ] && airlock_pg_running; then
    # shellcheck disable=SC1090
    . "$envfile"
    export AIRLOCK_TEST_DATABASE_URL AIRLOCK_TEST_PG_STATE
    return 0
  fi

  # --- a stopped server with state: start it again; otherwise initialise a new cluster ------------
  airlock_pg_init() {
    rm -rf "$data" "$sock" "$envfile"
    mkdir -p "$data" "$sock"
    [ -n "$run_as" ] && chown "$run_as" "$data" "$sock" "$state"
    chmod 700 "$data"
    airlock_pg_as "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
      || airlock_pg_as "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --no-locale >"$state/initdb.log" 2>&1 \
      || { echo "postgres.sh: initdb failed; see $state/initdb.log" >&2; return 1; }
  }
  # A free port on 127.0.0.1 (the first in a range that nothing answers on), then start.
  local port=""
  airlock_pg_start() {
    local p
    port=""
    for p in $(seq $((54320 + RANDOM % 500)) 55999); do
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port="$p"; break; fi
    done
    [ -n "$port" ] || { echo "postgres.sh: no free port between 54320 and 55999" >&2; return 1; }
    mkdir -p "$sock"
    touch "$log"
    [ -n "$run_as" ] && chown "$run_as" "$log" "$sock"
    airlock_pg_as "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=200" start >&2
  }
  mkdir -p "$state"
  chmod 755 "$state"
  if [ ! -f "$data/PG_VERSION" ] || [ ! -f "$envfile" ]; then
    airlock_pg_init || return 1
  fi
  if ! airlock_pg_start; then
    # A cluster left by an ended session may not start again (a stale lock file): begin anew once.
    echo "postgres.sh: could not start the existing cluster; initialising a new one" >&2
    tail -n 5 "$log" >&2
    airlock_pg_init || return 1
    airlock_pg_start || { echo "postgres.sh: server did not start; see $log" >&2; tail -n 20 "$log" >&2; return 1; }
  fi

  # Roles and database, created once (psql over the socket as the bootstrap superuser).
  local psql=("$bindir/psql" -h "$sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -X)
  airlock_pg_as "${psql[@]}" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$admin_user') THEN
        CREATE ROLE $admin_user LOGIN SUPERUSER PASSWORD '$admin_password';
      END IF;
    END \$\$;" >&2 || { echo "postgres.sh: could not create role $admin_user" >&2; return 1; }
  if [ "$(airlock_pg_as "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    airlock_pg_as "${psql[@]}" -c "CREATE DATABASE $db OWNER $admin_user" >&2 \
      || { echo "postgres.sh: could not create database $db" >&2; return 1; }
  fi

  AIRLOCK_TEST_DATABASE_URL="postgres://$admin_user:$admin_password@127.0.0.1:$port/$db"
  AIRLOCK_TEST_PG_STATE="$state"
  printf 'AIRLOCK_TEST_DATABASE_URL=%q\nAIRLOCK_TEST_PG_STATE=%q\n' "$AIRLOCK_TEST_DATABASE_URL" "$AIRLOCK_TEST_PG_STATE" >"$envfile"
  export AIRLOCK_TEST_DATABASE_URL AIRLOCK_TEST_PG_STATE
  return 0
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: export into the caller's shell and say where the server is.
  if airlock_pg_main "${1:-start}"; then
    if [ "${1:-start}" = "start" ]; then echo "postgres.sh: AIRLOCK_TEST_DATABASE_URL=$AIRLOCK_TEST_DATABASE_URL" >&2; fi
  else
    echo "postgres.sh: failed" >&2
    return 1
  fi
else
  airlock_pg_main "${1:-start}" || exit $?
  if [ "${1:-start}" = "start" ]; then
    printf 'export AIRLOCK_TEST_DATABASE_URL=%q\nexport AIRLOCK_TEST_PG_STATE=%q\n' "$AIRLOCK_TEST_DATABASE_URL" "$AIRLOCK_TEST_PG_STATE"
  fi
fi
