#!/usr/bin/env bash
# Run the relkit test suite: ./scripts/test.sh [go test args]
# (default args: -race -count=1 ./...; with ./... the tests of the otel
# module run too)
#
# Sets up everything the tests need on a fresh Debian 12 machine:
#   - a running local PostgreSQL cluster with role/password relkit and
#     database relkit_test (skipped if RELKIT_PG_DSN is already set, or if
#     RELKIT_SKIP_PG=1 outside CI);
#   - a running local MariaDB server (Debian package mariadb-server, run as
#     the mysql user) with user/password relkit and database relkit_test
#     (skipped if RELKIT_MYSQL_DSN is already set, or if RELKIT_SKIP_MYSQL=1
#     outside CI);
#   - gcc, because cgo is needed by github.com/mattn/go-sqlite3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$#" -eq 0 ] && set -- -race -count=1 ./...

log() { echo "test.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Commands that need root: run directly as root, else through sudo.
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
need_root() {
  [ "${#SUDO[@]}" -eq 0 ] || command -v sudo >/dev/null ||
    die "$1 needs root, and sudo is not available; run as root or install it yourself"
}

# apt-get install, running 'apt-get update' once per script run.
APT_UPDATED=0
apt_install() {
  need_root "installing $*"
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Run a command as the postgres OS user (PostgreSQL refuses to run as root;
# psql as postgres authenticates by peer over the Unix socket). cd / avoids
# "could not change directory" warnings.
as_postgres() {
  if [ "$(id -un)" = postgres ]; then (cd / && "$@")
  elif [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then (cd / && runuser -u postgres -- "$@")
  elif [ "$(id -u)" -eq 0 ]; then (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
  else need_root "running commands as postgres"; (cd / && sudo -u postgres -- "$@")
  fi
}

# Print "<version> <name> <port> <status>" of the cluster to use: the one
# named main (highest version), else the first one; nothing if none exists.
cluster_info() {
  local all; all="$(pg_lsclusters -h 2>/dev/null || true)"
  { awk '$2 == "main"' <<<"$all" | tail -n 1; head -n 1 <<<"$all"; } |
    awk 'NF { print $1, $2, $3, $4; exit }'
}

setup_postgres() {
  local t0=$SECONDS

  # 1. Install PostgreSQL if the cluster tools or server binaries are missing.
  if ! command -v pg_ctlcluster >/dev/null ||
     ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    apt_install postgresql
  fi

  # 2. Create a cluster if there is none (the package normally creates one).
  if [ -z "$(cluster_info)" ]; then
    local ver
    ver="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"
    log "creating PostgreSQL cluster $ver/main"
    need_root "pg_createcluster"
    "${SUDO[@]}" pg_createcluster "$ver" main >/dev/null
  fi

  local ver name port status
  read -r ver name port status < <(cluster_info)

  # 3. Start the cluster if it is down (pg_ctlcluster switches to the
  #    postgres user when run as root; fall back to running it as postgres).
  if [[ "$status" != online* ]]; then
    log "starting PostgreSQL cluster $ver/$name"
    "${SUDO[@]}" pg_ctlcluster "$ver" "$name" start ||
      as_postgres pg_ctlcluster "$ver" "$name" start ||
      die "could not start PostgreSQL cluster $ver/$name (see /var/log/postgresql/)"
  fi

  # 4. Wait (at most ~30 s) until it accepts TCP connections on 127.0.0.1.
  local i
  for ((i = 0; i < 60; i++)); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" ||
    die "PostgreSQL $ver/$name is not ready on 127.0.0.1:$port after 30 s"

  # 5. Create (or reset) role relkit and database relkit_test, idempotently.
  #    SUPERUSER because the tests create and drop schemas.
  as_postgres psql -q -X -v ON_ERROR_STOP=1 -p "$port" -d postgres <<'SQL' >/dev/null
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'relkit') THEN
    CREATE ROLE relkit LOGIN SUPERUSER PASSWORD 'relkit';
  ELSE
    ALTER ROLE relkit LOGIN SUPERUSER PASSWORD 'relkit';
  END IF;
END $$;
SELECT 'CREATE DATABASE relkit_test OWNER relkit'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'relkit_test') \gexec
SQL

  # 6. Check that password login over TCP works, as the tests will use it.
  PGPASSWORD=relkit psql -X -q -At -h 127.0.0.1 -p "$port" -U relkit -d relkit_test \
    -c 'select 1' >/dev/null ||
    die "cannot log in as relkit on 127.0.0.1:$port (check pg_hba.conf)"

  export RELKIT_PG_DSN="postgres://relkit:relkit@127.0.0.1:$port/relkit_test?sslmode=disable"
  log "PostgreSQL $ver/$name ready ($((SECONDS - t0)) s)"
}

# PostgreSQL: use the caller's DSN if given; optionally skip locally.
if [ -n "${RELKIT_PG_DSN:-}" ]; then
  log "using RELKIT_PG_DSN from the environment; skipping PostgreSQL set-up"
elif [ "${RELKIT_SKIP_PG:-}" = 1 ] && [ "${CI:-}" != true ]; then
  log "RELKIT_SKIP_PG=1: skipping PostgreSQL set-up (PostgreSQL tests will skip)"
else
  [ "${RELKIT_SKIP_PG:-}" = 1 ] && log "CI=true: ignoring RELKIT_SKIP_PG=1"
  setup_postgres
fi

# Run a command as the mysql OS user (mariadbd refuses to run as root
# unless told to).
as_mysql() {
  if [ "$(id -un)" = mysql ]; then (cd / && "$@")
  elif [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then (cd / && runuser -u mysql -- "$@")
  elif [ "$(id -u)" -eq 0 ]; then (cd / && su mysql -s /bin/sh -c "$(printf '%q ' "$@")")
  else need_root "running commands as mysql"; (cd / && sudo -u mysql -- "$@")
  fi
}

MYSQL_SOCKET=/run/mysqld/mysqld.sock
MYSQL_PORT="${RELKIT_MYSQL_PORT:-3306}"

# mysql_root runs the mariadb client as the server's root account, which
# authenticates the OS root user over the Unix socket.
mysql_root() { "${SUDO[@]}" mariadb --protocol=socket -S "$MYSQL_SOCKET" -u root "$@"; }

mysql_alive() { "${SUDO[@]}" mariadb-admin --protocol=socket -S "$MYSQL_SOCKET" -u root ping >/dev/null 2>&1; }

setup_mariadb() {
  local t0=$SECONDS
  # 1. Install MariaDB if the server is missing.
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    apt_install mariadb-server
  fi
  local mariadbd=/usr/sbin/mariadbd
  [ -x "$mariadbd" ] || mariadbd="$(command -v mariadbd)"

  # 2. Start it if it is not running (there is no systemd: run mariadbd as
  #    mysql in the background, detached from this script's output). The
  #    data directory is created when the package did not.
  if ! mysql_alive; then
    need_root "starting MariaDB"
    "${SUDO[@]}" mkdir -p /run/mysqld /var/log/mysql
    "${SUDO[@]}" chown mysql:mysql /run/mysqld /var/log/mysql
    # A server that was killed leaves its socket behind.
    "${SUDO[@]}" rm -f "$MYSQL_SOCKET"
    if [ ! -d /var/lib/mysql/mysql ]; then
      log "initialising the MariaDB data directory"
      "${SUDO[@]}" mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    fi
    log "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
    # Durability is traded for speed (a test server): no flush at each
    # commit, no doublewrite buffer.
    as_mysql setsid "$mariadbd" --datadir=/var/lib/mysql --socket="$MYSQL_SOCKET" \
      --port="$MYSQL_PORT" --bind-address=127.0.0.1 --skip-log-bin \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
      --innodb-buffer-pool-size=256M --max-connections=500 \
      --log-error=/var/log/mysql/relkit-test.err </dev/null >/dev/null 2>&1 &
    local i
    for ((i = 0; i < 60; i++)); do
      mysql_alive && break
      sleep 0.5
    done
    mysql_alive || die "MariaDB did not start in 30 s (see /var/log/mysql/relkit-test.err)"
  fi

  # 3. Create (or reset) user relkit and database relkit_test. The tests
  #    create and drop a database each, so relkit gets every privilege.
  mysql_root <<'SQL' >/dev/null
CREATE USER IF NOT EXISTS 'relkit'@'127.0.0.1' IDENTIFIED BY 'relkit';
CREATE USER IF NOT EXISTS 'relkit'@'localhost' IDENTIFIED BY 'relkit';
ALTER USER 'relkit'@'127.0.0.1' IDENTIFIED BY 'relkit';
ALTER USER 'relkit'@'localhost' IDENTIFIED BY 'relkit';
GRANT ALL PRIVILEGES ON *.* TO 'relkit'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'relkit'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS relkit_test;
SQL

  # 4. Check that password login over TCP works, as the tests will use it.
  mariadb --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u relkit -prelkit relkit_test \
    -e 'select 1' >/dev/null ||
    die "cannot log in to MariaDB as relkit on 127.0.0.1:$MYSQL_PORT"

  # Leftover databases of killed test runs.
  local stale
  stale="$(mysql_root -N -e "select schema_name from information_schema.schemata where schema_name like 'relkit\\_t\\_%'")"
  for db in $stale; do mysql_root -e "drop database \`$db\`" || true; done

  export RELKIT_MYSQL_DSN="mysql://relkit:relkit@127.0.0.1:$MYSQL_PORT/relkit_test"
  log "MariaDB $(mysql_root -N -e 'select version()') ready ($((SECONDS - t0)) s)"
}

# MySQL/MariaDB: use the caller's DSN if given; optionally skip locally.
if [ -n "${RELKIT_MYSQL_DSN:-}" ]; then
  log "using RELKIT_MYSQL_DSN from the environment; skipping MariaDB set-up"
elif [ "${RELKIT_SKIP_MYSQL:-}" = 1 ] && [ "${CI:-}" != true ]; then
  log "RELKIT_SKIP_MYSQL=1: skipping MariaDB set-up (MySQL tests will skip)"
else
  [ "${RELKIT_SKIP_MYSQL:-}" = 1 ] && log "CI=true: ignoring RELKIT_SKIP_MYSQL=1"
  setup_mariadb
fi

# cgo toolchain for mattn/go-sqlite3.
command -v gcc >/dev/null || apt_install gcc libc6-dev
export CGO_ENABLED=1

# Go is installed under /usr/local/go on our machines; use it if not on PATH.
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || die "go not found on PATH (nor in /usr/local/go/bin)"

if [ -n "${RELKIT_PG_DSN:-}" ]; then
  # Hide the password: scheme://user:****@host...
  log "PostgreSQL DSN: $(sed -E 's#^([a-z]+://[^:/@]*):[^@]*@#\1:****@#' <<<"$RELKIT_PG_DSN")"
else
  log "PostgreSQL DSN: (none)"
fi
if [ -n "${RELKIT_MYSQL_DSN:-}" ]; then
  log "MySQL DSN: $(sed -E 's#^([a-z]+://[^:/@]*):[^@]*@#\1:****@#' <<<"$RELKIT_MYSQL_DSN")"
else
  log "MySQL DSN: (none)"
fi

# The OpenTelemetry module (otel/, its own go.mod) is outside the root
# module's ./...: run its tests too when the arguments ask for everything
# (./...), with the same arguments. Both runs go; the exit code is the
# first failure's.
rc=0
cd "$ROOT"
log "go test $*"
go test "$@" || rc=$?
if printf '%s\n' "$@" | grep -qx '\./\.\.\.'; then
  cd "$ROOT/otel"
  log "(otel module) go test $*"
  go test "$@" || { otel_rc=$?; [ "$rc" -ne 0 ] || rc=$otel_rc; }
fi
exit "$rc"
