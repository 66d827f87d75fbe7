//! The router and its middleware. Tests build the very same router through [`router`].

use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::{shell, App};
use crate::server::auth::session;
use crate::server::routes::{reset, sign_in, token};
use crate::server::state::AppState;
use crate::server::{health, request_id};

/// Builds the whole application: health endpoints, server functions, pages and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();

    let request_layers = ServiceBuilder::new()
        // Outermost first: give the request an id, log it with that id, echo it back, and make it
        // readable from inside server functions.
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request
                .headers()
                .get(&request_id::HEADER)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(axum::middleware::from_fn(request_id::scope));

    let sessions = session::layer(session::store(state.pool.clone()), &state.config);

    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/login", post(sign_in::sign_in))
        .route("/logout", post(sign_in::sign_out))
        .route("/forgot-password", post(reset::forgot_password))
        .route("/reset-password", post(reset::reset_password))
        .route("/api/v1/token", post(token::issue_token))
        .leptos_routes_with_context(&state, routes, || (), {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(|| (), shell))
        .layer(sessions)
        .layer(request_layers)
        .with_state(state)
}
