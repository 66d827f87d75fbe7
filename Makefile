# MarketEdge: `make run` starts the app with demo data; `make test` runs every test.
# Both set up whatever is missing first (see scripts/setup.sh), so each works on a fresh machine.

# Pinned tools. cargo-leptos 0.3.11 needs a newer rustc than this machine's 1.95; the
# wasm-bindgen CLI must match the `wasm-bindgen` crate pinned in Cargo.toml exactly.
export CARGO_LEPTOS_VERSION := 0.3.10
export WASM_BINDGEN_VERSION := 0.2.130

# Tools from cargo and npm (binaryen's wasm-opt) are found before any system copy.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# cargo-leptos builds with LEPTOS_OUTPUT_NAME set, and the leptos crates read it at compile time:
# setting the same value for plain cargo builds (tests, clippy, the benchmark's baseline) stops
# every switch between the two from recompiling the leptos crates (minutes on 2 cores).
export LEPTOS_OUTPUT_NAME := marketedge
# Queries are checked at compile time against the committed .sqlx/ cache, so no database is needed
# to build. Run `make sqlx-prepare` after changing a query.
export SQLX_OFFLINE := true
# cargo-leptos builds debug with this flag; using it for cargo test and clippy too lets them share
# the compiled dependencies instead of building everything twice.
TEST_RUSTFLAGS := --cfg erase_components
SERVER_FEATURES := --no-default-features --features ssr
LOAD_ENV := set -a && . ./.local/env && set +a

.PHONY: run test bench fault setup build lint fmt sqlx-prepare clean-db

run: setup build
	@$(LOAD_ENV) && ./target/debug/marketedge migrate
	@$(LOAD_ENV) && ./target/debug/marketedge seed-demo
	@echo "MarketEdge: http://127.0.0.1:3000  (Ctrl-C stops it)"
	@$(LOAD_ENV) && exec ./target/debug/marketedge serve

test: setup
	@scripts/test.sh

# Ratios against baselines measured in the same run (release build; not part of `make test`).
bench: setup
	@scripts/bench.sh

# Faults under load: database restarts and stalls, pool exhaustion, killed connections, two
# instances, slow clients, a one-organisation flood, property fuzzing and schemathesis
# (docs/reliability.md; a few minutes; not part of `make test`).
fault: setup build
	@scripts/fault/run.sh

setup:
	@scripts/setup.sh tools
	@scripts/setup.sh database

build:
	cargo leptos build

lint:
	RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo clippy $(SERVER_FEATURES) --all-targets -- -D warnings
	cargo fmt --check

fmt:
	cargo fmt

# Regenerates .sqlx/ from a migrated scratch database (needs sqlx-cli 0.8.6).
sqlx-prepare: setup
	@scripts/sqlx-prepare.sh
