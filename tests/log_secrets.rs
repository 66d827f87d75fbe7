//! What production writes to its log, captured while every credential the app handles passes
//! through it: passwords (right, wrong, reset, changed), session cookies, access and refresh
//! tokens, reset links and the signing secret. None of them may appear in any line; every line is
//! JSON, and request lines carry the request id and, once known, the user.
//! One test: the log subscriber is process-wide.
#![cfg(feature = "ssr")]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use marketedge::host::telemetry::{subscriber, LogFormat};
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// The signing secret of `fx_production_state`.
const JWT_SECRET: &str = "q8Zt3vN1xR7pL0mW5kJ2hG9fD4sA6yUcE";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

async fn token_grant(app: &Router, body: serde_json::Value) -> Answer {
    let request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, request).await
}

#[sqlx::test]
async fn no_log_line_carries_a_password_token_cookie_or_secret(pool: PgPool) {
    let log = Captured::default();
    // Everything, at debug level, in production's format: more than production logs by default.
    subscriber(LogFormat::Json, EnvFilter::new("debug"), log.clone())
        .try_init()
        .expect("the only subscriber of this test process");

    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Admin)).await;
    let state = fx_production_state(pool.clone());
    let app = fx_app_with(state.clone());
    let wrong_password = "wrong-horse-battery-77";
    let reset_password = "juniper-signal-orchard-19";
    let changed_password = "marble-canyon-lantern-58";

    // Browser: a wrong password, a right one, pages and server functions with the cookie.
    post_form(&app, "/login", &[("email", &user.email), ("password", wrong_password)]).await;
    let cookie = signed_in(&app, &user.email, &user.password).await;
    let session_value = cookie.split_once('=').unwrap().1.to_owned();
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.status, StatusCode::OK);

    // API: the password grant, a call with the token, a refresh, and a forged token.
    let grant = token_grant(
        &app,
        serde_json::json!({"grant_type": "password", "email": user.email, "password": user.password}),
    )
    .await;
    assert_eq!(grant.status, StatusCode::OK, "{}", grant.body);
    let access = grant.json()["access_token"].as_str().unwrap().to_owned();
    let refresh = grant.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(whoami(&app, Credential::Bearer(&access)).await.status, StatusCode::OK);
    let refreshed = token_grant(
        &app,
        serde_json::json!({"grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let second_access = refreshed.json()["access_token"].as_str().unwrap().to_owned();
    let forged = format!("{}x", &access[..access.len() - 1]);
    assert_eq!(whoami(&app, Credential::Bearer(&forged)).await.status, StatusCode::UNAUTHORIZED);

    // A reset link by email (kept in the outbox in production), used once.
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    fx_answer_reset_requests(&state).await;
    let reset_token = emailed_token(&pool, &user.email).await;
    let reset = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &reset_token),
            ("new_password", reset_password),
            ("confirm_password", reset_password),
        ],
    )
    .await;
    assert_eq!(reset.headers["location"], "/login?reset=1");

    // A password change through a server function.
    let cookie = signed_in(&app, &user.email, reset_password).await;
    let changed = call_as(
        &app,
        "/api/change_password",
        &serde_urlencoded::to_string([
            ("current_password", reset_password),
            ("new_password", changed_password),
            ("confirm_password", changed_password),
        ])
        .unwrap(),
        Credential::Cookie(&cookie),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let last_cookie_value = cookie.split_once('=').unwrap().1.to_owned();

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.len() > 20, "the flows were logged: {} lines", lines.len());
    // Request lines carry their request id, and the user once the guard knew them.
    assert!(
        lines
            .iter()
            .any(|line| line["span"]["request_id"].as_str().is_some_and(|id| id.len() == 36)),
        "{text}"
    );
    assert!(
        lines.iter().any(|line| line["span"]["user_id"] == user.user_id.to_string()),
        "no line names the user: {text}"
    );
    // A server function's lines (here its queries, at debug level) name it and the request, and
    // the caller once the guard knows them.
    let in_change_password: Vec<&serde_json::Value> =
        lines.iter().filter(|line| line["span"]["function"] == "change_password").collect();
    assert!(!in_change_password.is_empty(), "no line names the server function: {text}");
    assert!(in_change_password
        .iter()
        .all(|line| line["span"]["request_id"].as_str().map(str::len) == Some(36)));
    assert!(in_change_password
        .iter()
        .any(|line| line["span"]["user_id"] == user.user_id.to_string()));

    let secrets = [
        ("the password", user.password.as_str()),
        ("a wrong password", wrong_password),
        ("the reset password", reset_password),
        ("the changed password", changed_password),
        ("a session cookie", session_value.as_str()),
        ("the last session cookie", last_cookie_value.as_str()),
        ("an access token", access.as_str()),
        ("a refreshed access token", second_access.as_str()),
        ("a forged token", forged.as_str()),
        ("a refresh token", refresh.as_str()),
        ("a reset token", reset_token.as_str()),
        ("the signing secret", JWT_SECRET),
        ("a password hash", "$argon2id$"),
    ];
    for (what, secret) in secrets {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret), "{what} is in the log");
        // A token's signature alone would be enough to be worried about.
        if let Some((_, signature)) = secret.rsplit_once('.') {
            assert!(
                signature.len() < 16 || !text.contains(signature),
                "{what}'s signature is in the log"
            );
        }
    }
    for header in ["set-cookie", "authorization: bearer", "\"cookie\""] {
        assert!(!text.to_ascii_lowercase().contains(header), "a {header} header is in the log");
    }
}
