//! Plain HTTP routes that are not pages or server functions: the sign-in form's target (it must
//! work before hydration, as an ordinary form post) and the API token endpoint.

pub mod invitation;
pub mod reset;
pub mod sign_in;
pub mod token;

use std::net::SocketAddr;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::ConnectInfo;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;

use crate::server::auth::session::Device;

/// The peer address of the connection. Forwarded headers are not trusted: behind a proxy every
/// client would share one address for throttling, which is safe (stricter), never spoofable.
pub fn client_address(parts: &Parts) -> String {
    // Like axum's `ConnectInfo` extractor, fall back to `MockConnectInfo`, which tests install.
    let connect_info = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
    let mocked = || parts.extensions.get::<MockConnectInfo<SocketAddr>>().map(|info| info.0);
    connect_info
        .or_else(mocked)
        .map(|address| address.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Starts a browser session for `account` (after a sign-in or an accepted invitation) and sends
/// the browser to `to`.
pub async fn sign_in_and_go(
    state: &crate::server::state::AppState,
    parts: &Parts,
    session: &tower_sessions::Session,
    account: &crate::server::auth::login::Account,
    to: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let now = state.clock.now();
    let started = crate::server::auth::session::start(
        session,
        &state.pool,
        account,
        &device(parts),
        state.config.session_absolute.value,
        now,
    )
    .await;
    match started {
        Ok(()) => axum::response::Redirect::to(to).into_response(),
        Err(error) => crate::error::AppError::from(error).into_response(),
    }
}

pub fn device(parts: &Parts) -> Device {
    Device {
        user_agent: parts
            .headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        client_address: client_address(parts),
    }
}
