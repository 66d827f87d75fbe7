//! Prometheus metrics: what an operator watches. `GET /metrics` exists only when `METRICS_TOKEN`
//! is set, and answers only a scraper presenting it (`Authorization: Bearer …`), because even
//! aggregate counts describe the whole platform.
//!
//! The names are the contract with dashboards and alert rules; docs/operations.md lists them.
//! Labels never carry an organisation, a user or a raw path: the route is the router's pattern
//! (`/markets/{id}`), so the series stay few however many rows and tenants there are.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "marketedge_http_requests_total";
pub const HTTP_DURATION: &str = "marketedge_http_request_duration_seconds";
pub const POOL_CONNECTIONS: &str = "marketedge_db_pool_connections";
pub const POOL_MAX: &str = "marketedge_db_pool_max_connections";
pub const LOGIN_FAILURES: &str = "marketedge_login_failures_total";
pub const LOGINS_THROTTLED: &str = "marketedge_logins_throttled_total";
pub const POOL_LOGIN_PRIVILEGED: &str = "marketedge_db_pool_login_privileged";
pub const ALERTS_CREATED: &str = "marketedge_alerts_created_total";

/// Request latency buckets, in seconds: pages answer in milliseconds, the request timeout cuts
/// everything off at a few seconds.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once and returns its handle. Until it is installed the
/// `metrics` macros do nothing, so a server without `METRICS_TOKEN` pays for nothing.
pub fn install() -> PrometheusHandle {
    RECORDER
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
                .expect("the latency buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Only this function installs a recorder, and only once.
            let _ = ::metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(HTTP_REQUESTS, "Requests answered, by method, route and status.");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer a request, by method, route and status."
    );
    describe_gauge!(POOL_CONNECTIONS, "Database connections of the pool, by state.");
    describe_gauge!(POOL_MAX, "The pool's connection limit.");
    describe_gauge!(
        POOL_LOGIN_PRIVILEGED,
        "1 when the pool logs in as a superuser or a BYPASSRLS role (set DATABASE_APP_URL)."
    );
    describe_counter!(LOGIN_FAILURES, "Failed sign-ins (wrong email or password), by channel.");
    describe_counter!(
        LOGINS_THROTTLED,
        "Sign-ins refused by the brute-force throttle, by channel."
    );
    describe_counter!(ALERTS_CREATED, "Price alerts raised by new observations.");
}

/// Where a sign-in came from, as a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The sign-in form.
    Browser,
    /// `POST /api/v1/token`.
    Api,
}

impl Channel {
    fn label(self) -> &'static str {
        match self {
            Channel::Browser => "browser",
            Channel::Api => "api",
        }
    }
}

/// 1 when the pool's login role is a superuser or has `BYPASSRLS` (db/login_role.rs).
pub fn pool_login_privileged(privileged: bool) {
    ::metrics::gauge!(POOL_LOGIN_PRIVILEGED).set(if privileged { 1.0 } else { 0.0 });
}

pub fn login_failed(channel: Channel) {
    ::metrics::counter!(LOGIN_FAILURES, "channel" => channel.label()).increment(1);
}

pub fn login_throttled(channel: Channel) {
    ::metrics::counter!(LOGINS_THROTTLED, "channel" => channel.label()).increment(1);
}

/// Counts alerts once the transaction that raised them has committed.
pub fn alerts_created(count: u64) {
    if count > 0 {
        ::metrics::counter!(ALERTS_CREATED).increment(count);
    }
}

/// Middleware: counts and times every request by method, route pattern and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = route_label(&request);
    let response = next.run(request).await;
    let labels =
        [("method", method), ("route", route), ("status", response.status().as_u16().to_string())];
    ::metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    ::metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The route a request matched: the router's pattern (every server function is registered as a
/// route of its own path, so theirs is that path); anything unmatched — static files and unknown
/// paths — is one label, never the raw path.
fn route_label(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None => "unmatched".to_owned(),
    }
}
