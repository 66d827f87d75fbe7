#!/usr/bin/env bash
# Every test, end to end: cargo's unit and integration tests (each integration test in its own
# PostgreSQL database via #[sqlx::test]), then the built server on a free port against a fresh
# database, driven by Playwright in Debian's Chromium. Ends with one line: "N passed, N failed".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -a; . ./.local/env; set +a
LOGS="$ROOT/.local/test"
mkdir -p "$LOGS"
SERVER_PID=""
# One database per run, so two runs on one machine (a developer's and CI's) never share it.
E2E_DB="marketedge_e2e_$$"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  psql "$DATABASE_URL" -qtA -c "DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

passed=0
failed=0
status=0

# --- cargo test -------------------------------------------------------------------------------
say "cargo test"
RUSTFLAGS="--cfg erase_components" cargo test --no-fail-fast --no-default-features --features ssr 2>&1 \
  | tee "$LOGS/cargo-test.log"
cargo_status=${PIPESTATUS[0]}
read -r cargo_passed cargo_failed < <(
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { print p + 0, f + 0 }' "$LOGS/cargo-test.log")
passed=$((passed + cargo_passed))
failed=$((failed + cargo_failed))
if [ "$cargo_status" -ne 0 ]; then
  status=1
  # A build failure runs no test: count it so the summary cannot read as green.
  [ "$cargo_failed" -eq 0 ] && failed=$((failed + 1))
fi

# --- build the site and start the server ------------------------------------------------------
say "cargo leptos build"
if ! cargo leptos build 2>&1 | tee "$LOGS/leptos-build.log"; then
  echo "cargo leptos build failed" >&2
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi

# A fresh database for the browser tests, created next to the development one.
E2E_URL="$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$E2E_DB\1#")"
psql "$DATABASE_URL" -qtA -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE)" -c "CREATE DATABASE $E2E_DB" >/dev/null

PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
# One trusted proxy hop: a browser test can then stand at an address of its own (X-Forwarded-For)
# and lock it without locking every other test, which all come from 127.0.0.1.
export APP_ENV=test TEST_DATABASE_URL="$E2E_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" TRUSTED_PROXY_HOPS=1
# Without SMTP_URL the server writes each mail to its log: the browser tests read links there.
export SERVER_LOG="$LOGS/server.log"
./target/debug/marketedge migrate >"$LOGS/server.log" 2>&1
./target/debug/marketedge seed-demo >>"$LOGS/server.log" 2>&1
./target/debug/marketedge serve >>"$LOGS/server.log" 2>&1 &
SERVER_PID=$!

say "waiting for http://127.0.0.1:$PORT/readyz"
ready=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.2
done
if [ $ready -ne 1 ]; then
  echo "the server did not become ready; its log:" >&2
  cat "$LOGS/server.log" >&2
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi

# --- Playwright -------------------------------------------------------------------------------
say "playwright"
(
  cd end2end
  BASE_URL="http://127.0.0.1:$PORT" PLAYWRIGHT_JSON_OUTPUT_NAME="$LOGS/playwright.json" \
    npx playwright test --reporter=list,json
)
e2e_status=$?
read -r e2e_passed e2e_failed < <(node -e '
  const fs = require("fs");
  try {
    const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).stats;
    console.log(s.expected, s.unexpected + s.flaky);
  } catch (e) { console.log(0, 1); }' "$LOGS/playwright.json")
passed=$((passed + e2e_passed))
failed=$((failed + e2e_failed))
if [ "$e2e_status" -ne 0 ]; then
  status=1
  [ "$e2e_failed" -eq 0 ] && failed=$((failed + 1))
fi
if [ "$e2e_passed" -eq 0 ]; then
  echo "Playwright ran no test" >&2
  status=1
fi

echo "$passed passed, $failed failed"
exit $status
