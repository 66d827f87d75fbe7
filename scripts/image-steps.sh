#!/usr/bin/env bash
# The Dockerfile's steps, run on this machine (Docker cannot run here): the build stage's RUN
# commands in a clean copy of the committed tree, then the runtime stage's layout in a clean
# directory, then the release server started from it as the image would start it, until
# /readyz answers 200 with JSON log lines. tests/host/deploy_files.rs fails when a RUN command of the
# Dockerfile is missing here or out of order.
#
#   IMAGE_STEPS_DIR=/tmp/marketedge-image   where the clean copies go (default target/image-steps)
#   CARGO_TARGET_DIR=…                      reuse a warm target directory (default: a cold one)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${IMAGE_STEPS_DIR:-$ROOT/target/image-steps}"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

rm -rf "$WORK" && mkdir -p "$WORK/build" "$WORK/app"
say "the committed tree, as COPY . . sees it: $WORK/build"
git -C "$ROOT" archive HEAD | tar -x -C "$WORK/build"

# --- build stage (WORKDIR /build) ----------------------------------------------------------
cd "$WORK/build"
export CARGO_LEPTOS_VERSION=0.3.10 WASM_BINDGEN_VERSION=0.2.130 OUT="$WORK/out"
export SQLX_OFFLINE=true LEPTOS_OUTPUT_NAME=marketedge PATH="$WORK/build/end2end/node_modules/.bin:$PATH"
step() { say "RUN $1"; (cd "$WORK/build" && eval "$1"); }
# The Dockerfile's RUN commands, verbatim, in order (the install steps are no-ops when the
# machine already has the pinned tools).
step 'rustup target add wasm32-unknown-unknown'
step 'cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION" || cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked'
step 'wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION" || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"'
step 'command -v npm >/dev/null || (apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*)'
step 'cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error'
step 'cargo leptos build --release --precompress'
step 'mkdir -p "$OUT" && cp "${CARGO_TARGET_DIR:-target}/release/marketedge" Leptos.toml "$OUT/" && cp -r target/site "$OUT/site"'

# --- runtime stage (WORKDIR /app) -----------------------------------------------------------
step 'apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*'
step 'id marketedge >/dev/null 2>&1 || useradd --system --uid 10001 --no-create-home marketedge'
say "COPY --from=build /out/ /app/  ->  $WORK/app"
cp -r "$OUT/." "$WORK/app/"
[ "$(ls "$WORK/app" | sort | tr '\n' ' ')" = "Leptos.toml marketedge site " ] \
  || { echo "the runtime folder holds more than the binary, the site and Leptos.toml" >&2; exit 1; }
chmod -R a+rX "$WORK/app"

# --- start it as the image would, as the non-root user --------------------------------------
set -a && . "$ROOT/.local/env" && set +a
DB=marketedge_image
psql "$DATABASE_URL" -qtA -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
say "CMD /app/marketedge serve (as marketedge, APP_ENV=production, PORT=$PORT)"
# tower_http at debug: a line per request and response, to show each carries its request id.
# setpriv execs the server itself (runuser would stay as its parent), so SIGTERM reaches it.
setpriv --reuid=marketedge --regid=marketedge --clear-groups -- env -i PATH=/usr/bin:/bin RUST_LOG=marketedge=info,tower_http=debug,warn \
  APP_ENV=production LEPTOS_SITE_ROOT="$WORK/app/site" LEPTOS_CONFIG_FILE="$WORK/app/Leptos.toml" \
  PORT="$PORT" DATABASE_URL="$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$DB\1#")" \
  JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')" PUBLIC_URL="http://127.0.0.1:$PORT" \
  "$WORK/app/marketedge" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill -TERM $SERVER 2>/dev/null || true
  wait $SERVER 2>/dev/null || true
  psql "$DATABASE_URL" -qtA -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
ready=""
for _ in $(seq 1 100); do
  ready="$(curl -fsS "http://[::1]:$PORT/readyz" 2>/dev/null)" && break
  kill -0 $SERVER 2>/dev/null || break
  sleep 0.2
done
[ -n "$ready" ] || { cat "$WORK/server.log" >&2; echo "/readyz never answered 200" >&2; exit 1; }
say "/readyz on [::1]:$PORT: $ready"
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/login"
python3 - "$WORK/server.log" <<'PY'
import json, sys
lines = [line for line in open(sys.argv[1]) if line.strip()]
for line in lines:
    json.loads(line)  # every line is a JSON object
assert lines, "no log lines"
assert any('"request_id"' in line for line in lines), "no line carried a request id"
print(f"{len(lines)} log lines, all JSON")
PY
kill -TERM $SERVER && wait $SERVER && grep -q '"MarketEdge stopped"' "$WORK/server.log" \
  && say "stopped cleanly on SIGTERM: /readyz 200 over IPv6, JSON logs, non-root"
