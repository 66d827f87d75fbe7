//! Strangers cannot lock people out (issue 16, part 1): a browser that signed in before keeps its
//! own counter (device cookie), the client address comes only from trusted proxies, and a good
//! sign-in lifts the lock it set itself.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use marketedge::access::state::AppState;
use marketedge::model::organisation::MembershipRole;
use marketedge::runtime::clock::Clock;
use marketedge::runtime::config::Config;
use sqlx::PgPool;

/// The `name=value` of the device cookie an answer set.
fn device_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("marketedge_device="))
        .map(|value| value.split(';').next().unwrap().to_owned())
}

/// A test state whose configuration adds `extra` variables.
fn fx_state_with(pool: &PgPool, extra: &'static [(&'static str, &'static str)]) -> AppState {
    let config = Config::resolve(
        |name| match name {
            "APP_ENV" => Some("test".to_owned()),
            _ => extra.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned()),
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .expect("the configuration resolves");
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    AppState::new(fx_app_pool(pool), config, fx_leptos_options(), clock)
}

/// Posts the sign-in form with extra headers.
async fn sign_in_with(
    app: &Router,
    email: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let body = serde_urlencoded::to_string([("email", email), ("password", password)]).unwrap();
    let mut request = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::from(body)).unwrap()).await
}

async fn failures(pool: &PgPool, key: &str) -> Option<i32> {
    sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await
        .unwrap()
}

async fn password_grant(app: &Router, email: &str, password: &str, cookie: Option<&str>) -> Answer {
    let body =
        serde_json::json!({ "grant_type": "password", "email": email, "password": password });
    let mut request = Request::post("/api/v1/token").header("content-type", "application/json");
    if let Some(cookie) = cookie {
        // A script replaying a browser's cookies (same-origin, or the CSRF guard refuses it).
        request = request.header("cookie", cookie).header("sec-fetch-site", "same-origin");
    }
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

#[sqlx::test]
async fn a_stranger_cannot_lock_the_owner_out_of_a_browser_that_signed_in_before(pool: PgPool) {
    let victim = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let first = sign_in(&app, &victim.email, &victim.password, None).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let device = device_cookie(&first).expect("a successful sign-in remembers the browser");
    let set = first.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned());
    let set: Vec<String> = set.filter(|value| value.starts_with("marketedge_device=")).collect();
    assert!(set[0].contains("HttpOnly") && set[0].contains("SameSite=Strict"), "{set:?}");

    // From the same address: 6 failures on the victim's email, then 60 on random ones.
    for _ in 0..6 {
        sign_in(&app, &victim.email, "guess-guess-guess", None).await;
    }
    for n in 0..60 {
        sign_in(&app, &format!("nobody{n}@elsewhere.example"), "guess-guess-guess", None).await;
    }
    let account_lock: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
            .bind(format!("account:{}", victim.email))
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(account_lock.is_some(), "the account is locked");
    // Both the address and the account are locked for everyone without the device cookie ...
    let stranger = sign_in(&app, &victim.email, &victim.password, None).await;
    assert_eq!(location(&stranger), "/login?error=locked&next=%2Faccount");
    let api = password_grant(&app, &victim.email, &victim.password, Some(&device)).await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS, "API clients keep both limits");

    // ... but the victim's own browser signs in.
    let owner = sign_in(&app, &victim.email, &victim.password, Some(&device)).await;
    assert_eq!(location(&owner), "/account", "{:?}", owner.headers);
    assert!(session_cookie(&owner).is_some());
    assert_eq!(failures(&pool, &format!("account:{}", victim.email)).await, None, "cleared");
    assert_eq!(
        failures(&pool, "address:192.0.2.10").await,
        Some(50),
        "the address keeps the strangers' count (its lock stands for them)"
    );
}

