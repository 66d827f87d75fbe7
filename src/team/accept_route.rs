//! `POST /accept-invitation`: the invitation form's target, a plain form post answered with a
//! redirect (like sign-in), so joining works before or without JavaScript. Success creates the
//! account and signs this browser in.

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

use crate::access::state::AppState;
use crate::account::routes::sign_in_and_go;
use crate::runtime::client_address::client_address;
use crate::team::invitations::{self, AcceptError, Acceptance};

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

fn back(query: Vec<(String, String)>) -> Response {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("/accept-invitation?{query}")).into_response()
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    parts: Parts,
    session: Session,
    form: Result<Form<AcceptForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return back(vec![("error".into(), "invalid_link".into())]);
    };
    let now = state.clock.now();
    let acceptance = Acceptance {
        token: &form.token,
        display_name: &form.display_name,
        new_password: &form.new_password,
        confirm_password: &form.confirm_password,
    };
    let outcome =
        invitations::accept(&state.pool, &state.keys, acceptance, &client_address(&parts), now)
            .await;
    match outcome {
        Ok(account) => sign_in_and_go(&state, &parts, &session, &account, "/?welcome=1").await,
        Err(AcceptError::InvalidLink) => back(vec![("error".into(), "invalid_link".into())]),
        Err(AcceptError::HasAccount) => back(vec![("error".into(), "has_account".into())]),
        Err(AcceptError::Fields(fields)) => {
            // Back to the form with the token and each field's code, like the reset form.
            let mut query = vec![("token".to_owned(), form.token)];
            query.extend(fields.into_iter().map(|field| (field.field, field.code)));
            back(query)
        }
        Err(AcceptError::App(error)) => error.into_response(),
    }
}
