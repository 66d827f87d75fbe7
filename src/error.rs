//! The one error type of the application, shared by the server and the browser.
//!
//! Every variant's message is safe to show a user: it never carries a database message, a stack
//! or a path. Internal failures are logged on the server with the request id and reach the user
//! only as that id, so support can find the log line without the user seeing its content.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// One field's problem, shown beside the field. `code` is stable for programs; `message` is for
/// people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    /// No valid credentials (401).
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Valid credentials without the needed role (403).
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// The caller's organisation is suspended by the platform: every member is refused until it
    /// is reactivated (403, distinct from `Forbidden` so pages can explain it).
    #[error(
        "Your organisation's access to MarketEdge is suspended. Please contact MarketEdge support."
    )]
    OrganisationSuspended,
    /// The thing does not exist, or belongs to someone else (404; the two are not distinguished).
    #[error("We could not find what you were looking for.")]
    NotFound,
    /// The request could not be decoded (400).
    #[error("Invalid request parameters.")]
    BadRequest,
    /// Input decoded but broke the rules; every field's problem at once (422).
    #[error("Some fields need your attention.")]
    Validation { fields: Vec<FieldError> },
    /// The caller's organisation already has its fair share of requests in progress (429); it
    /// may retry in a moment (docs/reliability.md).
    #[error(
        "Your organisation is making too many requests at once. Please try again in a moment."
    )]
    Busy,
    /// Someone at the caller's address sent too many requests to the endpoints that need no
    /// sign-in (429, `Retry-After` says when to retry; docs/security.md).
    #[error("Too many requests from your network. Please wait a minute, then try again.")]
    RateLimited,
    /// A dependency such as the database is unreachable right now (503).
    #[error("MarketEdge is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    /// Our fault; details are in the server log under this request id (500).
    #[error("Something went wrong on our side.{}", reference(request_id))]
    Internal { request_id: Option<String> },
}

fn reference(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(" Reference: {id}"),
        None => String::new(),
    }
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::OrganisationSuspended => 403,
            AppError::NotFound => 404,
            AppError::BadRequest => 400,
            AppError::Validation { .. } => 422,
            AppError::Busy | AppError::RateLimited => 429,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`), for errors worth retrying.
    pub fn retry_after(&self) -> Option<&'static str> {
        match self {
            // Long enough for a pool to drain or a database to come back.
            AppError::Unavailable => Some("5"),
            // A turn in the organisation's line frees up within a request's time.
            AppError::Busy => Some("1"),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Framework-level failures: undecodable arguments are the client's fault; a request that
    /// never reached us (browser offline) is "unavailable"; anything else is internal, and its
    /// text is deliberately dropped so it cannot reach the user.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
            ServerFnErrorErr::Request(_) => AppError::Unavailable,
            _ => AppError::Internal { request_id: None },
        }
    }
}

#[cfg(test)]
mod tests;
