//! The router and its middleware. Tests build the very same router through [`router`].

use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower::ServiceBuilder;

use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::access::ctx;
use crate::access::session;
use crate::access::state::AppState;
use crate::account::routes::reset;
use crate::account::routes::sign_in;
use crate::account::routes::token;
use crate::audit::export;
use crate::host::anonymous_limit;
use crate::host::app::{shell, App};
use crate::host::health;
use crate::host::metrics_endpoint;
use crate::host::openapi;
use crate::host::security;
use crate::host::wire;
use crate::runtime::client_address;
use crate::runtime::metrics;
use crate::runtime::request_id;
use crate::team::accept_route;

/// Largest request body accepted: forms and server-function arguments are small.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// The import server functions carry a CSV file (256 KiB, percent-encoded).
pub const IMPORT_BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// The body limit of a request path.
pub fn body_limit(path: &str) -> usize {
    match path {
        "/api/check_member_import" | "/api/import_members" | "/api/import_observations" => {
            IMPORT_BODY_LIMIT_BYTES
        }
        _ => BODY_LIMIT_BYTES,
    }
}

/// Builds the whole application: health endpoints, server functions, pages and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let production = state.config.is_production();
    let request_timeout = state.config.request_timeout.value;
    let proxy_trust = std::sync::Arc::new(state.config.trusted_proxies.value.clone());
    let anonymous_limit = std::sync::Arc::new(anonymous_limit::AnonymousLimit::default());

    let request_layers = ServiceBuilder::new()
        // Outermost first: give the request an id, log it with that id, echo it back, and make it
        // readable from inside server functions.
        .layer(axum::middleware::from_fn(request_id::refuse_foreign))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request
                .headers()
                .get(&request_id::HEADER)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            // The organisation and user are filled in by the guard once it knows them.
            tracing::info_span!(
                "request",
                request_id = id,
                method = %request.method(),
                path = %request.uri().path(),
                organisation_id = tracing::field::Empty,
                user_id = tracing::field::Empty,
            )
        }))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(axum::middleware::from_fn(request_id::scope))
        // Who the client is, once, before anything counts or records it (client_address.rs).
        .layer(axum::middleware::from_fn(move |request, next| {
            client_address::resolve(proxy_trust.clone(), request, next)
        }))
        // Public endpoints that touch the database: a flood is refused before it costs any.
        .layer(axum::middleware::from_fn(move |request, next| {
            anonymous_limit::enforce(anonymous_limit.clone(), request, next)
        }))
        // Everything after this, reading the body included (a client trickling its body is cut
        // off too), is bounded; inside the request-id scope so the timeout is logged with the id.
        .layer(axum::middleware::from_fn(move |request, next| {
            bound_duration(request_timeout, request, next)
        }))
        // Inside the request-id scope, so a panic's 500 carries the id.
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(axum::middleware::from_fn(move |request, next| {
            security::headers(production, request, next)
        }))
        .layer(axum::middleware::from_fn(security::refuse_cross_site))
        .layer(axum::middleware::from_fn(wire::status_from_error_body))
        .layer(axum::middleware::from_fn(wire::refuse_malformed_text))
        .layer(axum::middleware::from_fn(wire::limit_body))
        .layer(axum::middleware::from_fn(ctx::resolve_once_per_request));

    let sessions = session::layer(session::store(state.pool.clone()), &state.config);

    let app = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/login", post(sign_in::sign_in))
        .route("/logout", post(sign_in::sign_out))
        .route("/forgot-password", post(reset::forgot_password))
        .route("/reset-password", post(reset::reset_password))
        .route("/accept-invitation", post(accept_route::accept_invitation))
        .route("/api/v1/token", post(token::issue_token))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/metrics", get(metrics_endpoint::serve))
        .route("/export", get(export::download))
        .leptos_routes_with_context(&state, routes, security::provide_page_nonce, {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback_service(static_files(&state))
        .layer(sessions)
        .layer(request_layers);
    // Outermost, so every answer is counted, the middleware's own refusals included. Added per
    // route by `Router::layer`, so it sees the route's pattern.
    let app = match state.config.metrics_token {
        Some(_) => {
            metrics::install();
            app.layer(axum::middleware::from_fn(metrics::track))
        }
        None => app,
    };
    app.with_state(state)
}

/// The site's files (the hydration bundle, styles, public assets), precompressed where a `.br` or
/// `.gz` sits beside the file; anything else is the app's "not found" page.
///
/// Served here rather than by Leptos's `file_and_error_handler`: that one copies the response
/// options of whatever Leptos owner is current on the worker thread onto a file's response, and a
/// concurrent page's 404 once turned the wasm bundle into a 404 with the file as its body (the
/// page then never hydrated; seen in a browser test's trace).
fn static_files(state: &AppState) -> Router {
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        security::provide_page_nonce,
        shell,
    );
    let files = ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(axum::handler::Handler::with_state(not_found, state.clone()));
    Router::new().fallback_service(files)
}

/// Ends a request that is still unanswered after `limit` (`REQUEST_TIMEOUT_SECS`), dropping its
/// work. Answered like an exhausted pool (503, `Retry-After`, the usual error body) rather than
/// tower-http's bare 408: by then the usual cause is a stalled database, not the client (slow
/// clients are cut off sooner by the header-read timeout), and the client may simply retry.
async fn bound_duration(
    limit: Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                request_id = request_id::current().as_deref().unwrap_or("-"),
                limit_secs = limit.as_secs(),
                "request timed out"
            );
            axum::response::IntoResponse::into_response(crate::error::AppError::Unavailable)
        }
    }
}

/// A panic in a handler: logged with the request id, answered as a generic 500 carrying it.
fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    axum::response::IntoResponse::into_response(crate::error::AppError::internal(format!(
        "handler panicked: {detail}"
    )))
}

#[cfg(test)]
mod tests;
