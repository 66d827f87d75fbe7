//! The request id: set on every request (or taken from a trusted proxy's `x-request-id`), echoed
//! on every response, attached to every log line of the request, and shown to users in internal
//! error messages so support can find the matching log entry.

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: String;
}

/// Makes the request's id readable from anywhere in the request's task (server functions,
/// error conversions) through [`current`].
pub async fn scope(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    CURRENT.scope(id, next.run(request)).await
}

/// The id of the request being handled, if called inside one.
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.clone()).ok().filter(|id| !id.is_empty())
}

/// Runs `future` as if it were handling the request with this id.
#[cfg(test)]
pub async fn scope_for_test<F: std::future::Future>(id: &str, future: F) -> F::Output {
    CURRENT.scope(id.to_owned(), future).await
}
