#!/usr/bin/env bash
# Sets up everything MarketEdge needs on a Debian machine, idempotently.
#
#   scripts/setup.sh tools      Debian packages, the wasm target, cargo-leptos, wasm-bindgen-cli,
#                               and end2end/node_modules (Playwright, binaryen's wasm-opt)
#   scripts/setup.sh database   find or start PostgreSQL, create the role and the database, and
#                               write the connection to .local/env for the Makefile
#
# Nothing is downloaded from GitHub: packages come from Debian, crates.io and npm only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
CARGO_LEPTOS_VERSION="${CARGO_LEPTOS_VERSION:?set by the Makefile}"
WASM_BINDGEN_VERSION="${WASM_BINDGEN_VERSION:?set by the Makefile}"
DB_ROLE=marketedge
DB_PASSWORD=marketedge
DB_NAME=marketedge
EMBEDDED_PORT=54329

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------------------------------------
# tools
# ---------------------------------------------------------------------------------------------

apt_updated=0
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ $apt_updated -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_tools() {
  # postgresql: the embedded database when none is running; chromium: Playwright's browser;
  # pkg-config/libssl-dev: cargo-leptos's build; curl: readiness checks.
  apt_install ca-certificates curl pkg-config libssl-dev build-essential postgresql postgresql-client chromium
  command -v npm >/dev/null || apt_install nodejs npm

  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup first" >&2
    exit 1
  fi
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }

  # Tool builds must not inherit the project's RUSTFLAGS.
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    say "building cargo-leptos $CARGO_LEPTOS_VERSION (about 16 minutes on 2 cores, once)"
    env -u RUSTFLAGS cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (must equal the wasm-bindgen crate's version)"
    # Not --locked: its lock file names a version the registry no longer serves.
    env -u RUSTFLAGS cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi

  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
    || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "installing end2end node modules (Playwright without its browsers, binaryen)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ---------------------------------------------------------------------------------------------
# database
# ---------------------------------------------------------------------------------------------

# Runs SQL as a PostgreSQL superuser on host:port, trying TCP as `postgres` first and then the
# local socket as the `postgres` system user (Debian's default peer authentication).
admin_psql() {
  local host=$1 port=$2; shift 2
  if psql -h "$host" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@" 2>/dev/null; then
    return 0
  fi
  as_root runuser -u postgres -- psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

ensure_role_and_database() {
  local host=$1 port=$2
  # The owner role runs migrations and the tests' own checks: CREATEDB for #[sqlx::test]'s
  # databases, BYPASSRLS so tests can inspect every organisation's rows. The application itself
  # runs as marketedge_app (no login, owns nothing, cannot bypass row-level security), which the
  # owner switches to with SET ROLE; creating it needs a superuser, so it happens here.
  admin_psql "$host" "$port" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ROLE') THEN
        CREATE ROLE $DB_ROLE LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
      END IF;
      ALTER ROLE $DB_ROLE CREATEDB BYPASSRLS;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marketedge_app') THEN
        CREATE ROLE marketedge_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      END IF;
      GRANT marketedge_app TO $DB_ROLE;
    END \$\$;" >/dev/null
  if [ -z "$(admin_psql "$host" "$port" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    say "creating database $DB_NAME"
    admin_psql "$host" "$port" -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE" >/dev/null
  fi
}

start_embedded_cluster() {
  local bindir data="$LOCAL/pgdata" run="$LOCAL/pgrun"
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  mkdir -p "$run"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a project-local PostgreSQL cluster in .local/pgdata"
    mkdir -p "$data"
    chown postgres:postgres "$data" "$run"
    # trust on loopback only: this cluster exists for local development and tests.
    runuser -u postgres -- "$bindir/initdb" -D "$data" --auth-local=trust --auth-host=trust \
      -U postgres >/dev/null
  fi
  chown postgres:postgres "$run"
  if ! runuser -u postgres -- "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "starting the project-local PostgreSQL on 127.0.0.1:$EMBEDDED_PORT"
    runuser -u postgres -- "$bindir/pg_ctl" -D "$data" -l "$run/postgresql.log" -w start \
      -o "-p $EMBEDDED_PORT -k $run -c listen_addresses=127.0.0.1" >/dev/null
  fi
}

setup_database() {
  mkdir -p "$LOCAL"
  local url
  if [ -n "${DATABASE_URL:-}" ]; then
    say "using DATABASE_URL from the environment"
    url="$DATABASE_URL"
  else
    local host=127.0.0.1 port=5432
    if [ "${MARKETEDGE_EMBEDDED_DB:-0}" = 1 ] || ! pg_isready -q -h "$host" -p "$port"; then
      # A stopped Debian cluster is started rather than shadowed by a new one.
      if [ "${MARKETEDGE_EMBEDDED_DB:-0}" != 1 ] && command -v pg_ctlcluster >/dev/null \
        && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
        say "starting the machine's PostgreSQL cluster"
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
      fi
      if [ "${MARKETEDGE_EMBEDDED_DB:-0}" = 1 ] || ! pg_isready -q -h "$host" -p "$port"; then
        start_embedded_cluster
        port=$EMBEDDED_PORT
      fi
    fi
    ensure_role_and_database "$host" "$port"
    url="postgres://$DB_ROLE:$DB_PASSWORD@$host:$port/$DB_NAME"
  fi
  printf 'DATABASE_URL=%s\n' "$url" >"$LOCAL/env"
  say "database ready: $(printf '%s' "$url" | sed -E 's#(://[^:/@]+):[^@]*@#\1:****@#')"
}

case "${1:-}" in
  tools) setup_tools ;;
  database) setup_database ;;
  *) echo "usage: $0 tools|database" >&2; exit 2 ;;
esac
