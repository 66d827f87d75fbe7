#!/usr/bin/env bash
# `make bench`: MarketEdge against baselines measured in the same run on the same machine,
# interleaved (baseline, app, baseline), three repetitions, medians; prints a table of ratios and
# writes it to target/bench/report.md. Not part of `make test`.
#
# BENCH_PROFILE=debug skips the release build (quick check of the script itself; the ratios of a
# debug build say little). BENCH_SECONDS sets each measured run's length (default 8).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -a; . ./.local/env; set +a
# As cargo-leptos sets it, so the baseline's build reuses the leptos crates (see the Makefile).
export LEPTOS_OUTPUT_NAME=marketedge
PROFILE="${BENCH_PROFILE:-release}"
SECONDS_PER_RUN="${BENCH_SECONDS:-8}"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
DB="marketedge_bench"
BENCH_URL="$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$DB\1#")"
APP_PORT=3911
BASE_PORT=3912
PIDS=()

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done; }
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }

say "building ($PROFILE)"
if [ "$PROFILE" = release ]; then
  cargo leptos build --release || exit 1
  cargo build --release --no-default-features --features ssr,bench --bin bench-baseline || exit 1
  BIN="$ROOT/target/release"
else
  RUSTFLAGS="--cfg erase_components" cargo leptos build || exit 1
  RUSTFLAGS="--cfg erase_components" cargo build --no-default-features --features ssr,bench --bin bench-baseline || exit 1
  BIN="$ROOT/target/debug"
fi

say "benchmark database: demo data, 1,000,000 prices in one market, 100,000 in another organisation"
if ! psql "$BENCH_URL" -qtA -c "SELECT 1 FROM price_observations LIMIT 1" >/dev/null 2>&1 \
  || [ "$(psql "$BENCH_URL" -qtA -c "SELECT count(*) FROM price_observations")" -lt 1000000 ]; then
  psql "$DATABASE_URL" -qtA -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  export APP_ENV=test TEST_DATABASE_URL="$BENCH_URL"
  "$BIN/marketedge" migrate >/dev/null && "$BIN/marketedge" seed-demo >/dev/null \
    && "$BIN/marketedge" generate-prices --observations 1000000 \
    && "$BIN/marketedge" generate-prices --organisation harbour-hotels --market Waterfront --observations 100000 \
    || exit 1
  psql "$BENCH_URL" -qtA -c "VACUUM ANALYZE" >/dev/null 2>&1
fi
# One trusted proxy hop: the login scenarios send each account from an address of its own
# (X-Forwarded-For), as 200 real users would come, instead of 200 users behind one address, which
# the public endpoints' per-address limit (anonymous_limit.rs) would rightly refuse.
export APP_ENV=test TEST_DATABASE_URL="$BENCH_URL" LEPTOS_SITE_ADDR="127.0.0.1:$APP_PORT" RUST_LOG=warn TRUSTED_PROXY_HOPS=1

ORG="$(psql "$BENCH_URL" -qtA -c "SELECT id FROM organisations WHERE slug = 'northwind-cinemas'")"
"$BIN/marketedge" serve >"$OUT/app.log" 2>&1 & PIDS+=($!)
APP_PID=$!
"$BIN/bench-baseline" serve "$BASE_PORT" "$ORG" >"$OUT/baseline.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$APP_PORT/readyz" >/dev/null && curl -fs "http://127.0.0.1:$BASE_PORT/text" >/dev/null && break; sleep 0.2; done

TOKEN="$(curl -s "http://127.0.0.1:$APP_PORT/api/v1/token" -H 'content-type: application/json' \
  -d '{"grant_type":"password","email":"analyst@northwind.example","password":"demo-analyst-2026!"}' \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')"

