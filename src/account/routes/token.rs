//! `POST /api/v1/token`: bearer tokens for API clients, in the shape of OAuth 2.0's token endpoint
//! (RFC 6749 §4.3 and §6). The body is JSON or form-encoded:
//!
//! - `{"grant_type": "password", "email": "...", "password": "..."}`
//! - `{"grant_type": "refresh_token", "refresh_token": "..."}`
//!
//! Success answers `{access_token, token_type: "Bearer", expires_in, refresh_token}`; failures
//! answer `{error, error_description}` with 400 (malformed), 401 (refused), 403 (suspended) or
//! 429 (throttled, with `Retry-After`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::jwt::{AccessClaims, ACCESS_TOKEN_SECONDS};
use crate::access::state::AppState;
use crate::account::refresh::{self, Redeemed};
use crate::account::sign_in::{self, Account, LoginError, Requester, Standing};
use crate::error::AppError;
use crate::runtime::client_address::client_address;
use crate::runtime::metrics::{self, Channel};

/// Where the endpoint is served.
pub const PATH: &str = "/api/v1/token";

// The three shapes below also describe the endpoint in the OpenAPI document (`ToSchema`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum TokenRequest {
    Password {
        /// The account's email. `username`, the name RFC 6749 §4.3.2 gives it (and most OAuth
        /// client libraries send), is accepted as well.
        #[serde(alias = "username")]
        email: String,
        password: String,
    },
    RefreshToken {
        refresh_token: String,
    },
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TokenResponse {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
    refresh_token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TokenError {
    /// `invalid_request` (400), `invalid_grant` (401), `access_denied` (403) or
    /// `temporarily_unavailable` (429).
    error: &'static str,
    error_description: &'static str,
}

fn refuse(status: StatusCode, error: &'static str, error_description: &'static str) -> Response {
    (status, Json(TokenError { error, error_description })).into_response()
}

/// A request that is not a token request: `invalid_request` (also for bodies that
/// `wire::refuse_malformed_text` refuses before they reach [`issue_token`]).
pub(crate) fn malformed() -> Response {
    refuse(StatusCode::BAD_REQUEST, "invalid_request", "Invalid request parameters")
}

/// The anonymous flood guard's refusal (anonymous_limit.rs) in this endpoint's own shape, so
/// an OAuth client reads it like the throttle's: `temporarily_unavailable`, 429.
pub(crate) fn flooded() -> Response {
    refuse(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        "Too many requests from your network. Please wait a minute, then try again.",
    )
}

fn invalid_grant() -> Response {
    refuse(StatusCode::UNAUTHORIZED, "invalid_grant", "The credentials were not accepted.")
}

fn internal(error: impl std::fmt::Display) -> Response {
    crate::error::AppError::internal(error).into_response()
}

pub async fn issue_token(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let content_type =
        parts.headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let request: Option<TokenRequest> = if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).ok()
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(&body).ok()
    } else {
        None
    };
    let Some(request) = request else {
        return malformed();
    };
    let now = state.clock.now();
    let address = client_address(&parts);

    // The refresh token to hand out: `None` starts a new family (password grant), `Some` is
    // the successor a refresh grant already issued.
    let (account, successor) = match request {
        TokenRequest::Password { email, password } => {
            // API clients keep the account's and the address's limits: no device cookie.
            let requester = Requester::of(&parts, None);
            match sign_in::authenticate(&state.pool, &email, &password, &requester, now).await {
                Ok(account) => (account, None),
                Err(LoginError::InvalidCredentials) => {
                    metrics::login_failed(Channel::Api);
                    return invalid_grant();
                }
                Err(LoginError::Locked { until }) => {
                    metrics::login_throttled(Channel::Api);
                    let mut response = refuse(
                        StatusCode::TOO_MANY_REQUESTS,
                        "temporarily_unavailable",
                        "Too many failed attempts. Try again later.",
                    );
                    let wait = (until - now).whole_seconds().max(1);
                    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                        response.headers_mut().insert(RETRY_AFTER, value);
                    }
                    return response;
                }
                Err(LoginError::OrganisationSuspended) => {
                    return refuse(
                        StatusCode::FORBIDDEN,
                        "access_denied",
                        "This organisation is suspended.",
                    )
                }
                Err(LoginError::Failed(error)) => return error.into_response(),
            }
        }
        TokenRequest::RefreshToken { refresh_token } => {
            match refresh::redeem(&state.pool, &refresh_token, now).await {
                Ok(Redeemed::Valid { user_id, auth_version, successor }) => {
                    let account = match sign_in::load_account_by_id(&state.pool, user_id).await {
                        Ok(Some(account)) => account,
                        Ok(None) => return invalid_grant(),
                        Err(error) => return internal(error),
                    };
                    if account.standing() != Standing::Good || account.auth_version != auth_version
                    {
                        return invalid_grant();
                    }
                    (account, Some(successor))
                }
                Ok(Redeemed::Reused { user_id }) => {
                    let event = AuditEvent {
                        action: AuditAction::RefreshTokenReused,
                        actor_user_id: Some(user_id),
                        subject: "",
                        client_address: &address,
                        detail: serde_json::json!({ "family_revoked": true }),
                    };
                    if let Err(error) = audit::record_platform(&state.pool, event, now).await {
                        tracing::warn!(%error, "could not audit refresh-token reuse");
                    }
                    tracing::warn!(%user_id, "refresh token reused; its family is revoked");
                    return invalid_grant();
                }
                Ok(Redeemed::Invalid) => return invalid_grant(),
                Err(error) => return internal(error),
            }
        }
    };

    match issue_pair(&state, &account, successor, &address).await {
        Ok(response) => (StatusCode::OK, no_store(), Json(response)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Token responses must never be cached (RFC 6749 §5.1).
fn no_store() -> [(axum::http::HeaderName, &'static str); 1] {
    [(axum::http::header::CACHE_CONTROL, "no-store")]
}

async fn issue_pair(
    state: &AppState,
    account: &Account,
    successor: Option<String>,
    address: &str,
) -> Result<TokenResponse, AppError> {
    let refreshed = successor.is_some();
    let now = state.clock.now();
    let role = account.role().ok_or_else(|| AppError::internal("account without a role"))?;
    let claims = AccessClaims::new(
        account.user_id,
        account.organisation_id,
        role,
        account.auth_version,
        now,
    );
    let access_token = state.keys.sign_access(&claims).map_err(AppError::internal)?;
    let refresh_token = match successor {
        Some(token) => token,
        None => refresh::issue(&state.pool, account.user_id, account.auth_version, now).await?,
    };
    let event = AuditEvent {
        action: AuditAction::TokenIssued,
        actor_user_id: Some(account.user_id),
        subject: &account.email,
        client_address: address,
        detail: serde_json::json!({ "jti": claims.jti, "refresh": refreshed }),
    };
    audit::record_for_account(&state.pool, account, event, now).await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token,
    })
}
