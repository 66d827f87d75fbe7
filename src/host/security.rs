//! Response hardening and cross-site request refusal.
//!
//! - Every response gets the security headers below; HTML pages get a Content-Security-Policy
//!   whose script nonce is fresh per response, anything else a policy that allows nothing. The
//!   nonce is made here, before the request reaches Leptos, and handed to the renderer through
//!   the request ([`PageNonce`], [`provide_page_nonce`]), so the header never depends on what
//!   the page rendering did with its response options.
//! - Every response except the static bundle is `Cache-Control: no-store`: pages and API answers
//!   may be personal, and a shared cache must never keep them.
//! - State-changing requests that ride on the browser's cookie (and the sign-in forms, which set
//!   one) are refused when Fetch Metadata says they come from another site; without Fetch
//!   Metadata, `Origin` or `Referer` must name this host, and a cookie request with neither is
//!   refused. Bearer-token requests cannot be forged by a browser and are exempt.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HOST, ORIGIN, REFERER, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::access::ctx::bearer_token;
use crate::error::AppError;

/// The page policy; `{nonce}` is replaced per response.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// For responses that are not pages (JSON, files): nothing may run or be framed.
const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// The script nonce of this request's page, if it renders one.
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

/// Gives the page being rendered the request's nonce, so Leptos's hydration scripts carry the
/// value the response's policy names. Runs as the Leptos routes' additional context, after
/// Leptos provided the request parts (and its own nonce, which this replaces).
pub fn provide_page_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// Adds the security headers to every response.
pub async fn headers(production: bool, mut request: Request, next: Next) -> Response {
    let static_asset =
        request.uri().path().starts_with("/pkg/") || request.uri().path() == "/favicon.svg";
    let nonce = leptos::nonce::Nonce::new().to_string();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    let html = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = match html {
        true => HeaderValue::from_str(&page_policy(&nonce)).ok(),
        false => None,
    };
    headers.insert(
        CONTENT_SECURITY_POLICY,
        policy.unwrap_or_else(|| HeaderValue::from_static(NON_PAGE_POLICY)),
    );
    set(headers, X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, X_FRAME_OPTIONS, "DENY");
    set(headers, REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(headers, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(headers, HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY);
    if production {
        set(headers, STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    if !static_asset {
        set(headers, CACHE_CONTROL, "no-store");
    }
    headers.remove(axum::http::header::SERVER);
    response
}

/// The form posts that start or end a browser session: protected even without a cookie
/// (login CSRF would sign a victim into the attacker's account).
const BROWSER_FORMS: [&str; 5] =
    ["/login", "/logout", "/forgot-password", "/reset-password", "/accept-invitation"];

/// Refuses cross-site state changes that would ride on the browser's cookie.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if is_forged(&request) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site state-changing request");
        let mut response = AppError::Forbidden.into_response();
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    next.run(request).await
}

fn is_forged(request: &Request) -> bool {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return false;
    }
    let headers = request.headers();
    let bearer = headers.get(axum::http::header::AUTHORIZATION).and_then(bearer_token).is_some();
    let rides_on_cookie = headers.contains_key(COOKIE) && !bearer;
    let browser_form = BROWSER_FORMS.contains(&request.uri().path());
    if !rides_on_cookie && !browser_form {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok()) {
        // "same-site" is refused too: a sibling subdomain is not this application.
        return !matches!(site, "same-origin" | "none");
    }
    let host = headers.get(HOST).and_then(|value| value.to_str().ok());
    let source = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|value| value.to_str().ok())
        .and_then(|value| url::Url::parse(value).ok());
    match (host, source) {
        (Some(host), Some(source)) => {
            let source_host = match (source.host_str(), source.port()) {
                (Some(name), Some(port)) => format!("{name}:{port}"),
                (Some(name), None) => name.to_owned(),
                _ => return true,
            };
            source_host != host
        }
        // Neither Fetch Metadata nor a source: an old or non-browser client; refuse.
        _ => true,
    }
}

#[cfg(test)]
mod tests;
