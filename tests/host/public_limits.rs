//! Public endpoints cannot be used to flood the database (issue 16, part 6): a per-address rate
//! limit before any database work, and made-up links refused without a connection.

use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use marketedge::access::state::AppState;
use marketedge::runtime::clock::Clock;
use marketedge::runtime::config::Config;
use sqlx::PgPool;

/// A state behind one trusted proxy hop (so a test can speak for several clients), on an app pool
/// of `connections`.
fn fx_proxied_state(pool: &PgPool, connections: u32) -> AppState {
    let config = Config::resolve(
        |name| match name {
            "APP_ENV" => Some("test".to_owned()),
            "TRUSTED_PROXY_HOPS" => Some("1".to_owned()),
            _ => None,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let app_pool = marketedge::runtime::db::app_pool(
        (*pool.connect_options()).clone(),
        connections,
        Duration::from_millis(500),
    );
    AppState::new(
        app_pool,
        config,
        fx_leptos_options(),
        Clock::manual(time::OffsetDateTime::now_utc()),
    )
}

fn status_check(client: &str) -> Request<Body> {
    Request::post("/api/platform_status")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-forwarded-for", client)
        .body(Body::empty())
        .unwrap()
}

#[sqlx::test]
async fn one_address_flooding_public_endpoints_is_refused_and_nobody_else_is(pool: PgPool) {
    let app = fx_app_with(fx_proxied_state(&pool, 5));
    // The burst is 30; the rate refills one a second, so a slow machine may get a few more in
    // before the first refusal, never fewer and never many more.
    let started = std::time::Instant::now();
    let mut allowed = 0;
    let refused = loop {
        let answer = send(&app, status_check("203.0.113.5")).await;
        if answer.status != StatusCode::OK {
            break answer;
        }
        allowed += 1;
        assert!(allowed < 200, "never refused");
    };
    let refilled = started.elapsed().as_secs() as usize + 1;
    assert!((30..=30 + refilled).contains(&allowed), "{allowed} allowed in {refilled} s");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.json()["error"], "rate_limited");
    let wait: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");

    // The limit is the address's: another client, and the same client's token grant share it.
    assert_eq!(send(&app, status_check("203.0.113.6")).await.status, StatusCode::OK);
    // At most one request a second refills, so of two sent at once at least one is refused
    // (a malformed grant: answered at once when allowed, no password hashing in between).
    let grant = || {
        Request::post("/api/v1/token")
            .header("content-type", "application/json")
            .header("x-forwarded-for", "203.0.113.5")
            .body(Body::from("{}"))
            .unwrap()
    };
    let (first, second) = (send(&app, grant()).await, send(&app, grant()).await);
    let refused = [&first, &second]
        .into_iter()
        .find(|answer| answer.status == StatusCode::TOO_MANY_REQUESTS)
        .unwrap_or_else(|| {
            panic!("{} {}: the token endpoint shares the limit", first.status, second.status)
        });
    // In the token endpoint's own OAuth shape (found by schemathesis), with the wait.
    assert_eq!(refused.json()["error"], "temporarily_unavailable", "{}", refused.body);
    assert!(refused.json()["error_description"].as_str().is_some_and(|text| !text.is_empty()));
    assert!(refused.headers.contains_key("retry-after"));
    // Signed-in work and sign-in itself are not behind this limit.
    let sign_in = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", "203.0.113.5")
        .body(Body::from("email=a%40b.example&password=wrong-password-here"))
        .unwrap();
    assert_eq!(send(&app, sign_in).await.status, StatusCode::SEE_OTHER);
}

#[sqlx::test]
async fn made_up_links_are_refused_without_a_database_connection(pool: PgPool) {
    let state = fx_proxied_state(&pool, 1);
    let app_pool = state.pool.clone();
    let app = fx_app_with(state);
    // Someone else holds the only connection: anything that needs one would wait, then 503.
    let _held = app_pool.acquire().await.unwrap();

    let read = call_server_fn(&app, "/api/read_invitation", "token=eyJmYWtl.eyJmYWtl.c2ln").await;
    assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.body);

    let accept = post_form(
        &app,
        "/accept-invitation",
        &[
            ("token", "eyJmYWtl.eyJmYWtl.c2ln"),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;
    assert_eq!(accept.status, StatusCode::SEE_OTHER, "{}", accept.body);
    assert!(accept.headers["location"].to_str().unwrap().contains("error=invalid_link"));

    let reset = post_form(
        &app,
        "/reset-password",
        &[
            ("token", "eyJmYWtl.eyJmYWtl.c2ln"),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.body);
}