# Successful (2xx/3xx) requests per second of one wrk run: URL, then optional lua script. Error
# answers are not counted: a fast 4xx must never read as speed.
rps() {
  local url="$1" script="${2:-}"
  local args=(-t2 -c16 "-d${SECONDS_PER_RUN}s" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" "$url" 2>/dev/null | awk -v seconds="$SECONDS_PER_RUN" '
    / requests in / { total = $1 }
    /Non-2xx or 3xx responses/ { failed = $5 }
    END { printf "%.2f\n", (total - failed) / seconds }'
}
# The 99th-percentile latency of one wrk run, in milliseconds: URL, lua script, connections.
p99_ms() {
  wrk -t1 "-c$3" "-d${SECONDS_PER_RUN}s" --latency -s "$2" "$1" 2>/dev/null | awk '
    $1 == "99%" {
      v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
      if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000
      printf "%.2f\n", v
    }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# Median milliseconds of 5 `market_analysis` calls over a year: MARKET, bearer TOKEN.
app_analysis_ms() {
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "authorization: Bearer $2" \
      --data-urlencode "market_id=$1" --data-urlencode "days=365" "http://127.0.0.1:$APP_PORT/api/market_analysis"
  done | awk '$1 == 200 { print $2 }' | median | awk '{ printf "%.1f", $1 * 1000 }'
}
# Median milliseconds of 5 runs of the same statements prepared in psql: ORG, MARKET.
psql_analysis_ms() {
  for _ in 1 2 3 4 5; do
    sed -e "s/:org/$1/g" -e "s/:market/$2/g" scripts/bench-analysis.sql | psql "$BENCH_URL" -q -o /dev/null 2>&1 \
      | awk '/^Time/ { s += $2 } END { print s }'
  done | median
}

# Interleaved: baseline, app, baseline, three times; the app's median over the baselines' median.
# Arguments: name, goal, app URL, app lua script, baseline URL, baseline lua script.
compare() {
  local name="$1" goal="$2" app_url="$3" app_script="$4" base_url="$5" base_script="${6:-}"
  local apps=() bases=()
  rps "$app_url" "$app_script" >/dev/null  # warm-up
  rps "$base_url" "$base_script" >/dev/null
  for _ in 1 2 3; do
    bases+=("$(rps "$base_url" "$base_script")")
    apps+=("$(rps "$app_url" "$app_script")")
    bases+=("$(rps "$base_url" "$base_script")")
  done
  local app base
  app="$(printf '%s\n' "${apps[@]}" | median)"
  base="$(printf '%s\n' "${bases[@]}" | median)"
  printf '| %s | %s req/s | %s req/s | %s | %s |\n' "$name" "$app" "$base" "$(ratio "$app" "$base")" "$goal" >>"$OUT/report.md"
}

cat >"$OUT/bearer.lua" <<LUA
wrk.method = "POST"
wrk.headers["authorization"] = "Bearer $TOKEN"
wrk.headers["accept"] = "application/json"
LUA
# Logins of 200 different people (one account signing in 16 times at once would, rightly, trip
# the throttle, which counts attempts before checking them). They share the analyst's password.
psql "$BENCH_URL" -qtA -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO users (id, email, display_name, password_hash)
SELECT gen_random_uuid(), 'bench' || n || '@northwind.example', 'Bench ' || n,
       (SELECT password_hash FROM users WHERE email = 'analyst@northwind.example')
FROM generate_series(1, 200) n
ON CONFLICT (email) DO NOTHING;
INSERT INTO memberships (organisation_id, user_id, role)
SELECT o.id, u.id, 'viewer' FROM users u, organisations o
WHERE u.email LIKE 'bench%@northwind.example' AND o.slug = 'northwind-cinemas'
ON CONFLICT DO NOTHING;
DELETE FROM login_throttle;
SQL
cat >"$OUT/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
local n = 0
request = function()
  n = n % 200 + 1
  local body = '{"grant_type":"password","email":"bench' .. n .. '@northwind.example","password":"demo-analyst-2026!"}'
  wrk.headers["x-forwarded-for"] = "10.0." .. n .. ".1"
  return wrk.format(nil, nil, nil, body)
end
LUA

{
  echo "# MarketEdge benchmark ($PROFILE build, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "| scenario | app | baseline | ratio | goal |"
  echo "| --- | --- | --- | --- | --- |"
} >"$OUT/report.md"

say "memory: idle RSS and per idle keep-alive connection"
curl -s -o /dev/null "http://127.0.0.1:$APP_PORT/"
python3 scripts/bench-connections.py "127.0.0.1" "$APP_PORT" 500 "$APP_PID" >"$OUT/connections.txt"
idle_rss_mb="$(awk '/^idle_rss_kb/ { printf "%.1f", $2 / 1024 }' "$OUT/connections.txt")"
per_conn_kb="$(awk '/^per_connection_kb/ { printf "%.1f", $2 }' "$OUT/connections.txt")"
printf '| idle RSS (started, one page served) | %s MB | | | ≤ 30 MB |\n' "$idle_rss_mb" >>"$OUT/report.md"
printf '| memory per idle keep-alive connection (500 open) | %s KB | | | ≤ 25 KB |\n' "$per_conn_kb" >>"$OUT/report.md"

say "anonymous page vs bare text handler"
compare "anonymous SSR page ÷ bare text" "≥ 0.25" "http://127.0.0.1:$APP_PORT/" "" "http://127.0.0.1:$BASE_PORT/text"
say "bearer server function vs bare sqlx, same query"
compare "bearer server fn (markets) ÷ bare sqlx" "≥ 0.85" "http://127.0.0.1:$APP_PORT/api/markets" "$OUT/bearer.lua" "http://127.0.0.1:$BASE_PORT/sql/markets"

say "logins vs raw argon2 verifications"
logins=()
raw=()
for _ in 1 2 3; do
  raw+=("$("$BIN/bench-baseline" argon2 "$SECONDS_PER_RUN" "$(nproc)")")
  logins+=("$(rps "http://127.0.0.1:$APP_PORT/api/v1/token" "$OUT/login.lua")")
done
login_rate="$(printf '%s\n' "${logins[@]}" | median)"
raw_rate="$(printf '%s\n' "${raw[@]}" | median)"
printf '| logins ÷ raw argon2 verifies | %s /s | %s /s | %s | ≥ 0.9 |\n' "$login_rate" "$raw_rate" "$(ratio "$login_rate" "$raw_rate")" >>"$OUT/report.md"

say "keyset pagination: last page vs first page of 100,000 observations"
psql "$BENCH_URL" -qtA -c "DELETE FROM login_throttle" >/dev/null
HARBOUR_MARKET="$(psql "$BENCH_URL" -qtA -c "SELECT m.id FROM markets m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'harbour-hotels' LIMIT 1")"
LAST_CURSOR="$(psql "$BENCH_URL" -qtA -c "SELECT (extract(epoch FROM observed_at) * 1000000)::bigint * 1000 || '.' || id FROM price_observations WHERE market_id = '$HARBOUR_MARKET' ORDER BY observed_at DESC, id DESC OFFSET (SELECT count(*) - 51 FROM price_observations WHERE market_id = '$HARBOUR_MARKET') LIMIT 1")"
HARBOUR_TOKEN="$(curl -s "http://127.0.0.1:$APP_PORT/api/v1/token" -H 'content-type: application/json' \
  -d '{"grant_type":"password","email":"admin@harbour.example","password":"demo-harbour-2026!"}' \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')"
page_ms() {
  for _ in $(seq 1 15); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "authorization: Bearer $HARBOUR_TOKEN" \
      --data-urlencode "market_id=$HARBOUR_MARKET" ${1:+--data-urlencode "after=$1"} \
      "http://127.0.0.1:$APP_PORT/api/market_observations"
  done | awk '$1 == 200 { print $2 }' | median | awk '{ printf "%.2f", $1 * 1000 }'
}
first_ms="$(page_ms "")"
last_ms="$(page_ms "$LAST_CURSOR")"
printf '| last page ÷ first page (100,000 rows) | %s ms | %s ms | %s | ≤ 1.5 |\n' "$last_ms" "$first_ms" "$(ratio "$last_ms" "$first_ms")" >>"$OUT/report.md"

say "market analysis over 1,000,000 observations vs the same SQL in psql"
CITY="$(psql "$BENCH_URL" -qtA -c "SELECT id FROM markets WHERE organisation_id = '$ORG' AND name = 'City Centre'")"
analysis_ms="$(app_analysis_ms "$CITY" "$TOKEN")"
psql_ms="$(psql_analysis_ms "$ORG" "$CITY")"
printf '| market analysis, 1M rows: psql ÷ app (higher is better) | %s ms | %s ms (psql) | %s | ≥ 0.8 |\n' "$analysis_ms" "$psql_ms" "$(ratio "$psql_ms" "$analysis_ms")" >>"$OUT/report.md"

say "authenticated dashboard (the audit page: session, list of 50, SSR) vs the same queries"
psql "$BENCH_URL" -qtA -c "DELETE FROM login_throttle" >/dev/null
COOKIE="$(curl -s -o /dev/null -D - "http://127.0.0.1:$APP_PORT/login" -H "origin: http://127.0.0.1:$APP_PORT" \
  --data-urlencode "email=admin@northwind.example" --data-urlencode "password=demo-admin-2026!" \
  | awk 'tolower($1) == "set-cookie:" && $2 ~ /^marketedge_session=/ { sub(/;.*/, "", $2); print $2; exit }')"
cat >"$OUT/dashboard.lua" <<LUA
wrk.headers["cookie"] = "$COOKIE"
LUA
compare "authenticated dashboard ÷ bare sqlx, same queries" "≥ 0.6" "http://127.0.0.1:$APP_PORT/settings/audit" "$OUT/dashboard.lua" "http://127.0.0.1:$BASE_PORT/sql/dashboard" "$OUT/dashboard.lua"

say "dashboard p99 during a login flood vs quiet"
psql "$BENCH_URL" -qtA -c "DELETE FROM login_throttle" >/dev/null
quiet_p99="$(p99_ms "http://127.0.0.1:$APP_PORT/settings/audit" "$OUT/dashboard.lua" 4)"
wrk -t1 -c16 "-d$((SECONDS_PER_RUN + 2))s" -s "$OUT/login.lua" "http://127.0.0.1:$APP_PORT/api/v1/token" >/dev/null 2>&1 &
flood=$!
sleep 1
flood_p99="$(p99_ms "http://127.0.0.1:$APP_PORT/settings/audit" "$OUT/dashboard.lua" 4)"
wait "$flood"
printf '| dashboard p99 during a login flood ÷ quiet p99 | %s ms | %s ms | %s | ≤ 2 |\n' "$flood_p99" "$quiet_p99" "$(ratio "$flood_p99" "$quiet_p99")" >>"$OUT/report.md"

say "hydration bundle: release, after wasm-opt, brotli"
if [ "$PROFILE" = release ]; then
  # Over the limit it prints its row and fails: the report keeps the row and the run goes on.
  scripts/wasm-size.sh >>"$OUT/report.md" || true
fi

say "growth: analysis over 10k, 100k and 1M observations per market (app vs psql)"
{
  echo
  echo "### How cost grows"
  echo
  echo "| data | app | psql / baseline | ratio |"
  echo "| --- | --- | --- | --- |"
} >>"$OUT/growth.md"
analysis_row() {
  local org="$1" market="$2" token="$3" rows app_ms db_ms
  rows="$(psql "$BENCH_URL" -qtA -c "SELECT observation_count FROM markets WHERE id = '$market'")"
  app_ms="$(app_analysis_ms "$market" "$token")"
  db_ms="$(psql_analysis_ms "$org" "$market")"
  printf '| market analysis, %s observations | %s ms | %s ms | %s |\n' "$rows" "$app_ms" "$db_ms" "$(ratio "$db_ms" "$app_ms")" >>"$OUT/growth.md"
}
HARBOUR_ORG="$(psql "$BENCH_URL" -qtA -c "SELECT id FROM organisations WHERE slug = 'harbour-hotels'")"
SMALL="$(psql "$BENCH_URL" -qtA -c "SELECT id FROM markets WHERE organisation_id = '$ORG' AND id <> '$CITY' ORDER BY name LIMIT 1")"
analysis_row "$ORG" "$SMALL" "$TOKEN"
analysis_row "$HARBOUR_ORG" "$HARBOUR_MARKET" "$HARBOUR_TOKEN"
analysis_row "$ORG" "$CITY" "$TOKEN"

say "growth: the admin organisation list at 100 and 10,000 organisations"
SUPER_TOKEN="$(curl -s "http://127.0.0.1:$APP_PORT/api/v1/token" -H 'content-type: application/json' \
  -d '{"grant_type":"password","email":"superadmin@marketedge.example","password":"demo-superadmin-2026"}' \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')"
add_organisations() {
  psql "$BENCH_URL" -qtA -v ON_ERROR_STOP=1 -c "
    INSERT INTO organisations (id, name, slug, industry)
    SELECT gen_random_uuid(), 'Bench Organisation ' || n, 'bench-organisation-' || n,
           (ARRAY['cinema','hotel','gym','b2b','retail']::industry[])[1 + n % 5]
    FROM generate_series(1, $1 - (SELECT count(*) FROM organisations)) n
    WHERE $1 > (SELECT count(*) FROM organisations)
    ON CONFLICT DO NOTHING" >/dev/null
  psql "$BENCH_URL" -qtA -c "ANALYZE organisations" >/dev/null
}
admin_list_ms() {
  for _ in $(seq 1 15); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "authorization: Bearer $SUPER_TOKEN" \
      -d "" "http://127.0.0.1:$APP_PORT/api/admin_organisations"
  done | awk '$1 == 200 { print $2 }' | median | awk '{ printf "%.2f", $1 * 1000 }'
}
psql "$BENCH_URL" -qtA -c "DELETE FROM organisations WHERE slug LIKE 'bench-organisation-%'" >/dev/null
add_organisations 100
small_ms="$(admin_list_ms)"
add_organisations 10000
large_ms="$(admin_list_ms)"
printf '| admin organisation list, first page: 10,000 ÷ 100 organisations | %s ms | %s ms | %s |\n' "$large_ms" "$small_ms" "$(ratio "$large_ms" "$small_ms")" >>"$OUT/growth.md"
cat "$OUT/growth.md" >>"$OUT/report.md"
rm -f "$OUT/growth.md"

cat "$OUT/report.md"
