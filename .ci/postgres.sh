#!/usr/bin/env bash
# A throwaway PostgreSQL server for the approvals tests and benchmark, on 127.0.0.1 only.
#
#   bash .ci/postgres.sh [start]    # start (or reuse) the server; prints the `export` lines (eval "$(bash .ci/postgres.sh)")
#   source .ci/postgres.sh          # same, and exports them into the calling shell
#   bash .ci/postgres.sh restart    # restart the running server (the tests use it to kill connections)
#   bash .ci/postgres.sh stop       # stop it and delete its data
#
# No one needs to start it before `npm test`: the tests call this script when they first need a
# server, and the test runner stops the one its run started.
#
# State: AIRLOCK_TEST_PG_STATE, else $TMPDIR/airlock-pg-<uid>. Each state directory is one cluster.
# Running as root, the server runs as the `postgres` user (or a created `airlockpg` user), since
# Postgres refuses root; when that user cannot reach the state directory (a `mktemp -d` TMPDIR is
# 0700) or the socket path would be too long, the cluster's own files (data, socket, log) live in
# /tmp/airlock-pg-srv-<uid>-<hash of the state path> instead. Installs Debian's `postgresql` with
# apt-get when no server binaries are found (needs root).
#
# Concurrency: test processes call this in parallel. Every command holds an exclusive flock on
# `<state>.lock` (next to the state directory, so `stop` never deletes a lock someone waits on),
# waits for it at most AIRLOCK_PG_LOCK_WAIT seconds (default 60) and then fails naming the
# processes that have it open. The server and everything else this script starts run with every
# descriptor above 2 closed, so nothing it leaves running holds that lock (or a caller's lock or
# pipe): the lock is free the moment the command returns. Callers need no `flock` of their own.
# A second `start` finds the running server through its state directory and reuses it.
#
# Exports:
#   AIRLOCK_TEST_DATABASE_URL  superuser URL of database `airlock_test` (migrations, tampering)
#   AIRLOCK_TEST_PG_STATE      the state directory (env file, initdb log; the cluster unless moved)

# Runs "$@" with no open descriptor but 0, 1 and 2, so a process it leaves behind (the server that
# pg_ctl starts, a service that a package's postinst starts) inherits no lock and no pipe.
airlock_pg_detached() {
  (
    fd=""
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      case "$fd" in '' | *[!0-9]*) continue ;; esac
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    # Without /proc, at least the lock this script holds.
    if [ -n "${airlock_pg_lockfd:-}" ]; then eval "exec ${airlock_pg_lockfd}>&-" 2>/dev/null || true; fi
    "$@"
  )
}

# The processes that have file $1 open, as "pid command" (for the error when a lock stays held).
airlock_pg_openers() {
  local link pid out=""
  for link in $(find /proc/[0-9]*/fd -lname "$1" 2>/dev/null); do
    pid="${link#/proc/}"
    pid="${pid%%/*}"
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
    out="$out; pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120 | sed 's/ *$//'))"
  done
  printf '%s' "${out#; }"
}

# Takes an exclusive flock on file $1 within $2 seconds ($3 says what for); the descriptor is kept
# in airlock_pg_lockfd until airlock_pg_unlock.
airlock_pg_lock() {
  local file="$1" wait="$2" what="$3" fd
  exec {fd}>>"$file" || { echo "postgres.sh: cannot open the lock file $file" >&2; return 1; }
  if ! flock -n "$fd"; then
    echo "postgres.sh: waiting up to ${wait} s for $file ($what)" >&2
    if ! flock -w "$wait" "$fd"; then
      exec {fd}>&-
      local who
      who="$(airlock_pg_openers "$file")"
      echo "postgres.sh: gave up after ${wait} s waiting for the lock $file ($what); it is open in ${who:-no process that /proc shows}. If that process is stuck, end it (or \`bash .ci/postgres.sh stop\` with its AIRLOCK_TEST_PG_STATE) and run again; AIRLOCK_PG_LOCK_WAIT sets the wait" >&2
      return 1
    fi
  fi
  airlock_pg_lockfd="$fd"
}

airlock_pg_unlock() {
  if [ -n "${airlock_pg_lockfd:-}" ]; then
    eval "exec ${airlock_pg_lockfd}>&-"
    airlock_pg_lockfd=""
  fi
}

# Sets bindir to a directory holding pg_ctl, initdb and postgres.
airlock_pg_find_bindir() {
  local d
  bindir=""
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then bindir="$d"; return 0; fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    bindir="$(dirname "$(command -v pg_ctl)")"
    return 0
  fi
  return 1
}

# Installs Debian's postgresql, once per machine even when several processes ask at the same time.
airlock_pg_install() {
  if [ "$(id -u)" != "0" ]; then
    echo "postgres.sh: no PostgreSQL server found and not root; install Debian's \`postgresql\` package" >&2
    return 1
  fi
  local lockdir=/run/lock
  [ -d "$lockdir" ] && [ -w "$lockdir" ] || lockdir=/tmp
  # apt-get update and install can take minutes: a longer wait than the cluster lock's.
  airlock_pg_lock "$lockdir/airlock-pg-install.lock" "${AIRLOCK_PG_INSTALL_WAIT:-900}" "another postgres.sh is installing postgresql" || return 1
  local rc=0 alog
  if ! airlock_pg_find_bindir; then
    alog="$(mktemp "${TMPDIR:-/tmp}/airlock-pg-apt.XXXXXX")"
    echo "postgres.sh: installing Debian's postgresql package (log: $alog)" >&2
    # Detached, with its output in a file: a server that the package's postinst may start keeps
    # neither this script's lock nor the caller's pipe open.
    if ! airlock_pg_detached env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq </dev/null >"$alog" 2>&1; then
      echo "postgres.sh: apt-get update failed:" >&2
      tail -n 20 "$alog" >&2
      rc=1
    elif ! airlock_pg_detached env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends postgresql </dev/null >>"$alog" 2>&1; then
      echo "postgres.sh: apt-get install postgresql failed:" >&2
      tail -n 20 "$alog" >&2
      rc=1
    elif ! airlock_pg_find_bindir; then
      echo "postgres.sh: postgresql installed but pg_ctl/initdb not found" >&2
      rc=1
    fi
  fi
  airlock_pg_unlock
  return "$rc"
}

