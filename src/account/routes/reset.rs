//! `POST /forgot-password` and `POST /reset-password`: plain form posts answered with redirects,
//! like sign-in, so they work without JavaScript.

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::access::state::AppState;
use crate::account::reset::{self, Requested, Requester, ResetError};
use crate::error::AppError;
use crate::model::validation::EMAIL_MAX_CHARS;
use crate::runtime::client_address::{client_address, throttle_address};

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Always answers "check your inbox", at once: the answer must not reveal whether the email has
/// an account, nor whether the request was throttled (that would tell a stranger when an
/// account's owner asked). The account is looked up later, in the background (auth/reset.rs).
pub async fn forgot_password(
    State(state): State<AppState>,
    parts: Parts,
    form: Result<Form<ForgotForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return Redirect::to("/forgot-password?error=invalid").into_response();
    };
    if form.email.trim().is_empty() {
        return Redirect::to("/forgot-password?error=missing").into_response();
    }
    // No account has a longer email; nothing that long is stored or counted.
    if form.email.trim().chars().count() > EMAIL_MAX_CHARS {
        return Redirect::to("/forgot-password?error=invalid").into_response();
    }
    let requester = Requester {
        client_address: client_address(&parts),
        throttle_address: throttle_address(&parts),
    };
    match reset::request_reset(&state.pool, &form.email, &requester, state.clock.now()).await {
        Ok(Requested::Queued | Requested::Throttled { .. }) => {
            Redirect::to("/forgot-password?sent=1").into_response()
        }
        Err(error) => AppError::from(error).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    form: Result<Form<ResetForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return Redirect::to("/reset-password?error=invalid_link").into_response();
    };
    let outcome = reset::complete_reset(
        &state.pool,
        &state.keys,
        &form.token,
        &form.new_password,
        &form.confirm_password,
        state.clock.now(),
    )
    .await;
    match outcome {
        Ok(()) => Redirect::to("/login?reset=1").into_response(),
        Err(ResetError::InvalidLink) => {
            Redirect::to("/reset-password?error=invalid_link").into_response()
        }
        Err(ResetError::Fields(fields)) => {
            // Back to the form with the token and each field's code; the page shows the shared
            // messages beside the fields.
            let mut query = vec![("token".to_owned(), form.token)];
            query.extend(fields.into_iter().map(|field| (field.field, field.code)));
            let query = serde_urlencoded::to_string(query).unwrap_or_default();
            Redirect::to(&format!("/reset-password?{query}")).into_response()
        }
        Err(ResetError::Failed(error)) => error.into_response(),
    }
}