#[sqlx::test]
async fn a_device_has_its_own_allowance_and_only_for_its_account(pool: PgPool) {
    let ana = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let bea = fx_user(&pool, "bea@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let device = device_cookie(&sign_in(&app, &ana.email, &ana.password, None).await).unwrap();

    // A device cookie for Ana is a stranger's on Bea's account.
    sign_in(&app, &bea.email, "guess-guess-guess", Some(&device)).await;
    assert_eq!(failures(&pool, &format!("account:{}", bea.email)).await, Some(1));

    // Guessing with Ana's device counts on the device, which locks after five.
    for _ in 0..5 {
        let wrong = sign_in(&app, &ana.email, "guess-guess-guess", Some(&device)).await;
        assert_eq!(location(&wrong), "/login?error=credentials&next=%2Faccount");
    }
    assert_eq!(failures(&pool, &format!("account:{}", ana.email)).await, None);
    let locked = sign_in(&app, &ana.email, &ana.password, Some(&device)).await;
    assert_eq!(
        location(&locked),
        "/login?error=locked&next=%2Faccount",
        "a stolen cookie buys five"
    );
    // Without the cookie Ana's account itself was never touched.
    let plain = sign_in(&app, &ana.email, &ana.password, None).await;
    assert_eq!(location(&plain), "/account");
}

#[sqlx::test]
async fn a_good_sign_in_lifts_the_lock_it_set_without_resetting_the_address(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let state = fx_state(pool.clone());
    // A clock between two microseconds (PostgreSQL keeps microseconds): the lock this attempt
    // remembers must still be recognised as the one it stored.
    let nanos = u64::from(state.clock.now().nanosecond() % 1_000);
    state.clock.advance(std::time::Duration::from_nanos((1_789 - nanos) % 1_000));
    assert_eq!(state.clock.now().nanosecond() % 1_000, 789);
    let app = fx_app_with(state);
    // The address is one failure short of its allowance.
    for n in 0..49 {
        sign_in(&app, &format!("nobody{n}@elsewhere.example"), "guess-guess-guess", None).await;
    }
    assert_eq!(failures(&pool, "address:192.0.2.10").await, Some(49));

    // The 50th attempt is the last allowed: it sets the address's lock, and is right.
    let good = sign_in(&app, &user.email, &user.password, None).await;
    assert_eq!(location(&good), "/account");
    let (count, lock): (i32, Option<time::OffsetDateTime>) = sqlx::query_as(
        "SELECT failures, locked_until FROM login_throttle WHERE key = 'address:192.0.2.10'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((count, lock), (49, None), "this attempt taken back, its lock lifted");

    // Another good sign-in from the address goes through; the strangers' next failure locks.
    let other = fx_user(&pool, "bea@gym.example", Some(MembershipRole::Analyst)).await;
    assert_eq!(location(&sign_in(&app, &other.email, &other.password, None).await), "/account");
    sign_in(&app, "nobody@elsewhere.example", "guess-guess-guess", None).await;
    let refused = sign_in(&app, &other.email, &other.password, None).await;
    assert_eq!(location(&refused), "/login?error=locked&next=%2Faccount");
}

#[sqlx::test]
async fn forwarded_headers_from_an_untrusted_peer_neither_escape_nor_spread_the_limit(
    pool: PgPool,
) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    // Each guess claims another client address.
    for n in 0..50 {
        let claimed = format!("198.51.100.{n}");
        sign_in_with(
            &app,
            &format!("nobody{n}@elsewhere.example"),
            "guess-guess-guess",
            &[("x-forwarded-for", claimed.as_str()), ("forwarded", "for=203.0.113.77")],
        )
        .await;
    }
    // All were counted on the peer, none on a claimed address ...
    assert_eq!(failures(&pool, "address:192.0.2.10").await, Some(50));
    let claimed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM login_throttle WHERE key LIKE 'address:%' AND key <> 'address:192.0.2.10'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(claimed, 0, "no claimed address was charged");
    // ... so the peer is locked, whatever it claims to be next.
    let escaped =
        sign_in_with(&app, &user.email, &user.password, &[("x-forwarded-for", "198.51.100.200")])
            .await;
    assert_eq!(location(&escaped), "/login?error=locked&next=%2F");
}

#[sqlx::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    // Requests arrive from 192.0.2.10, inside the trusted range.
    let app = fx_app_with(fx_state_with(&pool, &[("TRUSTED_PROXIES", "192.0.2.0/24")]));
    for n in 0..50 {
        sign_in_with(
            &app,
            &format!("nobody{n}@elsewhere.example"),
            "guess-guess-guess",
            &[("x-forwarded-for", "6.6.6.6, 203.0.113.7")],
        )
        .await;
    }
    assert_eq!(failures(&pool, "address:203.0.113.7").await, Some(50));
    assert_eq!(failures(&pool, "address:192.0.2.10").await, None, "the proxy is not charged");
    assert_eq!(
        failures(&pool, "address:6.6.6.6").await,
        None,
        "the client's own claim is not read"
    );

    // The locked client is refused; another client behind the same proxy is not.
    let locked =
        sign_in_with(&app, &user.email, &user.password, &[("x-forwarded-for", "203.0.113.7")])
            .await;
    assert_eq!(location(&locked), "/login?error=locked&next=%2F");
    let neighbour =
        sign_in_with(&app, &user.email, &user.password, &[("x-forwarded-for", "203.0.113.8")])
            .await;
    assert_eq!(location(&neighbour), "/");
}

#[sqlx::test]
async fn ipv6_clients_share_their_slash_64s_counter(pool: PgPool) {
    let app = fx_app_with(fx_state_with(&pool, &[("TRUSTED_PROXY_HOPS", "1")]));
    for n in 0..3 {
        let client = format!("2001:db8:1:2::{n:x}");
        sign_in_with(
            &app,
            "nobody@elsewhere.example",
            "guess-guess-guess",
            &[("x-forwarded-for", client.as_str())],
        )
        .await;
    }
    assert_eq!(failures(&pool, "address:2001:db8:1:2::/64").await, Some(3));
}

#[sqlx::test]
async fn a_refresh_token_works_while_sign_in_is_locked(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let granted = password_grant(&app, &user.email, &user.password, None).await;
    let refresh = granted.json()["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..6 {
        password_grant(&app, &user.email, "guess-guess-guess", None).await;
    }
    assert_eq!(
        password_grant(&app, &user.email, &user.password, None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    let body = serde_json::json!({ "grant_type": "refresh_token", "refresh_token": refresh });
    let request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let refreshed = send(&app, request).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
}
