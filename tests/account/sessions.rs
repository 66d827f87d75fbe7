//! Browser sign-in: the form, the session cookie, the guard's checks on every request, timeouts
//! judged by an injected clock, sign-out, ending sessions, password change and throttling.
#![cfg(feature = "ssr")]

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;

fn set_cookies(answer: &Answer) -> Vec<String> {
    let values = answer.headers.get_all("set-cookie").iter();
    values.map(|value| value.to_str().unwrap().to_owned()).collect()
}

#[sqlx::test]
async fn signing_in_sets_a_strict_http_only_session_and_redirects(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    let answer = sign_in(&app, "  ANA@gym.example ", &user.password, None).await;

    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/account");
    // The session, and the device cookie that remembers this browser for the account.
    let set_cookies = set_cookies(&answer);
    let mut names: Vec<&str> = set_cookies.iter().map(|c| c.split('=').next().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["marketedge_device", "marketedge_session"]);
    for set_cookie in &set_cookies {
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set_cookie.contains(attribute), "{attribute} missing: {set_cookie}");
        }
        assert!(!set_cookie.contains("Secure"), "plain http in test: {set_cookie}");
        assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    }
    let cookie = session_cookie(&answer).unwrap();
    let me = whoami(&app, Credential::Cookie(&cookie)).await.json();
    assert_eq!(me["email"], "ana@gym.example");
    assert_eq!(me["role"], "analyst");
}

#[sqlx::test]
async fn production_cookies_are_secure_and_host_prefixed(pool: PgPool) {
    let user = fx_user(&pool, "prod@gym.example", Some(MembershipRole::Viewer)).await;
    let state = fx_production_state(pool);
    let app = fx_app_with(state);

    let answer = sign_in(&app, &user.email, &user.password, None).await;

    let set_cookies = set_cookies(&answer);
    let mut names: Vec<&str> = set_cookies.iter().map(|c| c.split('=').next().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["__Host-marketedge_device", "__Host-marketedge_session"]);
    for set_cookie in &set_cookies {
        assert!(set_cookie.contains("Secure"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Strict") && set_cookie.contains("HttpOnly"));
        assert!(set_cookie.contains("Path=/"), "{set_cookie}");
        assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    }
}

#[sqlx::test]
async fn wrong_password_and_unknown_email_get_the_same_answer(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    let wrong = sign_in(&app, &user.email, "not-the-password-at-all", None).await;
    let unknown = sign_in(&app, "nobody@gym.example", "not-the-password-at-all", None).await;

    assert_eq!(wrong.status, StatusCode::SEE_OTHER);
    assert_eq!(
        (wrong.status, location(&wrong), &wrong.body),
        (unknown.status, location(&unknown), &unknown.body)
    );
    assert_eq!(location(&wrong), "/login?error=credentials&next=%2Faccount");
    assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
}

#[sqlx::test]
async fn the_session_id_changes_at_sign_in(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);
    let first = signed_in(&app, &user.email, &user.password).await;

    let again = sign_in(&app, &user.email, &user.password, Some(&first)).await;

    let second = session_cookie(&again).expect("a new cookie");
    assert_ne!(first, second);
    assert_eq!(whoami(&app, Credential::Cookie(&first)).await.body, "null", "old id is dead");
    assert_eq!(whoami(&app, Credential::Cookie(&second)).await.json()["email"], user.email);
}

#[sqlx::test]
async fn idle_sessions_end_and_activity_keeps_them_alive(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let clock = state.clock.clone();
    let app = fx_app_with(state);
    let cookie = signed_in(&app, &user.email, &user.password).await;

    // Active every 20 minutes: 40 minutes in, past the 30-minute idle limit, still signed in.
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["email"], user.email);
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["email"], user.email);

    // Then 31 quiet minutes.
    clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.body, "null");
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM user_sessions").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 0, "the expired session is deleted");
}

#[sqlx::test]
async fn sessions_end_at_the_absolute_limit_however_active(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool);
    let clock = state.clock.clone();
    let app = fx_app_with(state);
    let cookie = signed_in(&app, &user.email, &user.password).await;

    // Twelve hours of activity every 20 minutes…
    for _ in 0..36 {
        clock.advance(Duration::from_secs(20 * 60));
        assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["email"], user.email);
    }
    // …and one request more ends it.
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.body, "null");
}

