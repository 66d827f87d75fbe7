//! `POST /login` and `POST /logout`: ordinary form posts answered with a redirect, so signing in
//! and out work with or without JavaScript.

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::session;
use crate::access::state::AppState;
use crate::account::device;
use crate::account::routes::sign_in_and_go;
use crate::account::sign_in::{self, LoginError, Requester};
use crate::error::AppError;
use crate::runtime::client_address::client_address;
use crate::runtime::metrics::{self, Channel};

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Where to go after signing in: only a path on this site, never `//elsewhere` or a full URL.
pub fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become
    // "//evil.example": refuse any whitespace or control character, and backslashes.
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if local {
        next
    } else {
        "/"
    }
}

fn back_to_login(error: &str, next: &str) -> Response {
    let query = serde_urlencoded::to_string([("error", error), ("next", safe_next(next))])
        .unwrap_or_default();
    Redirect::to(&format!("/login?{query}")).into_response()
}

pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    session: Session,
    form: Result<Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return back_to_login("invalid", "/");
    };
    if form.email.trim().is_empty() || form.password.is_empty() {
        return back_to_login("missing", &form.next);
    }
    let now = state.clock.now();
    let device = device::presented(&state.keys, &parts.headers, state.config.cookie_secure.value);
    let requester = Requester::of(&parts, device);
    match sign_in::authenticate(&state.pool, &form.email, &form.password, &requester, now).await {
        Ok(account) => {
            sign_in_and_go(&state, &parts, &session, &account, safe_next(&form.next)).await
        }
        Err(LoginError::InvalidCredentials) => {
            metrics::login_failed(Channel::Browser);
            back_to_login("credentials", &form.next)
        }
        Err(LoginError::Locked { .. }) => {
            metrics::login_throttled(Channel::Browser);
            back_to_login("locked", &form.next)
        }
        Err(LoginError::OrganisationSuspended) => back_to_login("suspended", &form.next),
        Err(LoginError::Failed(error)) => error.into_response(),
    }
}

pub async fn sign_out(State(state): State<AppState>, parts: Parts, session: Session) -> Response {
    match session::end(&session, &state.pool).await {
        Ok(Some(auth)) => {
            let event = AuditEvent {
                action: AuditAction::Logout,
                actor_user_id: Some(auth.user_id),
                subject: "",
                client_address: &client_address(&parts),
                detail: serde_json::json!({}),
            };
            let account =
                sign_in::load_account_by_id(&state.pool, auth.user_id).await.ok().flatten();
            let now = state.clock.now();
            let recorded = match &account {
                Some(account) => audit::record_for_account(&state.pool, account, event, now).await,
                None => audit::record_platform(&state.pool, event, now).await,
            };
            if let Err(error) = recorded {
                tracing::warn!(%error, "could not audit a sign-out");
            }
            Redirect::to("/login?signed_out=1").into_response()
        }
        Ok(None) => Redirect::to("/login").into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

#[cfg(test)]
mod tests;
