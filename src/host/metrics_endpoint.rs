//! `GET /metrics`: the counters of `runtime::metrics` for a scraper presenting `METRICS_TOKEN`.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::access::ctx::bearer_token;
use crate::access::state::AppState;
use crate::runtime::metrics::{install, POOL_CONNECTIONS, POOL_MAX};

/// `GET /metrics`.
// public: a scraper is not a user, so there is no access context; the endpoint is absent unless
// METRICS_TOKEN is configured, and answers only a request bearing that token. It reads no
// organisation's data, only the pool's counters.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers.get(header::AUTHORIZATION).and_then(bearer_token);
    // Comparing digests keeps the comparison's timing independent of the token's bytes.
    let matches = presented.is_some_and(|token| {
        Sha256::digest(token.as_bytes()) == Sha256::digest(expected.value.expose().as_bytes())
    });
    if !matches {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    let handle = install();
    let size = state.pool.size();
    let idle = state.pool.num_idle() as u32;
    ::metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set(size.saturating_sub(idle));
    ::metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(idle);
    ::metrics::gauge!(POOL_MAX).set(state.config.db_max_connections.value);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render())
        .into_response()
}