#[sqlx::test]
async fn signing_out_ends_the_session(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &user.email, &user.password).await;

    let answer = send(
        &app,
        axum::http::Request::post("/logout")
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-origin")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;

    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/login?signed_out=1");
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.body, "null");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test]
async fn deactivation_suspension_and_role_changes_apply_on_the_next_request(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &user.email, &user.password).await;

    sqlx::query("UPDATE memberships SET role = 'viewer' WHERE user_id = $1")
        .bind(user.user_id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["role"], "viewer");

    sqlx::query("UPDATE organisations SET status = 'suspended' WHERE id = $1")
        .bind(user.organisation_id)
        .execute(&pool)
        .await
        .unwrap();
    let suspended = whoami(&app, Credential::Cookie(&cookie)).await;
    assert_eq!(suspended.status, StatusCode::FORBIDDEN);
    assert_eq!(suspended.json()["error"], "organisation_suspended");

    sqlx::query("UPDATE organisations SET status = 'active'").execute(&pool).await.unwrap();
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["role"], "viewer");
    sqlx::query("UPDATE users SET status = 'deactivated' WHERE id = $1")
        .bind(user.user_id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.body, "null");
    let answer = sign_in(&app, &user.email, &user.password, None).await;
    assert_eq!(
        location(&answer),
        "/login?error=credentials&next=%2Faccount",
        "deactivated looks like wrong credentials"
    );
}

#[sqlx::test]
async fn a_suspended_organisation_is_named_at_sign_in(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    sqlx::query("UPDATE organisations SET status = 'suspended'").execute(&pool).await.unwrap();
    let app = fx_app(pool);

    let answer = sign_in(&app, &user.email, &user.password, None).await;

    assert_eq!(location(&answer), "/login?error=suspended&next=%2Faccount");
    assert!(session_cookie(&answer).is_none());
}

#[sqlx::test]
async fn protected_functions_answer_401_without_credentials(pool: PgPool) {
    let app = fx_app(pool);

    let answer = call_as(&app, "/api/my_sessions", "", Credential::None).await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert_eq!(answer.json()["error"], "unauthenticated");
}

#[sqlx::test]
async fn one_session_can_end_another_but_not_someone_elses(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let other = fx_user(&pool, "bo@gym.example", Some(MembershipRole::Viewer)).await;
    let app = fx_app(pool.clone());
    let first = signed_in(&app, &user.email, &user.password).await;
    let second = signed_in(&app, &user.email, &user.password).await;
    let others = signed_in(&app, &other.email, &other.password).await;

    let listed = call_as(&app, "/api/my_sessions", "", Credential::Cookie(&first)).await.json();
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    let second_id =
        listed.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    let others_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM user_sessions WHERE user_id = $1")
            .bind(other.user_id)
            .fetch_one(&pool)
            .await
            .unwrap();

    let foreign =
        call_as(&app, "/api/end_session", &format!("id={others_id}"), Credential::Cookie(&first))
            .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(whoami(&app, Credential::Cookie(&others)).await.json()["email"], other.email);

    let ended =
        call_as(&app, "/api/end_session", &format!("id={second_id}"), Credential::Cookie(&first))
            .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(whoami(&app, Credential::Cookie(&second)).await.body, "null");
    assert_eq!(whoami(&app, Credential::Cookie(&first)).await.json()["email"], user.email);
}

