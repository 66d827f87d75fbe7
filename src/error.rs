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
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_documented_mapping() {
        let cases = [
            (AppError::Unauthenticated, 401),
            (AppError::Forbidden, 403),
            (AppError::OrganisationSuspended, 403),
            (AppError::NotFound, 404),
            (AppError::BadRequest, 400),
            (AppError::Validation { fields: vec![] }, 422),
            (AppError::Busy, 429),
            (AppError::RateLimited, 429),
            (AppError::Unavailable, 503),
            (AppError::Internal { request_id: None }, 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
        }
    }

    #[test]
    fn internal_errors_show_only_the_reference() {
        let error = AppError::Internal { request_id: Some("req-123".into()) };
        assert_eq!(error.to_string(), "Something went wrong on our side. Reference: req-123");
    }

    #[test]
    fn framework_errors_never_carry_their_text() {
        let error =
            AppError::from_server_fn_error(ServerFnErrorErr::ServerError("pg: relation x".into()));
        assert_eq!(error, AppError::Internal { request_id: None });
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(error, AppError::BadRequest);
    }

    #[test]
    fn errors_round_trip_through_json_for_the_browser() {
        let error = AppError::Validation {
            fields: vec![FieldError {
                field: "email".into(),
                code: "invalid".into(),
                message: "Enter an email address.".into(),
            }],
        };
        let json = serde_json_roundtrip(&error);
        assert_eq!(json, error);
    }

    fn serde_json_roundtrip(error: &AppError) -> AppError {
        let bytes = <AppError as FromServerFnError>::ser(error);
        <AppError as FromServerFnError>::de(bytes)
    }
}

#[cfg(feature = "ssr")]
mod server_side {
    use super::AppError;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    impl AppError {
        /// Logs an unexpected failure with the request id and returns what the user may see:
        /// a generic message carrying only that id.
        pub fn internal(error: impl std::fmt::Display) -> Self {
            let request_id = crate::runtime::request_id::current();
            tracing::error!(
                request_id = request_id.as_deref().unwrap_or("-"),
                %error,
                "internal error"
            );
            AppError::Internal { request_id }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            match error {
                // The database is down or saturated: the client may retry; nothing is wrong with
                // the request or with our code.
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                    unavailable(&error)
                }
                sqlx::Error::Database(ref database) if is_transient(database.code().as_deref()) => {
                    unavailable(&error)
                }
                other => AppError::internal(other),
            }
        }
    }

    /// SQLSTATEs that say the server or the connection went away, not that the statement was
    /// wrong: connection exceptions (class 08), an administrator or a crash ending the session
    /// (57P01 `pg_terminate_backend` or a fast shutdown, 57P02), a server still starting or
    /// stopping (57P03), and no connection slot left (53300). The transaction they interrupted
    /// was rolled back whole by PostgreSQL, so the client may retry.
    fn is_transient(code: Option<&str>) -> bool {
        code.is_some_and(|code| {
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
        })
    }

    fn unavailable(error: &sqlx::Error) -> AppError {
        tracing::warn!(
            request_id = crate::runtime::request_id::current().as_deref().unwrap_or("-"),
            %error,
            "database unavailable"
        );
        AppError::Unavailable
    }

    /// Plain axum routes answer errors as JSON with the matching status.
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            // The same shape as server functions' errors, plus the human message.
            let mut body = serde_json::to_value(&self).unwrap_or_else(|_| serde_json::json!({}));
            if let Some(fields) = body.as_object_mut() {
                fields.insert("message".into(), serde_json::Value::String(self.to_string()));
            }
            let mut response = (status, axum::Json(body)).into_response();
            if let Some(seconds) = self.retry_after() {
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static(seconds),
                );
            }
            response
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn database_failures_never_show_their_text() {
            let error = AppError::from(sqlx::Error::Protocol("relation \"users\" leaked".into()));
            assert_eq!(error, AppError::Internal { request_id: None });
            assert!(!error.to_string().contains("users"));
        }

        #[test]
        fn an_exhausted_pool_is_unavailable_not_internal() {
            assert_eq!(AppError::from(sqlx::Error::PoolTimedOut), AppError::Unavailable);
        }

        #[test]
        fn a_lost_server_is_transient_and_a_wrong_statement_is_not() {
            for code in ["08006", "08003", "57P01", "57P02", "57P03", "53300"] {
                assert!(is_transient(Some(code)), "{code}");
            }
            // Unique violation, syntax error, query cancelled by statement_timeout, no code.
            for code in [Some("23505"), Some("42601"), Some("57014"), None] {
                assert!(!is_transient(code), "{code:?}");
            }
        }

        #[tokio::test]
        async fn internal_errors_carry_the_current_request_id() {
            let error = crate::runtime::request_id::scope_for_test("req-42", async {
                AppError::internal("boom")
            })
            .await;
            assert_eq!(error, AppError::Internal { request_id: Some("req-42".into()) });
            assert_eq!(error.into_response().status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
}
