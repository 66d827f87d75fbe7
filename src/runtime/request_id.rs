//! The request id: set on every request (or taken from the client's `x-request-id` when that is a
//! UUID, as proxies and API clients send it; anything else is replaced), echoed
//! on every response, attached to every log line of the request, and shown to users in internal
//! error messages so support can find the matching log entry.

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: String;
    static SPAN: tracing::Span;
}

/// Drops an incoming `x-request-id` that is not a UUID, so the next layer makes a fresh one: the
/// id lands in every log line of the request and in error messages, and must not carry text a
/// client chose (forged log lines, misleading support references).
pub async fn refuse_foreign(mut request: Request, next: Next) -> Response {
    let is_uuid = request
        .headers()
        .get(&HEADER)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| uuid::Uuid::try_parse(value).is_ok());
    if !is_uuid {
        request.headers_mut().remove(&HEADER);
    }
    next.run(request).await
}

/// Makes the request's id readable from anywhere in the request's task (server functions,
/// error conversions) through [`current`], and its log span through [`span`]. Runs just inside
/// the trace layer, where the current span is the request's.
pub async fn scope(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let span = tracing::Span::current();
    CURRENT.scope(id, SPAN.scope(span, next.run(request))).await
}

/// The request's own span. Deeper code runs inside other spans (a server function's, the
/// database's), so `Span::current()` there is not the one whose fields each line of the request
/// carries.
pub fn span() -> Option<tracing::Span> {
    SPAN.try_with(tracing::Span::clone).ok()
}

/// Adds who the request is for to every later log line of it (fields declared in http.rs), and
/// to the current server function's span (`access::ctx::guarded`), whose lines show its fields.
pub fn record_identity(user_id: uuid::Uuid, organisation_id: Option<uuid::Uuid>) {
    let current = tracing::Span::current();
    for span in span().into_iter().chain([current]) {
        span.record("user_id", tracing::field::display(user_id));
        if let Some(organisation) = organisation_id {
            span.record("organisation_id", tracing::field::display(organisation));
        }
    }
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
