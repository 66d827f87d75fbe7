#!/usr/bin/env bash
# The hydration bundle as browsers download it: the release build of the front end (cargo-leptos
# with the wasm-release profile, wasm-bindgen, wasm-opt from binaryen), compressed with brotli by
# cargo-leptos's own --precompress. Goal: at most 180 KB; above 250 KB this fails (make test runs
# it, so CI enforces the limit on the real artefact).
#
# Prints one table row (scenario | size | | | goal). WASM_SIZE_SITE chooses where the front end is
# built (default target/wasm-size, apart from the debug site the browser tests serve).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
GOAL_KB=180
LIMIT_KB=250
SITE="${WASM_SIZE_SITE:-target/wasm-size}"

# Release wasm must go through npm's binaryen (Debian's breaks hydration; docs/toolchain).
export PATH="$ROOT/end2end/node_modules/.bin:$PATH"
if ! LEPTOS_SITE_ROOT="$SITE" cargo leptos build --release --frontend-only --precompress \
  >"$ROOT/target/wasm-size.log" 2>&1; then
  echo "the release front-end build failed; see target/wasm-size.log" >&2
  tail -20 "$ROOT/target/wasm-size.log" >&2
  exit 1
fi

bundle="$SITE/pkg/marketedge.wasm"
if [ ! -f "$bundle.br" ]; then
  echo "no brotli bundle at $bundle.br" >&2
  exit 1
fi
raw_kb=$(( $(stat -c %s "$bundle") / 1024 ))
br_kb=$(( $(stat -c %s "$bundle.br") / 1024 ))
printf '| hydration wasm, release, after wasm-opt, brotli (%s KB uncompressed) | %s KB | | | ≤ %s KB (fails above %s) |\n' \
  "$raw_kb" "$br_kb" "$GOAL_KB" "$LIMIT_KB"
if [ "$br_kb" -gt "$LIMIT_KB" ]; then
  echo "the hydration bundle is $br_kb KB compressed, over the $LIMIT_KB KB limit" >&2
  exit 1
fi
if [ "$br_kb" -gt "$GOAL_KB" ]; then
  echo "note: the hydration bundle is $br_kb KB compressed, over the $GOAL_KB KB goal" >&2
fi
