//! The server's side of `AppError`: turning database failures into it (logged with the request
//! id, never shown) and answering it from plain axum routes. The type itself is shared with the
//! browser (`crate::error`); what needs the server's request id lives here.

use crate::error::{AppError, FieldError};
use crate::model::validation::field_error;
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

/// The unique constraints (or unique indexes) a person can run into, and the field error each
/// becomes: (constraint, field, message), all with the code `taken`. One table, so a constraint
/// added to the schema is one line here, and a violation of any other stays what it is, a bug
/// (500), never a guessed field.
const TAKEN: &[(&str, &str, &str)] = &[
    ("organisations_name_key", "name", "Another organisation already has this name."),
    // The slug is made from the name: two super-admins creating one name at once meet here.
    ("organisations_slug_key", "name", "Another organisation already has this name."),
    ("markets_name_key", "name", "You already have a market with this name."),
    ("products_name_key", "name", "This market already has it."),
    ("users_email_key", "email", "An account with this email already exists."),
];

/// Whether `error` is a unique violation of `constraint`.
pub fn violates(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(database)
        if database.is_unique_violation() && database.constraint() == Some(constraint))
}

/// The field error for the unique violation of a constraint of [`TAKEN`]; `None` for any other
/// error.
pub fn taken(error: &sqlx::Error) -> Option<FieldError> {
    TAKEN
        .iter()
        .find(|(constraint, _, _)| violates(error, constraint))
        .map(|(_, field, message)| field_error(field, "taken", *message))
}

impl AppError {
    /// A failed write: a clash with a unique constraint of [`TAKEN`] is the field it concerns
    /// (422), anything else what `From<sqlx::Error>` makes of it.
    pub fn from_write(error: sqlx::Error) -> AppError {
        match taken(&error) {
            Some(field) => AppError::Validation { fields: vec![field] },
            None => AppError::from(error),
        }
    }

    /// The field error of the constraint `constraint` of [`TAKEN`], for a clash found by a check
    /// before the write: the same answer as the constraint's.
    pub fn taken(constraint: &str) -> AppError {
        let (_, field, message) = TAKEN
            .iter()
            .find(|(name, _, _)| *name == constraint)
            .unwrap_or_else(|| panic!("{constraint} is not in the table of unique constraints"));
        AppError::Validation { fields: vec![field_error(field, "taken", *message)] }
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
mod tests;