#[sqlx::test]
async fn changing_the_password_ends_every_other_session_and_needs_the_current_one(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let here = signed_in(&app, &user.email, &user.password).await;
    let elsewhere = signed_in(&app, &user.email, &user.password).await;
    let new_password = "copper-lantern-meadow-77";

    let refused = call_as(
        &app,
        "/api/change_password",
        &serde_urlencoded::to_string([
            ("current_password", "wrong-current-password"),
            ("new_password", "password1234"),
            ("confirm_password", "password12345"),
        ])
        .unwrap(),
        Credential::Cookie(&here),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let codes: Vec<(String, String)> = refused.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_owned(), f["code"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        codes,
        [
            ("new_password".to_owned(), "too_common".to_owned()),
            ("confirm_password".to_owned(), "mismatch".to_owned())
        ]
    );

    let wrong_current = call_as(
        &app,
        "/api/change_password",
        &serde_urlencoded::to_string([
            ("current_password", "wrong-current-password"),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ])
        .unwrap(),
        Credential::Cookie(&here),
    )
    .await;
    assert_eq!(wrong_current.json()["fields"][0]["code"], "wrong_password");

    let changed = call_as(
        &app,
        "/api/change_password",
        &serde_urlencoded::to_string([
            ("current_password", user.password.as_str()),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ])
        .unwrap(),
        Credential::Cookie(&here),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let renewed = session_cookie(&changed).expect("this browser gets a new session id");
    assert_ne!(renewed, here);
    assert_eq!(whoami(&app, Credential::Cookie(&renewed)).await.json()["email"], user.email);
    assert_eq!(whoami(&app, Credential::Cookie(&elsewhere)).await.body, "null");
    let old = sign_in(&app, &user.email, &user.password, None).await;
    assert_eq!(location(&old), "/login?error=credentials&next=%2Faccount");
    signed_in(&app, &user.email, new_password).await;
}

#[sqlx::test]
async fn repeated_failures_lock_the_account_for_a_while_then_it_recovers(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let clock = state.clock.clone();
    let app = fx_app_with(state);

    for _ in 0..5 {
        let answer = sign_in(&app, &user.email, "guessing-wrong-again", None).await;
        assert_eq!(location(&answer), "/login?error=credentials&next=%2Faccount");
    }
    let locked = sign_in(&app, &user.email, &user.password, None).await;
    assert_eq!(
        location(&locked),
        "/login?error=locked&next=%2Faccount",
        "even the right password waits"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform_audit_log WHERE action = 'login_locked' AND subject = $1",
    )
    .bind(&user.email)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // The lock grows: after the first minute one more wrong guess locks for two.
    clock.advance(Duration::from_secs(61));
    sign_in(&app, &user.email, "guessing-wrong-again", None).await;
    clock.advance(Duration::from_secs(61));
    let still = sign_in(&app, &user.email, &user.password, None).await;
    assert_eq!(location(&still), "/login?error=locked&next=%2Faccount");
    clock.advance(Duration::from_secs(60));
    signed_in(&app, &user.email, &user.password).await;
    let counters: i64 = sqlx::query_scalar("SELECT count(*) FROM login_throttle WHERE key = $1")
        .bind(format!("account:{}", user.email))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counters, 0, "success clears the account's counter");
}

#[sqlx::test]
async fn an_attempt_refused_by_its_address_counts_on_neither_key(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let failures = |key: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>("SELECT failures FROM login_throttle WHERE key = $1")
                .bind(key)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    sign_in(&app, &user.email, "guessing-wrong-again", None).await;
    let account_key = format!("account:{}", user.email);
    assert_eq!(failures(account_key.clone()).await, 1);

    // Whoever shares this address locked it: the right password waits, and is not counted.
    sqlx::query("UPDATE login_throttle SET locked_until = '2999-01-01' WHERE key LIKE 'address:%'")
        .execute(&pool)
        .await
        .unwrap();
    let refused = sign_in(&app, &user.email, &user.password, None).await;

    assert_eq!(location(&refused), "/login?error=locked&next=%2Faccount");
    assert_eq!(failures(account_key).await, 1, "a refused attempt is not counted");
}

#[sqlx::test]
async fn unknown_emails_are_throttled_like_known_ones(pool: PgPool) {
    let app = fx_app(pool);

    for _ in 0..5 {
        sign_in(&app, "ghost@gym.example", "guessing-wrong-again", None).await;
    }
    let answer = sign_in(&app, "ghost@gym.example", "guessing-wrong-again", None).await;

    assert_eq!(location(&answer), "/login?error=locked&next=%2Faccount");
}

#[sqlx::test]
async fn pages_that_need_a_login_redirect_to_it_and_show_who_is_signed_in(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    // Browsers navigate with `Accept: text/html`; that is what makes the redirect a real 302.
    let navigate = |cookie: Option<&str>| {
        let mut request = axum::http::Request::get("/account").header("accept", "text/html");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.body(axum::body::Body::empty()).unwrap()
    };
    let anonymous = tokio::time::timeout(Duration::from_secs(5), send(&app, navigate(None)))
        .await
        .expect("anonymous answered");
    assert_eq!(anonymous.status, StatusCode::FOUND, "{}", anonymous.body);
    assert_eq!(location(&anonymous), "/login?next=/account");

    let cookie = signed_in(&app, &user.email, &user.password).await;
    let page = tokio::time::timeout(Duration::from_secs(5), send(&app, navigate(Some(&cookie))))
        .await
        .expect("signed-in answered");
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Fixture ana@gym.example"), "{}", page.body);
    assert!(page.body.contains("Sign out"));
}

#[sqlx::test]
async fn signing_out_everywhere_else_keeps_only_this_browser(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);
    let here = signed_in(&app, &user.email, &user.password).await;
    let phone = signed_in(&app, &user.email, &user.password).await;
    let laptop = signed_in(&app, &user.email, &user.password).await;

    let answer = call_as(&app, "/api/end_other_sessions", "", Credential::Cookie(&here)).await;

    assert_eq!(answer.body, "2");
    assert_eq!(whoami(&app, Credential::Cookie(&phone)).await.body, "null");
    assert_eq!(whoami(&app, Credential::Cookie(&laptop)).await.body, "null");
    let renewed = session_cookie(&answer).expect("this browser gets a new session id");
    assert_eq!(whoami(&app, Credential::Cookie(&renewed)).await.json()["email"], user.email);
    assert_eq!(whoami(&app, Credential::Cookie(&here)).await.body, "null", "the old id is dead");
}

