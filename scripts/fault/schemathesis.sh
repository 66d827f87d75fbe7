#!/usr/bin/env bash
# Schemathesis against the served OpenAPI document of the markets API (GET /api/openapi.json):
# generated calls to every documented function must get no 5xx and only answers the document
# allows (status, content type, body schema). Exits non-zero on any failure.
#
# It runs the debug server (built with the project's usual flags unless SCHEMATHESIS_BUILD=0) on
# a free port against a fresh scratch database with the demo data, then two bounded runs:
#   - as the demo analyst (the API client persona): every function but the admin-only ones;
#   - as the demo admin: the admin-only writes (markets, products, the alert threshold).
#
# Knobs: SCHEMATHESIS_MAX_EXAMPLES (per operation and phase, default 100), SCHEMATHESIS_SEED
# (default: random, printed), SCHEMATHESIS_WORKERS (default 2), KEEP_DB=1 keeps the database.
# Logs and reports: .local/fault/schemathesis/.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
set -a; . ./.local/env; set +a

SCHEMATHESIS_VERSION=4.32.5
VENV="$ROOT/.local/venv"
OUT="$ROOT/.local/fault/schemathesis"
DB=marketedge_fault_api
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
WORKERS="${SCHEMATHESIS_WORKERS:-2}"
SEED="${SCHEMATHESIS_SEED:-$RANDOM$RANDOM}"
CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
# Admin-only functions: the analyst would only ever get 403 from them, so the admin runs them.
ADMIN_ONLY='^(create_market|update_market|archive_market|add_product|set_alert_threshold)$'
SERVER_PID=""
mkdir -p "$OUT"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

API_URL="$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$DB\1#")"

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "${KEEP_DB:-0}" != 1 ]; then
    psql "$DATABASE_URL" -qtA -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

