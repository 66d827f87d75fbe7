//! Forgotten passwords: identical answers (the request is only counted and queued; the account
//! is looked up in the background), per-email and per-address throttling, at most three live
//! links per account, a single-use one-hour link through the outbox, and a reset that ends every
//! session and token. Mail delivery retries instead of losing messages, and sent mail keeps no
//! live link and is deleted after the retention period.
#![cfg(feature = "ssr")]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use marketedge::access::state::AppState;
use marketedge::account::reset::MAX_OUTSTANDING_LINKS;
use marketedge::model::organisation::MembershipRole;
use marketedge::runtime::mail::{self, Transport};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

const SENT: &str = "/forgot-password?sent=1";
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The application as seen from the client address `ip` (no proxy is trusted in tests).
fn fx_app_at(state: &AppState, ip: [u8; 4]) -> Router {
    marketedge::host::http::router(state.clone())
        .layer(MockConnectInfo(SocketAddr::from((ip, 40000))))
}

async fn forgot(app: &Router, email: &str) -> Answer {
    post_form(app, "/forgot-password", &[("email", email)]).await
}

/// Asks for a link for `email` and runs the background step that answers the request; returns
/// the token of the newest mail to `email`, read before delivery (delivery redacts it).
async fn fx_reset_token(state: &AppState, app: &Router, email: &str) -> String {
    assert_eq!(location(&forgot(app, email).await), SENT);
    fx_answer_reset_requests(state).await;
    emailed_token(&state.pool, email).await
}

/// What a request changed: the tables whose row count moved, by how much.
fn changed(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    after
        .iter()
        .map(|(table, rows)| (table.clone(), rows - before.get(table).copied().unwrap_or(0)))
        .filter(|(_, delta)| *delta != 0)
        .collect()
}

/// The platform audit entries of `action`, as (subject, client address, detail), oldest first.
async fn audited(pool: &PgPool, action: &str) -> Vec<(String, String, Value)> {
    sqlx::query_as(
        "SELECT subject, client_address, detail FROM platform_audit_log
         WHERE action::text = $1 ORDER BY occurred_at, id",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, query: &str) -> i64 {
    sqlx::query_scalar(query).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn asking_answers_the_same_for_known_and_unknown_emails(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());

    let known = forgot(&app, "ANA@gym.example").await;
    let unknown = forgot(&app, "ghost@gym.example").await;

    assert_eq!(known.status, StatusCode::SEE_OTHER);
    assert_eq!(
        (known.status, location(&known), &known.body),
        (unknown.status, location(&unknown), &unknown.body)
    );
    assert_eq!(location(&known), SENT);
    assert_eq!(count(&pool, "SELECT count(*) FROM outbox_emails").await, 0, "nothing yet");
    // The background step answers the known email only.
    assert_eq!(fx_answer_reset_requests(&state).await, 2);
    let queued: Vec<String> =
        sqlx::query_scalar("SELECT to_address FROM outbox_emails").fetch_all(&pool).await.unwrap();
    assert_eq!(queued, vec![user.email.clone()]);
    let token = emailed_token(&pool, &user.email).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("reset+jwt"));
    let requested = audited(&pool, "password_reset_requested").await;
    assert_eq!(requested.len(), 1);
    assert_eq!(
        (requested[0].0.as_str(), requested[0].1.as_str()),
        ("ana@gym.example", "192.0.2.10")
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 0);
}

