#!/usr/bin/env bash
# `make fault`: every fault scenario, the property fuzzers and schemathesis, one after another.
# Each step starts what it needs and stops by itself; a failing step does not stop the others.
# Results: target/fault/<step>.json and .log, and target/fault/summary.md.
#
#   FAULT_ONLY="db_restart two_instances"   run only these steps
#   PROPTEST_CASES=20000                    cases per property in the fuzz step (default 5000)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=target/fault
mkdir -p "$OUT"
set -a && . ./.local/env && set +a

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# The one-organisation flood comes from wrk (Debian), as in make bench.
command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }

say "building the server (debug, as make run)"
RUSTFLAGS="--cfg erase_components" cargo build --no-default-features --features ssr --bin marketedge \
  || exit 1

STEPS=(fuzz schemathesis db_restart pool_exhaustion db_blackhole kill_transaction two_instances slow_clients org_flood)
[ -n "${FAULT_ONLY:-}" ] && read -r -a STEPS <<<"$FAULT_ONLY"

run_step() {
  case "$1" in
    fuzz)
      PROPTEST_CASES="${PROPTEST_CASES:-5000}" RUSTFLAGS="--cfg erase_components" \
        cargo test --no-default-features --features ssr \
        --test fuzz ;;
    schemathesis) scripts/fault/schemathesis.sh ;;
    *) python3 "scripts/fault/$1.py" ;;
  esac
}

declare -A RESULT SECONDS_TAKEN
failed=0
for step in "${STEPS[@]}"; do
  say "$step"
  started=$(date +%s)
  if run_step "$step" 2>&1 | tee "$OUT/$step.log"; then RESULT[$step]=passed; else RESULT[$step]=FAILED; failed=$((failed + 1)); fi
  SECONDS_TAKEN[$step]=$(( $(date +%s) - started ))
done

{
  echo "| step | result | seconds |"
  echo "| --- | --- | --- |"
  for step in "${STEPS[@]}"; do echo "| $step | ${RESULT[$step]} | ${SECONDS_TAKEN[$step]} |"; done
} >"$OUT/summary.md"
cat "$OUT/summary.md"
echo "$(( ${#STEPS[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