# --- schemathesis, pinned, in the project's venv (PyPI only) -----------------------------------
if [ "$("$VENV/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into .local/venv"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || exit 1
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" || exit 1
fi

# --- the server ---------------------------------------------------------------------------------
if [ "${SCHEMATHESIS_BUILD:-1}" != 0 ]; then
  say "building the server (debug)"
  RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=marketedge SQLX_OFFLINE=true \
    cargo build --no-default-features --features ssr --bin marketedge || exit 1
fi
BIN="$ROOT/target/debug/marketedge"
[ -x "$BIN" ] || { echo "$BIN is missing" >&2; exit 1; }

say "scratch database $DB with the demo data"
psql "$DATABASE_URL" -qtA -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null || exit 1
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export APP_ENV=test TEST_DATABASE_URL="$API_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
"$BIN" migrate >"$OUT/server.log" 2>&1 && "$BIN" seed-demo >>"$OUT/server.log" 2>&1 || {
  cat "$OUT/server.log" >&2
  exit 1
}
"$BIN" serve >>"$OUT/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
ready=0
for _ in $(seq 1 150); do
  if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.2
done
if [ $ready -ne 1 ]; then
  echo "the server did not become ready; its log:" >&2
  cat "$OUT/server.log" >&2
  exit 1
fi

# An access token (15 minutes, longer than both runs) for a demo account.
token() {
  curl -fsS "$BASE/api/v1/token" -H 'content-type: application/json' \
    -d "{\"grant_type\":\"password\",\"email\":\"$1\",\"password\":\"$2\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
ANALYST_TOKEN="$(token analyst@northwind.example 'demo-analyst-2026!')" || exit 1
ADMIN_TOKEN="$(token admin@northwind.example 'demo-admin-2026!')" || exit 1

# --- real ids, so generated calls reach past "not found" -----------------------------------------
# Schemathesis dictionaries: most generated ids are the demo organisation's own (the rest stay
# random, so 404 is exercised too); currencies and times are ones the server accepts.
ids() {
  psql "$API_URL" -qtA -c "SELECT string_agg('\"' || id || '\"', ', ') FROM ($1) AS rows" | sed 's/^$/""/'
}
ORG="(SELECT id FROM organisations WHERE slug = 'northwind-cinemas')"
MARKETS="$(ids "SELECT id FROM markets WHERE organisation_id = $ORG")"
COMPETITORS="$(ids "SELECT id FROM competitors WHERE organisation_id = $ORG")"
PRODUCTS="$(ids "SELECT id FROM products WHERE organisation_id = $ORG")"
ALERTS="$(ids "SELECT id FROM alerts WHERE organisation_id = $ORG ORDER BY created_at DESC LIMIT 50")"
TIMES="$(python3 -c 'import datetime as d; n = d.datetime.now(d.timezone.utc)
print(", ".join(chr(34) + t + chr(34) for k in (0, 1, 3, 9, 40) for t in ((n - d.timedelta(days=k)).strftime("%Y-%m-%dT%H:%M:%SZ"), (n - d.timedelta(days=k + 1)).strftime("%Y-%m-%d"))) + ", \"\"")')"
CONFIG="$OUT/schemathesis.toml"
cat >"$CONFIG" <<TOML
[dictionaries.markets]
values = [$MARKETS]
[dictionaries.competitors]
values = [$COMPETITORS]
[dictionaries.products]
values = [$PRODUCTS]
[dictionaries.alerts]
values = [$ALERTS]
[dictionaries.currencies]
values = ["EUR", "USD", "GBP", "eur"]
[dictionaries.times]
values = [$TIMES]

[parameters]
"body.market_id" = { dictionary = "markets", probability = 0.8 }
"body.competitor_id" = { dictionary = "competitors", probability = 0.8 }
"body.product_id" = { dictionary = "products", probability = 0.8 }
"body.currency" = { dictionary = "currencies", probability = 0.7 }
"body.observed_at" = { dictionary = "times", probability = 0.7 }

# Archiving takes only what the run itself created (through the document's links): archiving
# the demo markets and competitors would turn every later call into a 404.
[[operations]]
include-operation-id = ["market_overview", "update_market"]
parameters = { "body.id" = { dictionary = "markets", probability = 0.8 } }

[[operations]]
include-operation-id = ["competitor_profile"]
parameters = { "body.id" = { dictionary = "competitors", probability = 0.8 } }

[[operations]]
include-operation-id = ["save_competitor"]
parameters = { "body.id" = { dictionary = "competitors", probability = 0.4 } }

[[operations]]
include-operation-id = ["mark_alert"]
parameters = { "body.id" = { dictionary = "alerts", probability = 0.8 } }
TOML

# --- the runs -----------------------------------------------------------------------------------
# run NAME TOKEN FILTER...: one bounded schemathesis run; its exit status.
run() {
  local name=$1 token=$2; shift 2
  say "schemathesis as the $name (max $MAX_EXAMPLES examples per operation, seed $SEED)"
  # From $OUT, so Hypothesis's example database and the reports stay out of the work tree.
  (
    cd "$OUT" && "$VENV/bin/schemathesis" --config-file "$CONFIG" run "$BASE/api/openapi.json" \
      --header "Authorization: Bearer $token" \
      --checks "$CHECKS" \
      --max-examples "$MAX_EXAMPLES" \
      --seed "$SEED" \
      --workers "$WORKERS" \
      --request-timeout 20 \
      --report junit,har --report-junit-path "$OUT/$name.junit.xml" \
      --report-har-path "$OUT/$name.har" \
      --no-color \
      "$@"
  ) 2>&1 | tee "$OUT/$name.log"
  return "${PIPESTATUS[0]}"
}

started=$SECONDS
run analyst "$ANALYST_TOKEN" --exclude-operation-id-regex "$ADMIN_ONLY"
analyst_status=$?
run admin "$ADMIN_TOKEN" --include-operation-id-regex "$ADMIN_ONLY"
admin_status=$?

# The server's own record of anything that went wrong on its side.
internal_errors="$(grep -c 'internal error\|handler panicked' "$OUT/server.log" || true)"
verdict() { [ "$1" -eq 0 ] && echo passed || echo "FAILED (exit $1)"; }
echo
echo "schemathesis $SCHEMATHESIS_VERSION, seed $SEED, $((SECONDS - started)) s:" \
  "analyst run $(verdict $analyst_status), admin run $(verdict $admin_status)," \
  "$internal_errors internal errors in the server log (.local/fault/schemathesis/)"
[ "$analyst_status" -eq 0 ] && [ "$admin_status" -eq 0 ] && [ "$internal_errors" -eq 0 ]
