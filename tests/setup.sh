#!/usr/bin/env bash
# Installs or starts what the tests need on a Debian machine, so that
# `bash tests/setup.sh && cargo test` works on a fresh one (run it as root):
#
#   - PostgreSQL on 127.0.0.1:5432, user postgres, trust authentication
#     (installed if absent, started if down; skipped when
#     CASEWATCH_TEST_POSTGRES names another server);
#   - MariaDB on 127.0.0.1:3306, user root with an empty password over TCP,
#     database `test` (the feed's sql tests; installed if absent, started
#     if down, root let in over TCP if it is not; skipped when
#     CASEWATCH_TEST_MYSQL names another MySQL or MariaDB server);
#   - Chromium and chromedriver (the browser tests);
#   - libfaketime (the daemon tests that set the clock);
#   - python3 with venv (the tests build an aiosmtpd environment from PyPI
#     the first time, so that first run also needs PyPI);
#   - the kill program (procps), which the tests signal `run` with;
#   - npm, and axe-core 4 from the npm registry in tests/support/axe (the
#     annual report's accessibility test runs it in Chromium).
#
# Silent when everything is there; says what it does otherwise; exits
# non-zero, saying why, when something cannot be had. Running it again
# changes nothing.
set -euo pipefail

say() { echo "tests/setup.sh: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

# Packages to install, in one apt-get run.
wanted=()

# apt-get install, and only if that fails (as on a fresh machine with no
# package lists) apt-get update and again.
install() {
    [ "$(id -u)" = 0 ] || fail "missing: $*; run this script as root, or install them"
    command -v apt-get > /dev/null || fail "missing: $*; this script installs with apt-get (Debian)"
    say "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "$@" > /dev/null 2>&1; then
        say "apt-get install failed; updating the package lists and trying again"
        apt-get update -q > /dev/null || fail "apt-get update failed"
        apt-get install -y -q "$@" > /dev/null || fail "cannot install $*"
    fi
}

faketime_library() {
    ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 > /dev/null 2>&1
}

# Python's venv module needs ensurepip, which Debian packages apart.
python_venv() {
    python3 -c 'import ensurepip, venv' > /dev/null 2>&1
}

[ -x /usr/bin/chromium ] || wanted+=(chromium)
[ -x /usr/bin/chromedriver ] || wanted+=(chromium-driver)
faketime_library || wanted+=(faketime)
command -v python3 > /dev/null || wanted+=(python3)
python_venv || wanted+=(python3-venv)
[ -x /usr/bin/kill ] || [ -x /bin/kill ] || wanted+=(procps)
command -v npm > /dev/null || wanted+=(npm)

# pg_isready where the client is installed; else whether anything listens.
postgres_ready() {
    if command -v pg_isready > /dev/null; then
        pg_isready -q -h 127.0.0.1 -p 5432 2> /dev/null
    else
        (exec 3<> /dev/tcp/127.0.0.1/5432) 2> /dev/null
    fi
}

own_postgres=true
if [ -n "${CASEWATCH_TEST_POSTGRES:-}" ]; then
    own_postgres=false # the tests use the server it names
elif ! postgres_ready && ! ls /etc/postgresql/*/main > /dev/null 2>&1; then
    wanted+=(postgresql)
elif ! command -v psql > /dev/null; then
    wanted+=(postgresql-client) # to check that the tests can log in
fi

# Whether anything listens on MariaDB's port (the client may be missing).
mariadb_listening() {
    (exec 3<> /dev/tcp/127.0.0.1/3306) 2> /dev/null
}

own_mariadb=true
if [ -n "${CASEWATCH_TEST_MYSQL:-}" ]; then
    own_mariadb=false # the tests use the server it names
elif ! mariadb_listening && ! [ -x /usr/sbin/mariadbd ] && ! [ -x /usr/sbin/mysqld ]; then
    wanted+=(mariadb-server)
elif ! command -v mariadb > /dev/null && ! command -v mysql > /dev/null; then
    wanted+=(mariadb-client) # to check that the tests can log in
fi

if [ "${#wanted[@]}" -gt 0 ]; then
    install "${wanted[@]}"
fi

faketime_library || fail "libfaketime.so.1 is still missing after installing faketime"
python_venv || fail "python3 cannot make a virtual environment (python3 -m venv)"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
    || fail "/usr/bin/chromium or /usr/bin/chromedriver is still missing"

# axe-core, where tests/it/report.rs looks for it.
axe_dir="$(cd "$(dirname "$0")" && pwd)/support/axe"
if ! [ -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
    command -v npm > /dev/null || fail "npm is still missing after installing it"
    say "installing axe-core 4 from the npm registry into $axe_dir"
    mkdir -p "$axe_dir"
    npm install --prefix "$axe_dir" --no-audit --no-fund --silent axe-core@4 > /dev/null \
        || fail "cannot install axe-core (npm install --prefix $axe_dir axe-core@4)"
fi

if $own_mariadb; then
    if ! mariadb_listening; then
        say "starting MariaDB"
        # `service` runs the unit under systemd and the init script without it.
        service mariadb start > /dev/null 2>&1 \
            || fail "cannot start MariaDB (service mariadb start; see /var/log/mysql)"
        for _ in $(seq 1 30); do
            mariadb_listening && break
            sleep 1
        done
        mariadb_listening || fail "MariaDB started but does not answer on 127.0.0.1:3306"
    fi
    client=$(command -v mariadb || command -v mysql)
    # As the tests log in: over TCP, as root, no password, into `test`.
    # --no-defaults, so that no ~/.my.cnf supplies a password the tests lack.
    mariadb_connects() {
        "$client" --no-defaults --protocol=TCP -h 127.0.0.1 -P 3306 -u root \
            --connect-timeout=5 -D test -e 'SELECT 1' > /dev/null 2>&1
    }
    if ! mariadb_connects; then
        # Debian's root logs in only through the socket as the system's root
        # (unix_socket); keep that and add an empty password, and the database.
        [ "$(id -u)" = 0 ] || fail "root cannot log in to MariaDB on 127.0.0.1:3306 without a password into database test; run this script as root to allow it"
        say "letting MariaDB's root log in over TCP without a password, and creating database test"
        "$client" -u root -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; CREATE DATABASE IF NOT EXISTS test" \
            || fail "cannot change MariaDB's root user (as the system's root, through the socket)"
        mariadb_connects || fail "MariaDB's root still cannot log in over 127.0.0.1:3306 without a password into database test"
    fi
fi

$own_postgres || exit 0

# The cluster on port 5432, else the only one there is.
cluster_version() {
    local version
    version=$(pg_lsclusters --no-header 2> /dev/null | awk '$2 == "main" && $3 == 5432 { print $1; exit }' || true)
    [ -n "$version" ] || version=$(ls /etc/postgresql 2> /dev/null | sort -V | tail -n 1 || true)
    [ -n "$version" ] || fail "PostgreSQL is installed but has no cluster in /etc/postgresql"
    echo "$version"
}

if ! postgres_ready; then
    version=$(cluster_version)
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start \
        || fail "cannot start PostgreSQL $version (pg_ctlcluster; see /var/log/postgresql)"
    for _ in $(seq 1 30); do
        postgres_ready && break
        sleep 1
    done
    postgres_ready || fail "PostgreSQL $version started but does not answer on 127.0.0.1:5432"
fi

# The tests connect as postgres without a password; Debian's default asks
# for one over TCP, so trust that one user from 127.0.0.1 only.
connects() {
    psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -w -Atqc 'select 1' > /dev/null 2>&1
}
if ! connects; then
    version=$(cluster_version)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    [ -w "$hba" ] || fail "user postgres cannot connect to 127.0.0.1:5432 without a password, and $hba cannot be changed here"
    line="host all postgres 127.0.0.1/32 trust # casewatch tests (tests/setup.sh)"
    if ! grep -qxF "$line" "$hba"; then
        say "letting user postgres connect from 127.0.0.1 without a password ($hba)"
        # First, so it wins over Debian's own lines for 127.0.0.1.
        sed -i "1i $line" "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload \
        || fail "cannot reload PostgreSQL $version"
    for _ in $(seq 1 10); do
        connects && break
        sleep 1
    done
    connects || fail "user postgres still cannot connect to 127.0.0.1:5432 (see $hba)"
fi
