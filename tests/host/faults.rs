//! What a client sees when the database goes away or one organisation floods the server: a fast
//! "try again" with `Retry-After`, never a 500 and never a hang. The scripted scenarios with a
//! real PostgreSQL being crashed, paused and killed are `make fault` (docs/reliability.md); these
//! are the regressions they found, kept in `make test`.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::http::StatusCode;
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;

/// Found by the db-restart scenario: with the database gone, a browser's session could not be
/// read, and the guard reported the store's failure as an internal error (500 with a request id)
/// instead of "unavailable".
#[sqlx::test]
async fn a_lost_database_is_unavailable_to_browsers_too(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool);
    let app = fx_app_with(state.clone());
    let cookie = signed_in(&app, &user.email, &user.password).await;
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["email"], user.email);

    state.pool.close().await;
    for path in ["/api/signed_in_user", "/api/markets"] {
        let answer = call_as(&app, path, "", Credential::Cookie(&cookie)).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {}", answer.body);
        assert_eq!(answer.json()["error"], "unavailable", "{path}");
        assert_eq!(answer.headers["retry-after"], "5", "{path}");
    }
    // The cookie is kept: the browser is still signed in once the database is back.
    let answer = call_as(&app, "/api/markets", "", Credential::Cookie(&cookie)).await;
    assert!(answer.headers.get("set-cookie").is_none(), "{:?}", answer.headers);
}

/// With every turn taken, a request waits in its organisation's line and is then told it is busy
/// (429, `Retry-After: 1`); a turn given back goes to another organisation's waiting request before
/// the busy organisation's own, although that one waited longer.
#[sqlx::test]
async fn with_every_turn_taken_requests_wait_then_are_busy_and_a_freed_turn_goes_to_another_organisation(
    pool: PgPool,
) {
    let busy = fx_user(&pool, "busy@gym.example", Some(MembershipRole::Analyst)).await;
    let calm = fx_user(&pool, "calm@gym.example", Some(MembershipRole::Analyst)).await;
    let (busy_organisation, calm_organisation) =
        (busy.organisation_id.unwrap(), calm.organisation_id.unwrap());
    let state = fx_state(pool);
    let app = fx_app_with(state.clone());
    let (busy_cookie, calm_cookie) = (
        signed_in(&app, &busy.email, &busy.password).await,
        signed_in(&app, &calm.email, &calm.password).await,
    );
    let busy_token = fx_bearer(&app, &busy).await;
    // Every turn is taken by the busy organisation, as by its own long requests.
    let mut turns = Vec::new();
    for _ in 0..state.config.request_capacity.value {
        turns.push(state.fair_share.enter(busy_organisation).await.unwrap().unwrap());
    }

    let started = std::time::Instant::now();
    let refused = call_as(&app, "/api/markets", "", Credential::Cookie(&busy_cookie)).await;
    let waited = started.elapsed();
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    assert_eq!(refused.json()["error"], "busy");
    assert_eq!(refused.headers["retry-after"], "1");
    assert!(
        waited >= state.config.db_acquire_timeout.value,
        "refused after {waited:?}, not after waiting"
    );
    // An API call waits in the same line (before the guard's lookup: its token names the
    // organisation).
    let refused = call_as(&app, "/api/markets", "", Credential::Bearer(&busy_token)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);

    // The busy organisation's next request waits, then the other organisation's.
    let markets = |cookie: &String| {
        let (app, cookie) = (app.clone(), cookie.clone());
        tokio::spawn(
            async move { call_as(&app, "/api/markets", "", Credential::Cookie(&cookie)).await },
        )
    };
    let busy_waiting = markets(&busy_cookie);
    until_waiting(&state, 1).await;
    let calm_waiting = markets(&calm_cookie);
    until_waiting(&state, 2).await;

    turns.pop();

    assert_eq!(state.fair_share.held_by(calm_organisation), 1, "the calm organisation went first");
    assert_eq!(state.fair_share.waiting(), 1);
    let served = calm_waiting.await.unwrap();
    assert_eq!(served.status, StatusCode::OK, "{}", served.body);
    // Its turn, given back, goes on to the busy organisation's waiting request.
    let served = busy_waiting.await.unwrap();
    assert_eq!(served.status, StatusCode::OK, "{}", served.body);
}

/// Waits (without sleeping) until `count` requests wait for a turn.
async fn until_waiting(state: &marketedge::access::state::AppState, count: usize) {
    while state.fair_share.waiting() < count {
        tokio::task::yield_now().await;
    }
}

/// The plain routes around sign-in turn their errors into `AppError` like server functions do:
/// with the database gone, the sign-in form, a reset request, a reset and the token endpoint each
/// answer 503 `unavailable` with `Retry-After`, never a 500 with a request id.
#[sqlx::test]
async fn sign_in_reset_and_token_requests_are_unavailable_when_the_database_is_lost(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    // A valid reset link, made while the database is up.
    post_form(&app, "/forgot-password", &[("email", &user.email)]).await;
    fx_answer_reset_requests(&state).await;
    let token = emailed_token(&pool, &user.email).await;

    state.pool.close().await;
    let credentials = [("email", user.email.as_str()), ("password", user.password.as_str())];
    let new_password = "a-brand-new-passphrase-2026";
    let reset = [
        ("token", token.as_str()),
        ("new_password", new_password),
        ("confirm_password", new_password),
    ];
    let grant = [("grant_type", "password"), credentials[0], credentials[1]];
    let answers = [
        ("/login", post_form(&app, "/login", &credentials).await),
        ("/forgot-password", post_form(&app, "/forgot-password", &[credentials[0]]).await),
        ("/reset-password", post_form(&app, "/reset-password", &reset).await),
        ("/api/v1/token", post_form(&app, "/api/v1/token", &grant).await),
    ];
    for (path, answer) in answers {
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {}", answer.body);
        assert_eq!(answer.json()["error"], "unavailable", "{path}");
        assert_eq!(answer.headers["retry-after"], "5", "{path}");
    }
}
