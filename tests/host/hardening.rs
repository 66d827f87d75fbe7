//! The HTTP surface's defences: headers on every response, cross-site refusal, body limits,
//! panics as generic 500s, and a fast 503 with Retry-After when the database is gone.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;

#[sqlx::test]
async fn pages_get_a_nonce_policy_matching_their_scripts(pool: PgPool) {
    let app = fx_app(pool);

    let page = get(&app, "/").await;

    let policy = page.headers["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the header's nonce");
    for directive in [
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(policy.contains(directive), "{directive} missing: {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let again = get(&app, "/").await;
    assert_ne!(
        again.headers["content-security-policy"], page.headers["content-security-policy"],
        "fresh per response"
    );
}

#[sqlx::test]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let app = fx_app(pool);

    for path in ["/", "/healthz", "/no-such-page", "/login"] {
        let answer = get(&app, path).await;
        let header = |name: &str| answer.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        assert_eq!(
            header("referrer-policy").as_deref(),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert_eq!(header("cross-origin-opener-policy").as_deref(), Some("same-origin"), "{path}");
        assert!(header("permissions-policy").unwrap().contains("camera=()"), "{path}");
        assert_eq!(header("cache-control").as_deref(), Some("no-store"), "{path}");
        assert!(header("content-security-policy").is_some(), "{path}");
        assert!(header("server").is_none(), "{path}");
        assert!(
            header("strict-transport-security").is_none(),
            "no HSTS outside production: {path}"
        );
    }
}

#[sqlx::test]
async fn cross_site_state_changes_are_refused_and_change_nothing(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &user.email, &user.password).await;
    let other = signed_in(&app, &user.email, &user.password).await;

    let forged = Request::post("/api/end_other_sessions")
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let answer = send(&app, forged).await;
    let no_metadata = Request::post("/api/end_other_sessions")
        .header("cookie", &cookie)
        .body(Body::empty())
        .unwrap();
    let bare = send(&app, no_metadata).await;
    let login_csrf = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(format!("email={}&password={}", user.email, user.password)))
        .unwrap();
    let login = send(&app, login_csrf).await;

    assert_eq!(
        (answer.status, bare.status, login.status),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    assert!(session_cookie(&login).is_none());
    assert_eq!(
        whoami(&app, Credential::Cookie(&other)).await.json()["email"],
        user.email,
        "nothing was ended"
    );
}

#[sqlx::test]
async fn oversized_bodies_are_refused(pool: PgPool) {
    let app = fx_app(pool);
    let huge = "x".repeat(marketedge::host::http::BODY_LIMIT_BYTES + 1);

    let request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(huge))
        .unwrap();
    let answer = send(&app, request).await;

    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test]
async fn a_lost_database_is_a_fast_503_with_retry_after(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool);
    let app = fx_app_with(state.clone());
    let tokens = {
        let body = serde_json::json!({"grant_type": "password", "email": user.email, "password": user.password});
        let request = Request::post("/api/v1/token")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        send(&app, request).await.json()
    };
    state.pool.close().await;

    let started = std::time::Instant::now();
    let answer = call_as(
        &app,
        "/api/my_sessions",
        "",
        Credential::Bearer(tokens["access_token"].as_str().unwrap()),
    )
    .await;

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    assert_eq!(answer.headers["retry-after"], "5");
    assert_eq!(answer.json()["error"], "unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK, "liveness keeps answering");
}

#[sqlx::test]
async fn undecodable_arguments_and_nul_bytes_are_400_without_details(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);
    let cookie = signed_in(&app, &user.email, &user.password).await;

    for (path, body) in [
        ("/api/end_session", "id=not-a-uuid"),
        ("/api/end_session", ""),
        ("/api/change_password", "current_password=a%00b&new_password=x&confirm_password=x"),
        ("/api/change_password", "current_password=%FF%FE&new_password=x&confirm_password=x"),
    ] {
        let answer = call_as(&app, path, body, Credential::Cookie(&cookie)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path} {body}: {}", answer.body);
        assert_eq!(answer.json()["error"], "bad_request", "{path} {body}");
        assert!(
            !answer.body.to_lowercase().contains("uuid") && !answer.body.contains("serde"),
            "{}",
            answer.body
        );
    }
}

#[sqlx::test]
async fn production_adds_hsts_and_no_origin_is_ever_allowed_cross_origin(pool: PgPool) {
    let production = fx_app_with(fx_production_state(pool.clone()));
    let development = fx_app(pool);

    let answer = get(&production, "/healthz").await;
    let request = Request::get("/healthz")
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let cross_origin = send(&development, request).await;

    assert_eq!(answer.headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
    assert!(cross_origin.headers.get("access-control-allow-origin").is_none());
    assert!(cross_origin.headers.get("access-control-allow-credentials").is_none());
}
