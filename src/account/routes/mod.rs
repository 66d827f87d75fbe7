//! Plain HTTP routes that are not pages or server functions: the sign-in form's target (it must
//! work before hydration, as an ordinary form post) and the API token endpoint.

pub mod reset;
pub mod sign_in;
pub mod token;

use axum::http::header::USER_AGENT;
use axum::http::request::Parts;

use crate::access::session::Device;
use crate::account::device;
pub use crate::runtime::client_address::client_address;

/// Starts a browser session for `account` (after a sign-in or an accepted invitation), remembers
/// the browser as one of the account's devices (device.rs), and sends it to `to`.
pub async fn sign_in_and_go(
    state: &crate::access::state::AppState,
    parts: &Parts,
    session: &tower_sessions::Session,
    account: &crate::access::identity::Account,
    to: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let now = state.clock.now();
    let started = crate::access::session::start(
        session,
        &state.pool,
        account,
        &device(parts),
        state.config.session_absolute.value,
        now,
    )
    .await;
    match started {
        Ok(()) => {
            let secure = state.config.cookie_secure.value;
            let presented = device::presented(&state.keys, &parts.headers, secure);
            let cookie =
                device::remember(&state.keys, presented.as_ref(), account.user_id, secure, now);
            let mut response = axum::response::Redirect::to(to).into_response();
            device::set_on(&mut response, cookie);
            response
        }
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