#[sqlx::test]
async fn maintenance_deletes_expired_sign_in_state_and_nothing_live(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    let (clock, config) = (state.clock.clone(), state.config.clone());
    let app = fx_app_with(state);
    signed_in(&app, &user.email, &user.password).await;
    sign_in(&app, &user.email, "one-wrong-attempt-here", None).await;
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    marketedge::account::housekeeping::delete_expired_auth_state(&pool, &config, clock.now())
        .await
        .unwrap();
    assert_eq!(
        (count("user_sessions").await, count("login_throttle").await),
        (1, 2),
        "live state stays"
    );

    clock.advance(Duration::from_secs(2 * 60 * 60));
    marketedge::account::housekeeping::delete_expired_auth_state(&pool, &config, clock.now())
        .await
        .unwrap();
    assert_eq!((count("user_sessions").await, count("login_throttle").await), (0, 0));
}

#[sqlx::test]
async fn parallel_guesses_cannot_slip_past_the_lock(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());

    let guesses = (0..20).map(|i| {
        let app = app.clone();
        let email = user.email.clone();
        tokio::spawn(
            async move { sign_in(&app, &email, &format!("parallel-guess-{i:04}"), None).await },
        )
    });
    let mut outcomes = Vec::new();
    for guess in guesses {
        outcomes.push(location(&guess.await.unwrap()));
    }

    let checked = outcomes.iter().filter(|l| l.contains("error=credentials")).count();
    let refused = outcomes.iter().filter(|l| l.contains("error=locked")).count();
    assert_eq!((checked, refused), (5, 15), "{outcomes:?}");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM platform_audit_log WHERE action = 'login_failed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 5, "only checked passwords count as failed logins");
}

#[sqlx::test]
async fn signing_out_everywhere_else_also_ends_api_tokens(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);
    let here = signed_in(&app, &user.email, &user.password).await;
    let body = serde_json::json!({"grant_type": "password", "email": user.email, "password": user.password});
    let request = axum::http::Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let tokens = send(&app, request).await.json();

    let answer = call_as(&app, "/api/end_other_sessions", "", Credential::Cookie(&here)).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let renewed = session_cookie(&answer).expect("this browser gets a new session id");
    assert_eq!(whoami(&app, Credential::Cookie(&renewed)).await.json()["email"], user.email);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        call_as(&app, "/api/my_sessions", "", Credential::Bearer(access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = serde_json::json!({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]});
    let request = axum::http::Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(refresh.to_string()))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn guessing_the_current_password_is_throttled(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);
    let cookie = signed_in(&app, &user.email, &user.password).await;
    let attempt = |current: &'static str| {
        serde_urlencoded::to_string([
            ("current_password", current),
            ("new_password", "copper-lantern-meadow-77"),
            ("confirm_password", "copper-lantern-meadow-77"),
        ])
        .unwrap()
    };

    for _ in 0..5 {
        let answer = call_as(
            &app,
            "/api/change_password",
            &attempt("a-wrong-guess-here"),
            Credential::Cookie(&cookie),
        )
        .await;
        assert_eq!(answer.json()["fields"][0]["code"], "wrong_password");
    }
    let answer = call_as(
        &app,
        "/api/change_password",
        &attempt("a-wrong-guess-here"),
        Credential::Cookie(&cookie),
    )
    .await;

    assert_eq!(answer.json()["fields"][0]["code"], "too_many_attempts");
}

#[sqlx::test]
async fn the_login_form_carries_its_return_path_without_javascript(pool: PgPool) {
    let app = fx_app(pool);

    let page = get(&app, "/login?next=/account").await;

    // Rendered by the server as an attribute, so a form posted before hydration keeps it.
    assert!(page.body.contains(r#"name="next" value="/account""#), "{}", page.body);
}