#[sqlx::test]
async fn the_request_does_the_same_database_work_for_known_and_unknown_emails(pool: PgPool) {
    fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let inactive = fx_user(&pool, "gone@gym.example", Some(MembershipRole::Viewer)).await;
    sqlx::query("UPDATE users SET status = 'deactivated' WHERE id = $1")
        .bind(inactive.user_id)
        .execute(&pool)
        .await
        .unwrap();
    let state = fx_state(pool.clone());

    // Each from an address of its own, so each starts the same counters.
    let mut work = Vec::new();
    for (n, email) in
        ["ana@gym.example", "ghost@gym.example", "gone@gym.example"].iter().enumerate()
    {
        let app = fx_app_at(&state, [198, 51, 100, n as u8 + 1]);
        let before = row_counts(&pool, &[]).await;
        let answer = forgot(&app, email).await;
        let after = row_counts(&pool, &[]).await;
        work.push((location(&answer), answer.body, changed(&before, &after)));
    }

    let expected: BTreeMap<String, i64> =
        [("public.login_throttle".to_owned(), 2), ("public.password_reset_queue".to_owned(), 1)]
            .into();
    for (answer_location, body, changes) in &work {
        assert_eq!((answer_location.as_str(), body.as_str()), (SENT, ""));
        assert_eq!(changes, &expected, "only the throttle's counters and the queue");
    }
    // The queued rows look alike: an email, an address, a time; nothing about an account.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT email, client_address FROM password_reset_queue ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("ana@gym.example".to_owned(), "198.51.100.1".to_owned()),
            ("ghost@gym.example".to_owned(), "198.51.100.2".to_owned()),
            ("gone@gym.example".to_owned(), "198.51.100.3".to_owned()),
        ]
    );
}

#[sqlx::test]
async fn one_email_gets_three_requests_then_growing_locks_from_any_address(pool: PgPool) {
    fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let apps: Vec<Router> = (1..=5).map(|n| fx_app_at(&state, [198, 51, 100, n])).collect();

    let mut answers = Vec::new();
    for app in &apps[..4] {
        answers.push(forgot(app, "ana@gym.example").await);
    }

    // Every answer is the same; the fourth request was not queued.
    for answer in &answers {
        assert_eq!(
            (answer.status, location(answer), answer.body.as_str()),
            (StatusCode::SEE_OTHER, SENT.into(), "")
        );
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 3);
    let throttled = audited(&pool, "password_reset_throttled").await;
    assert_eq!(throttled.len(), 1, "{throttled:?}");
    let (subject, address, detail) = &throttled[0];
    assert_eq!((subject.as_str(), address.as_str()), ("ana@gym.example", "198.51.100.4"));
    assert_eq!(detail["limit"], "requests");
    let locked_until = detail["locked_until"].as_i64().unwrap();
    assert!(locked_until > state.clock.now().unix_timestamp(), "{detail}");
    // Another email from those addresses is not affected.
    forgot(&apps[3], "ghost@gym.example").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 4);

    // After the one-minute lock, one more request; it locks the email for two minutes.
    state.clock.advance(Duration::from_secs(61));
    forgot(&apps[4], "ana@gym.example").await;
    forgot(&apps[4], "ana@gym.example").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 5);
    state.clock.advance(Duration::from_secs(121));
    forgot(&apps[4], "ana@gym.example").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 6);
}

#[sqlx::test]
async fn one_address_gets_twenty_requests_and_its_refusals_are_audited_once_per_lock(pool: PgPool) {
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    for n in 0..20 {
        assert_eq!(location(&forgot(&app, &format!("person-{n}@gym.example")).await), SENT);
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 20);
    assert!(audited(&pool, "password_reset_throttled").await.is_empty(), "nothing refused yet");

    // Locked: refused, answered the same, audited once however often it is tried.
    for n in 20..25 {
        let answer = forgot(&app, &format!("person-{n}@gym.example")).await;
        assert_eq!(
            (answer.status, location(&answer), answer.body.as_str()),
            (StatusCode::SEE_OTHER, SENT.into(), "")
        );
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 20);
    let throttled = audited(&pool, "password_reset_throttled").await;
    assert_eq!(throttled.len(), 1, "{throttled:?}");
    assert_eq!(
        (throttled[0].0.as_str(), throttled[0].1.as_str(), &throttled[0].2["limit"]),
        ("person-20@gym.example", "192.0.2.10", &Value::from("requests"))
    );

    // Another address is not affected.
    let elsewhere = fx_app_at(&state, [203, 0, 113, 9]);
    forgot(&elsewhere, "person-30@gym.example").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 21);

    // The next lock is a new event: audited again.
    state.clock.advance(Duration::from_secs(61));
    forgot(&app, "person-40@gym.example").await;
    forgot(&app, "person-41@gym.example").await;
    forgot(&app, "person-42@gym.example").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 22);
    assert_eq!(audited(&pool, "password_reset_throttled").await.len(), 2);
}

