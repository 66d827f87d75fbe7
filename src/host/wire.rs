//! Request and response hygiene around server functions.
//!
//! - `refuse_malformed_text`: a form or JSON body with a NUL byte (raw, `%00` or `\u0000`) or
//!   with bytes that are not UTF-8 once percent-decoded is refused with 400 before any handler
//!   runs. PostgreSQL cannot store NUL in text, and form decoding would otherwise replace bad
//!   bytes silently, so the client's mistake would surface later as something else.
//! - `status_from_error_body`: the server-function framework answers its own decoding failures
//!   with 500 even though the body already says `bad_request`. Every error body of a server
//!   function is an `AppError`, so its status is made to follow the error it carries.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::host::http::{body_limit, BODY_LIMIT_BYTES};

pub async fn refuse_malformed_text(request: Request, next: Next) -> Response {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    if !form && !content_type.starts_with("application/json") {
        return next.run(request).await;
    }
    let limit = body_limit(request.uri().path());
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let has_nul = bytes.contains(&0) || contains(&bytes, b"%00") || contains(&bytes, b"\\u0000");
    let decoded: Vec<u8> =
        if form { percent_encoding::percent_decode(&bytes).collect() } else { bytes.to_vec() };
    if has_nul || std::str::from_utf8(&decoded).is_err() {
        // The token endpoint speaks OAuth 2.0 (RFC 6749 §5.2), not `AppError`.
        if parts.uri.path() == crate::account::routes::token::PATH {
            return crate::account::routes::token::malformed();
        }
        return AppError::BadRequest.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The body limit of each path (see [`body_limit`]): a declared length over it is refused at
/// once, and a body streamed without one is cut off at the limit.
pub async fn limit_body(request: Request, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

pub async fn status_from_error_body(request: Request, next: Next) -> Response {
    let server_fn =
        request.uri().path().starts_with("/api/") && !request.uri().path().starts_with("/api/v1/");
    let response = next.run(request).await;
    if !server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT_BYTES).await else {
        return AppError::Internal { request_id: crate::runtime::request_id::current() }
            .into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
