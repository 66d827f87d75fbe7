//! Forgotten passwords: identical answers, a single-use one-hour link through the outbox, and a
//! reset that ends every session and token. Mail delivery retries instead of losing messages.
#![cfg(feature = "ssr")]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use marketedge::model::organisation::MembershipRole;
use marketedge::server::mail::{self, Transport};
use sqlx::PgPool;

fn location(answer: &Answer) -> String {
    answer.headers.get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[sqlx::test]
async fn asking_answers_the_same_for_known_and_unknown_emails(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());

    let known = post_form(&app, "/forgot-password", &[("email", "ANA@gym.example")]).await;
    let unknown = post_form(&app, "/forgot-password", &[("email", "ghost@gym.example")]).await;

    assert_eq!(known.status, StatusCode::SEE_OTHER);
    assert_eq!(
        (known.status, location(&known), &known.body),
        (unknown.status, location(&unknown), &unknown.body)
    );
    assert_eq!(location(&known), "/forgot-password?sent=1");
    let queued: Vec<String> =
        sqlx::query_scalar("SELECT to_address FROM outbox_emails").fetch_all(&pool).await.unwrap();
    assert_eq!(queued, vec![user.email.clone()]);
    let token = emailed_token(&pool, &user.email).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("reset+jwt"));
}

#[sqlx::test]
async fn a_reset_link_sets_the_password_once_and_ends_every_session(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let session = signed_in(&app, &user.email, &user.password).await;
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    let token = emailed_token(&pool, &user.email).await;
    let new_password = "juniper-signal-orchard-19";

    let answer = post_form(
        &app,
        "/reset-password",
        &[("token", &token), ("new_password", new_password), ("confirm_password", new_password)],
    )
    .await;

    assert_eq!(location(&answer), "/login?reset=1");
    assert_eq!(whoami(&app, Credential::Cookie(&session)).await.body, "null", "old sessions end");
    signed_in(&app, &user.email, new_password).await;
    let again = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("new_password", "another-fine-passphrase-8"),
            ("confirm_password", "another-fine-passphrase-8"),
        ],
    )
    .await;
    assert_eq!(location(&again), "/reset-password?error=invalid_link", "single use");
}

#[sqlx::test]
async fn links_expire_after_an_hour(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let clock = state.clock.clone();
    let app = fx_app_with(state);
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    let token = emailed_token(&pool, &user.email).await;

    clock.advance(Duration::from_secs(61 * 60));
    let answer = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;

    assert_eq!(location(&answer), "/reset-password?error=invalid_link");
    signed_in(&app, &user.email, &user.password).await;
}

#[sqlx::test]
async fn a_password_change_voids_outstanding_links(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    let token = emailed_token(&pool, &user.email).await;
    sqlx::query("UPDATE users SET auth_version = auth_version + 1").execute(&pool).await.unwrap();

    let answer = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;

    assert_eq!(location(&answer), "/reset-password?error=invalid_link");
}

#[sqlx::test]
async fn reset_and_access_tokens_are_not_interchangeable(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    let reset_token = emailed_token(&pool, &user.email).await;
    let body = serde_json::json!({"grant_type": "password", "email": user.email, "password": user.password});
    let request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let access = send(&app, request).await.json()["access_token"].as_str().unwrap().to_owned();

    let as_bearer = call_as(&app, "/api/my_sessions", "", Credential::Bearer(&reset_token)).await;
    let as_reset = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &access),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;

    assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(location(&as_reset), "/reset-password?error=invalid_link");
}

#[sqlx::test]
async fn a_weak_new_password_goes_back_with_each_field_s_code(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    let token = emailed_token(&pool, &user.email).await;

    let answer = post_form(
        &app,
        "/reset-password",
        &[("token", &token), ("new_password", "short"), ("confirm_password", "shorter")],
    )
    .await;

    let expected = format!(
        "/reset-password?{}",
        serde_urlencoded::to_string([
            ("token", token.as_str()),
            ("new_password", "too_short"),
            ("confirm_password", "mismatch")
        ])
        .unwrap()
    );
    assert_eq!(location(&answer), expected);
    let page = get(&app, &expected).await;
    assert!(page.body.contains("Use at least 12 characters."), "{}", page.body);
    assert!(page.body.contains("The two new passwords differ."));
}

#[sqlx::test]
async fn mail_is_marked_sent_only_after_delivery_and_retried_with_backoff(pool: PgPool) {
    let now = time::OffsetDateTime::now_utc();
    mail::enqueue(&pool, "ana@gym.example", "Hello", "Body", now).await.unwrap();
    // A relay that refuses connections: nothing is lost, the message waits for a retry.
    let config = marketedge::server::config::Config::resolve(
        |name| match name {
            "APP_ENV" => Some("test".into()),
            "SMTP_URL" => Some("smtp://127.0.0.1:9".into()),
            _ => None,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let failing = Transport::from_config(&config).unwrap();

    assert_eq!(mail::deliver_due(&pool, &failing, now).await.unwrap(), 0);
    let (attempts, sent, retry_after): (i32, Option<time::OffsetDateTime>, time::OffsetDateTime) =
        sqlx::query_as("SELECT attempts, sent_at, send_after FROM outbox_emails")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((attempts, sent), (1, None));
    assert!(retry_after > now);
    assert_eq!(mail::deliver_due(&pool, &Transport::Log, now).await.unwrap(), 0, "not due yet");

    let later = retry_after + Duration::from_secs(1);
    assert_eq!(mail::deliver_due(&pool, &Transport::Log, later).await.unwrap(), 1);
    let sent: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT sent_at FROM outbox_emails").fetch_one(&pool).await.unwrap();
    assert!(sent.is_some());
    assert_eq!(mail::deliver_due(&pool, &Transport::Log, later).await.unwrap(), 0, "sent once");
}

#[sqlx::test]
async fn a_reset_lifts_a_lock_someone_else_caused(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    for _ in 0..5 {
        sign_in(&app, &user.email, "an-attacker-guessing", None).await;
    }
    assert!(
        location(&sign_in(&app, &user.email, &user.password, None).await).contains("error=locked")
    );
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    let token = emailed_token(&pool, &user.email).await;

    post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;

    signed_in(&app, &user.email, "juniper-signal-orchard-19").await;
}
