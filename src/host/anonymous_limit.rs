//! A per-address rate limit on the endpoints anyone can call without signing in that still cost
//! the database something: the token endpoint, forgot and reset password, reading and accepting an
//! invitation, and the platform status check.
//!
//! Sign-in has its own, stricter throttle in PostgreSQL (throttle.rs); this one is a flood guard
//! that must cost nothing itself, so it lives in memory (per process: with several instances each
//! allows the rate) and answers before any database work. The client is the one client_address.rs
//! resolved (an IPv6 client by its /64). Signed-in traffic never passes through it.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::header::RETRY_AFTER;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;
use crate::runtime::client_address::ClientIp;

const TOKEN_PATH: &str = "/api/v1/token";

/// The limited paths: public, and each one reads or writes the database.
pub const LIMITED_PATHS: &[&str] = &[
    TOKEN_PATH,
    "/forgot-password",
    "/reset-password",
    "/accept-invitation",
    "/api/read_invitation",
    "/api/platform_status",
];

/// Sustained requests per minute per address, over all the limited paths together.
const PER_MINUTE: u32 = 60;
/// How many may come at once before the rate applies (a person clicking through a reset and an
/// invitation never gets near it; a script sending thousands does at once).
const BURST: u32 = 30;
/// Forgotten addresses are dropped after this many checks.
const PRUNE_EVERY: u64 = 4096;

pub struct AnonymousLimit {
    limiter: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

impl Default for AnonymousLimit {
    fn default() -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(PER_MINUTE).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN));
        AnonymousLimit { limiter: RateLimiter::keyed(quota), checks: AtomicU64::new(0) }
    }
}

impl AnonymousLimit {
    /// `Ok` to go ahead, or how long the address must wait.
    fn check(&self, address: &str) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&address.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Middleware: answers 429 with `Retry-After` to an address over its rate on a limited path.
pub async fn enforce(limit: Arc<AnonymousLimit>, request: Request, next: Next) -> Response {
    if !LIMITED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let address = request
        .extensions()
        .get::<ClientIp>()
        .map_or_else(|| "unknown".to_owned(), ClientIp::throttle_key);
    match limit.check(&address) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(
                request_id = crate::runtime::request_id::current().as_deref().unwrap_or("-"),
                client = address,
                path = request.uri().path(),
                "anonymous rate limit reached"
            );
            // OAuth clients of the token endpoint expect its error shape (RFC 6749 §5.2).
            let mut response = match request.uri().path() {
                TOKEN_PATH => crate::account::routes::token::flooded(),
                _ => AppError::RateLimited.into_response(),
            };
            let seconds = wait.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests;
