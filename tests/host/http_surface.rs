//! The HTTP surface of the skeleton: health and readiness, request ids, server-rendered pages and
//! the public status server function, all through the real router on a real PostgreSQL.
#![cfg(feature = "ssr")]

use crate::common::{call_server_fn, fx_app, fx_app_with, fx_state, get, send};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use marketedge::runtime::db::MIGRATOR;
use sqlx::PgPool;

fn migration_count() -> usize {
    MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration()).count()
}

#[sqlx::test]
async fn healthz_answers_ok(pool: PgPool) {
    let app = fx_app(pool);

    let answer = get(&app, "/healthz").await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["status"], "ok");
}

#[sqlx::test]
async fn healthz_does_not_depend_on_the_database(pool: PgPool) {
    let state = fx_state(pool);
    state.pool.close().await;
    let app = fx_app_with(state);

    let answer = get(&app, "/healthz").await;

    assert_eq!(answer.status, StatusCode::OK);
}

#[sqlx::test]
async fn readyz_is_ready_with_every_migration_applied(pool: PgPool) {
    let app = fx_app(pool);

    let answer = get(&app, "/readyz").await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["migrations_applied"], migration_count());
    assert_eq!(body["migrations_pending"], 0);
}

#[sqlx::test(migrations = false)]
async fn readyz_is_not_ready_while_migrations_are_pending(pool: PgPool) {
    let app = fx_app(pool);

    let answer = get(&app, "/readyz").await;

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = answer.json();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["migrations_pending"], migration_count());
}

#[sqlx::test]
async fn readyz_is_not_ready_without_a_database(pool: PgPool) {
    let state = fx_state(pool);
    state.pool.close().await;
    let app = fx_app_with(state);

    let answer = get(&app, "/readyz").await;

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["database"], "unreachable");
}

#[sqlx::test]
async fn every_response_carries_a_fresh_request_id(pool: PgPool) {
    let app = fx_app(pool);

    let first = get(&app, "/healthz").await;
    let second = get(&app, "/no-such-page").await;

    let id = |answer: &crate::common::Answer| {
        answer
            .headers
            .get("x-request-id")
            .expect("x-request-id is set")
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(id(&first).len(), 36, "a UUID: {}", id(&first));
    assert_ne!(id(&first), id(&second));
}

#[sqlx::test]
async fn an_incoming_request_id_is_kept_only_when_it_is_a_uuid(pool: PgPool) {
    let app = fx_app(pool);
    let with_id = |id: &'static str| {
        Request::get("/healthz").header("x-request-id", id).body(Body::empty()).unwrap()
    };

    let proxied = send(&app, with_id("0b6e4f7a-3c1d-4e8a-9f2b-5d6c7e8f9a0b")).await;
    assert_eq!(proxied.headers["x-request-id"], "0b6e4f7a-3c1d-4e8a-9f2b-5d6c7e8f9a0b");

    // Anything else (log injection, a guess at another request's id format, an overlong value)
    // is replaced by a fresh id.
    for hostile in
        ["proxy-assigned-7", "abc INFO forged log line", "0b6e4f7a3c1d4e8a9f2b5d6c7e8f9a0bX"]
    {
        let answer = send(&app, with_id(hostile)).await;
        let id = answer.headers["x-request-id"].to_str().unwrap();
        assert_ne!(id, hostile);
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
}

#[sqlx::test]
async fn the_home_page_is_rendered_on_the_server(pool: PgPool) {
    let app = fx_app(pool);

    let answer = get(&app, "/").await;

    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = answer.body;
    assert!(
        html.contains("Know your market&#x27;s prices")
            || html.contains("Know your market's prices"),
        "{html}"
    );
    assert!(html.contains("Platform status"));
    // The hydration bundle is referenced, and the status button starts disabled until hydrated.
    assert!(html.contains("/pkg/marketedge.js"), "{html}");
    assert!(html.contains("disabled"), "{html}");
}

#[sqlx::test]
async fn unknown_pages_answer_404_with_a_helpful_page(pool: PgPool) {
    let app = fx_app(pool);

    let answer = get(&app, "/definitely/not/here").await;

    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.body.contains("Page not found"), "{}", answer.body);
    assert!(answer.body.contains("href=\"/\""));
}

#[sqlx::test]
async fn the_status_function_reports_the_live_database(pool: PgPool) {
    let app = fx_app(pool.clone());
    let database_now: String =
        sqlx::query_scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            .fetch_one(&pool)
            .await
            .unwrap();

    let answer = call_server_fn(&app, "/api/platform_status", "").await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let report = answer.json();
    assert_eq!(report["database"], "up");
    assert_eq!(report["migrations_applied"], migration_count());
    assert!(report["database_time"].as_str().unwrap().starts_with(&database_now), "{report}");
}

#[sqlx::test]
async fn the_status_function_says_when_the_database_is_down(pool: PgPool) {
    let state = fx_state(pool);
    state.pool.close().await;
    let app = fx_app_with(state);

    let answer = call_server_fn(&app, "/api/platform_status", "").await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let report = answer.json();
    assert_eq!(report["database"], "down");
    assert!(report["database_time"].is_null());
}