# Runs a server binary as the server's user (a plain call when not root).
airlock_pg_as() {
  if [ -n "$run_as" ]; then
    runuser -u "$run_as" -- "$@"
  else
    "$@"
  fi
}

airlock_pg_running() { [ -f "$data/PG_VERSION" ] && airlock_pg_as "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

airlock_pg_init() {
  rm -rf "$data" "$sock" "$envfile"
  mkdir -p "$data" "$sock"
  if [ -n "$run_as" ]; then chown "$run_as" "$srv" "$data" "$sock"; fi
  chmod 700 "$data"
  airlock_pg_as "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
    || airlock_pg_as "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --no-locale >"$state/initdb.log" 2>&1 \
    || { echo "postgres.sh: initdb failed; see $state/initdb.log:" >&2; tail -n 5 "$state/initdb.log" >&2; return 1; }
}

# Starts the cluster on a free port on 127.0.0.1 (the first in a range that nothing answers on);
# sets port. Another cluster may take the same port between the probe and the bind: retried.
airlock_pg_start() {
  local p attempt
  for attempt in 1 2 3; do
    port=""
    for p in $(seq $((54320 + RANDOM % 1500)) 55999) $(seq 54320 55999); do
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port="$p"; break; fi
    done
    [ -n "$port" ] || { echo "postgres.sh: no free port between 54320 and 55999" >&2; return 1; }
    mkdir -p "$sock"
    touch "$log"
    if [ -n "$run_as" ]; then chown "$run_as" "$log" "$sock"; fi
    if airlock_pg_detached airlock_pg_as "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=200" start </dev/null >&2; then
      return 0
    fi
    grep -q "could not bind\|Address already in use" "$log" 2>/dev/null || return 1
  done
  return 1
}

airlock_pg_main() {
  local cmd="${1:-start}"
  case "$cmd" in
    start | restart | stop) ;;
    *)
      echo "postgres.sh: unknown command \"$cmd\"; use start, restart or stop" >&2
      return 2
      ;;
  esac
  local airlock_pg_lockfd=""
  local state="${AIRLOCK_TEST_PG_STATE:-${TMPDIR:-/tmp}/airlock-pg-$(id -u)}"
  case "$state" in /*) ;; *) state="$PWD/$state" ;; esac
  state="${state%/}"
  local admin_user="airlock_admin" admin_password="airlock_admin" db="airlock_test"
  local envfile="$state/env.sh"

  # --- server binaries -------------------------------------------------------------------------
  local bindir=""
  airlock_pg_find_bindir || airlock_pg_install || return 1

  # --- who runs the server, and where its files live ---------------------------------------------
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
  mkdir -p "$(dirname "$state")" || return 1
  local srv="$state"
  local moved="/tmp/airlock-pg-srv-$(id -u)-$(printf '%s' "$state" | sha256sum | cut -c1-12)"
  # 107 bytes is the longest Unix socket path.
  if [ ${#state} -gt 70 ] || { [ -n "$run_as" ] && ! runuser -u "$run_as" -- test -x "$(dirname "$state")"; }; then
    srv="$moved"
  fi
  local data="$srv/data" sock="$srv/sock" log="$srv/server.log"

  # --- one command at a time per cluster ---------------------------------------------------------
  airlock_pg_lock "$state.lock" "${AIRLOCK_PG_LOCK_WAIT:-60}" "another postgres.sh is using this cluster" || return 1
  local rc=0
  airlock_pg_locked "$cmd" || rc=$?
  airlock_pg_unlock
  return "$rc"
}

# The command, run with the cluster's lock held (variables from airlock_pg_main).
airlock_pg_locked() {
  case "$1" in
    stop)
      if airlock_pg_running; then airlock_pg_as "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >&2 </dev/null; fi
      rm -rf "$state" "$moved"
      return 0
      ;;
    restart)
      [ -f "$envfile" ] || { echo "postgres.sh: no server state in $state; run \`bash .ci/postgres.sh\` first" >&2; return 1; }
      airlock_pg_detached airlock_pg_as "$bindir/pg_ctl" -D "$data" -l "$log" -m fast -w -t 30 restart </dev/null >&2 \
        || { echo "postgres.sh: restart failed; see $log" >&2; tail -n 5 "$log" >&2; return 1; }
      return 0
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
  mkdir -p "$state" "$srv"
  chmod 755 "$state" "$srv"
  local port=""
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
  local psql=(env PGCONNECT_TIMEOUT=10 "$bindir/psql" -h "$sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -X)
  airlock_pg_as "${psql[@]}" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$admin_user') THEN
        CREATE ROLE $admin_user LOGIN SUPERUSER PASSWORD '$admin_password';
      END IF;
    END \$\$;" >&2 </dev/null || { echo "postgres.sh: could not create role $admin_user" >&2; return 1; }
  if [ "$(airlock_pg_as "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" </dev/null)" != "1" ]; then
    airlock_pg_as "${psql[@]}" -c "CREATE DATABASE $db OWNER $admin_user" >&2 </dev/null \
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
