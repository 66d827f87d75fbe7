use super::*;
use axum::body::Body;

fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request {
    let mut builder = axum::http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

#[test]
fn cross_site_cookie_posts_are_forged() {
    let cookie = ("cookie", "marketedge_session=x");
    assert!(is_forged(&request(
        Method::POST,
        "/api/x",
        &[cookie, ("sec-fetch-site", "cross-site")]
    )));
    assert!(is_forged(&request(
        Method::POST,
        "/api/x",
        &[cookie, ("sec-fetch-site", "same-site")]
    )));
    assert!(!is_forged(&request(
        Method::POST,
        "/api/x",
        &[cookie, ("sec-fetch-site", "same-origin")]
    )));
    assert!(!is_forged(&request(
        Method::GET,
        "/account",
        &[cookie, ("sec-fetch-site", "cross-site")]
    )));
}

#[test]
fn without_fetch_metadata_the_origin_must_match_the_host() {
    let cookie = ("cookie", "marketedge_session=x");
    let host = ("host", "app.example:3000");
    assert!(!is_forged(&request(
        Method::POST,
        "/api/x",
        &[cookie, host, ("origin", "http://app.example:3000")]
    )));
    assert!(is_forged(&request(
        Method::POST,
        "/api/x",
        &[cookie, host, ("origin", "http://evil.example")]
    )));
    assert!(!is_forged(&request(
        Method::POST,
        "/api/x",
        &[cookie, host, ("referer", "http://app.example:3000/account")]
    )));
    assert!(
        is_forged(&request(Method::POST, "/api/x", &[cookie, host])),
        "neither header: refused"
    );
}

#[test]
fn sign_in_forms_are_protected_without_a_cookie_and_bearer_calls_are_exempt() {
    assert!(is_forged(&request(Method::POST, "/login", &[("sec-fetch-site", "cross-site")])));
    assert!(!is_forged(&request(Method::POST, "/api/v1/token", &[])));
    assert!(!is_forged(&request(
        Method::POST,
        "/api/x",
        &[("cookie", "marketedge_session=x"), ("authorization", "Bearer abc")]
    )));
}