#[sqlx::test]
async fn an_account_never_has_more_than_three_live_links(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    for _ in 0..3 {
        forgot(&app, &user.email).await;
    }
    fx_answer_reset_requests(&state).await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_resets").await, MAX_OUTSTANDING_LINKS);

    // The throttle lets a fourth request through after its lock; the account has enough links.
    state.clock.advance(Duration::from_secs(61));
    let answer = forgot(&app, &user.email).await;
    assert_eq!(location(&answer), SENT);
    assert_eq!(fx_answer_reset_requests(&state).await, 1);

    assert_eq!(count(&pool, "SELECT count(*) FROM password_resets").await, 3, "no fourth link");
    assert_eq!(count(&pool, "SELECT count(*) FROM outbox_emails").await, 3, "no fourth mail");
    let capped = audited(&pool, "password_reset_throttled").await;
    assert_eq!(capped.len(), 1, "{capped:?}");
    assert_eq!((capped[0].0.as_str(), capped[0].1.as_str()), ("ana@gym.example", "192.0.2.10"));
    assert_eq!(capped[0].2, serde_json::json!({"limit": "outstanding_links", "outstanding": 3}));

    // Once the links have expired, a request gets a fresh one.
    state.clock.advance(Duration::from_secs(61 * 60));
    forgot(&app, &user.email).await;
    fx_answer_reset_requests(&state).await;
    assert_eq!(count(&pool, "SELECT count(*) FROM password_resets").await, 4);
    assert_eq!(count(&pool, "SELECT count(*) FROM outbox_emails").await, 4);
}

#[sqlx::test]
async fn instances_answer_each_queued_request_once(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    forgot(&fx_app_with(state.clone()), &user.email).await;
    for n in 0..30u8 {
        forgot(&fx_app_at(&state, [198, 51, 100, n]), &format!("ghost-{n}@gym.example")).await;
    }
    let other = fx_state(pool.clone());

    let (one, two) =
        tokio::join!(fx_answer_reset_requests(&state), fx_answer_reset_requests(&other));

    assert_eq!(one + two, 31);
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM outbox_emails").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM password_resets").await, 1);
}

#[sqlx::test]
async fn a_deleted_account_takes_its_queued_requests_and_counter_along(pool: PgPool) {
    let user = fx_user(&pool, "root@marketedge.example", None).await;
    let state = fx_state(pool.clone());
    forgot(&fx_app_with(state.clone()), &user.email).await;
    let key = "reset-email:root@marketedge.example";
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 1);
    let counters: i64 = sqlx::query_scalar("SELECT count(*) FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counters, 1);

    sqlx::query("DELETE FROM users WHERE id = $1").bind(user.user_id).execute(&pool).await.unwrap();

    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 0);
    let counters: i64 = sqlx::query_scalar("SELECT count(*) FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counters, 0);
    assert_eq!(fx_answer_reset_requests(&state).await, 0);
}

