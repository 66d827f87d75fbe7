# MarketEdge: the release server and its hydration bundle, built with cargo-leptos, shipped in a
# small Debian image as a non-root user with only the binary, the site folder and Leptos.toml.
#
# Docker cannot run on the development machines, so scripts/image-steps.sh runs these same RUN
# commands in a clean directory to prove them; tests/host/deploy_files.rs fails when the two drift.
# Keep each RUN command on its own logical line, as the script and the test read them.

# --- build -----------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /build
ENV CARGO_LEPTOS_VERSION=0.3.10 WASM_BINDGEN_VERSION=0.2.130 OUT=/out
# The pinned tools (docs: cargo-leptos 0.3.11 needs a newer rustc; wasm-bindgen must equal the crate).
RUN rustup target add wasm32-unknown-unknown
RUN cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION" || cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
RUN wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION" || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
# binaryen's wasm-opt from npm: Debian's breaks hydration at runtime.
RUN command -v npm >/dev/null || (apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*)
COPY end2end/package.json end2end/package-lock.json end2end/
RUN cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
COPY . .
# Queries are checked against the committed .sqlx cache: no database is needed to build.
ENV SQLX_OFFLINE=true LEPTOS_OUTPUT_NAME=marketedge PATH=/build/end2end/node_modules/.bin:$PATH
RUN cargo leptos build --release --precompress
RUN mkdir -p "$OUT" && cp "${CARGO_TARGET_DIR:-target}/release/marketedge" Leptos.toml "$OUT/" && cp -r target/site "$OUT/site"

# --- run -------------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
RUN id marketedge >/dev/null 2>&1 || useradd --system --uid 10001 --no-create-home marketedge
WORKDIR /app
COPY --from=build /out/ /app/
# Production unless told otherwise; PORT (Railway sets it) decides the listen port on [::].
ENV APP_ENV=production LEPTOS_SITE_ROOT=/app/site LEPTOS_CONFIG_FILE=/app/Leptos.toml PORT=8080
USER marketedge
EXPOSE 8080
# Migrations run at start under an advisory lock, so several instances may start together.
CMD ["/app/marketedge", "serve"]
