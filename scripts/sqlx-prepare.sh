#!/usr/bin/env bash
# Regenerates the committed .sqlx/ query cache, so builds check SQL at compile time without a
# database (SQLX_OFFLINE=true). The sqlx macros write the cache themselves when SQLX_OFFLINE_DIR is
# set, so sqlx-cli is not needed: migrate a scratch database, recompile the crate against it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -a; . ./.local/env; set +a
SCRATCH="marketedge_sqlx_prepare_$$"
SCRATCH_URL="$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$SCRATCH\1#")"

psql "$DATABASE_URL" -qtA -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $SCRATCH WITH (FORCE)" -c "CREATE DATABASE $SCRATCH" >/dev/null
for migration in migrations/*.sql; do
  psql "$SCRATCH_URL" -q -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
done

rm -rf .sqlx && mkdir -p .sqlx
# Touching the sources makes cargo re-expand every query macro.
find src -name '*.rs' -exec touch {} +
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$ROOT/.sqlx" DATABASE_URL="$SCRATCH_URL" \
  RUSTFLAGS="--cfg erase_components" cargo check --no-default-features --features ssr --all-targets
psql "$DATABASE_URL" -qtA -c "DROP DATABASE IF EXISTS $SCRATCH WITH (FORCE)" >/dev/null
echo "wrote $(ls .sqlx | wc -l) queries to .sqlx/"