#[sqlx::test]
async fn an_overlong_email_is_refused_before_anything_is_stored(pool: PgPool) {
    let app = fx_app(pool.clone());
    let long = format!("{}@gym.example", "a".repeat(250));
    let answer = forgot(&app, &long).await;
    assert_eq!(location(&answer), "/forgot-password?error=invalid");
    assert_eq!(count(&pool, "SELECT count(*) FROM password_reset_queue").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM login_throttle").await, 0);
}

#[sqlx::test]
async fn sent_mail_keeps_no_live_link(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let reset_token = fx_reset_token(&state, &app, &user.email).await;
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    let fields = serde_urlencoded::to_string([
        ("name", "Redacted Gyms"),
        ("industry", "gym"),
        ("plan", "basic"),
        ("admin_email", "first@redacted.example"),
        ("admin_name", "First Admin"),
    ])
    .unwrap();
    let created =
        call_as(&app, "/api/create_organisation", &fields, Credential::Cookie(&root_cookie)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let organisation: Uuid = created.json().as_str().unwrap().parse().unwrap();
    let invitation_token = emailed_token(&pool, "first@redacted.example").await;
    assert!(state.keys.verify_invitation(&invitation_token).is_ok());

    assert_eq!(mail::deliver_due(&pool, &Transport::Log, state.clock.now()).await.unwrap(), 2);

    let bodies: Vec<(String, String)> =
        sqlx::query_as("SELECT to_address, body_text FROM outbox_emails ORDER BY to_address")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (to, body) in &bodies {
        assert!(body.contains(mail::REDACTED), "{to}: {body}");
        assert!(!body.contains(&reset_token) && !body.contains(&invitation_token), "{body}");
    }
    // The tokens left in the bodies are refused; the mail is otherwise as it was.
    let redacted_invitation = emailed_token(&pool, "first@redacted.example").await;
    assert!(state.keys.verify_invitation(&redacted_invitation).is_err());
    assert!(invitation_token.starts_with(redacted_invitation.trim_end_matches(mail::REDACTED)));
    let redacted_reset = emailed_token(&pool, &user.email).await;
    assert!(state.keys.verify_reset(&redacted_reset).is_err());
    assert!(bodies[0].1.contains("ignore this email"), "{}", bodies[0].1);
    // Organisation deletion can still tell whose invitation a sent mail was.
    let invited_by: Option<Uuid> = sqlx::query_scalar(
        "SELECT invitation_mail_organisation(body_text) FROM outbox_emails WHERE to_address = $1",
    )
    .bind("first@redacted.example")
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(invited_by, Some(organisation));
    // The person who got the mail still can use the link in it.
    let answer = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &reset_token),
            ("new_password", "juniper-signal-orchard-19"),
            ("confirm_password", "juniper-signal-orchard-19"),
        ],
    )
    .await;
    assert_eq!(location(&answer), "/login?reset=1");
}

#[sqlx::test]
async fn sent_mail_is_deleted_after_the_retention_period_and_unsent_mail_never(pool: PgPool) {
    let start = time::OffsetDateTime::now_utc();
    mail::enqueue(&pool, "ana@gym.example", "Sent", "Body", start).await.unwrap();
    assert_eq!(mail::deliver_due(&pool, &Transport::Log, start).await.unwrap(), 1);
    let later = start + 30 * DAY;
    mail::enqueue(&pool, "ana@gym.example", "Waiting", "Body", start).await.unwrap();
    let retention = fx_config().mail_retention.value;
    assert_eq!(retention, 30 * DAY);

    assert_eq!(mail::prune_sent(&pool, retention, later).await.unwrap(), 0, "exactly 30 days");
    let after = later + Duration::from_secs(1);
    assert_eq!(mail::prune_sent(&pool, retention, after).await.unwrap(), 1);

    let left: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM outbox_emails").fetch_all(&pool).await.unwrap();
    assert_eq!(left, ["Waiting"]);
}

#[sqlx::test]
async fn a_reset_link_sets_the_password_once_and_ends_every_session(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let session = signed_in(&app, &user.email, &user.password).await;
    let token = fx_reset_token(&state, &app, &user.email).await;
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
    let app = fx_app_with(state.clone());
    let token = fx_reset_token(&state, &app, &user.email).await;

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
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let token = fx_reset_token(&state, &app, &user.email).await;
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
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let reset_token = fx_reset_token(&state, &app, &user.email).await;
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
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let token = fx_reset_token(&state, &app, &user.email).await;

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
    let config = marketedge::runtime::config::Config::resolve(
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
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    for _ in 0..5 {
        sign_in(&app, &user.email, "an-attacker-guessing", None).await;
    }
    assert!(
        location(&sign_in(&app, &user.email, &user.password, None).await).contains("error=locked")
    );
    let token = fx_reset_token(&state, &app, &user.email).await;

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
