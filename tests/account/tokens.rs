//! The token endpoint and bearer access: grants, rotation and reuse detection, and every way a
//! forged, stale or misused token must be refused.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use jsonwebtoken::{encode, EncodingKey, Header};
use marketedge::model::organisation::MembershipRole;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn token_request(app: &Router, content_type: &str, body: &str) -> Answer {
    let request = Request::post("/api/v1/token")
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(app, request).await
}

async fn password_grant(app: &Router, email: &str, password: &str) -> Answer {
    let body = json!({ "grant_type": "password", "email": email, "password": password });
    token_request(app, "application/json", &body.to_string()).await
}

async fn refresh_grant(app: &Router, refresh_token: &str) -> Answer {
    let body = json!({ "grant_type": "refresh_token", "refresh_token": refresh_token });
    token_request(app, "application/json", &body.to_string()).await
}

fn sign(secret: &str, header: &Header, claims: &Value) -> String {
    encode(header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn access_header() -> Header {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    header
}

fn valid_claims(user: &FxUser, role: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "sub": user.user_id, "org": user.organisation_id, "user_role": role, "ver": 1,
        "iat": now, "nbf": now, "exp": now + 600,
        "iss": "marketedge", "aud": "marketedge-api", "jti": uuid::Uuid::new_v4(),
    })
}

#[sqlx::test]
async fn a_password_grant_returns_tokens_that_work_as_bearer(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    let answer = password_grant(&app, &user.email, &user.password).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["cache-control"], "no-store");
    let tokens = answer.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let me = whoami(&app, Credential::Bearer(access)).await.json();
    assert_eq!(me["email"], user.email);
    assert_eq!(me["role"], "analyst");
    let sessions = call_as(&app, "/api/my_sessions", "", Credential::Bearer(access)).await;
    assert_eq!(sessions.status, StatusCode::OK);
}

/// As OAuth clients send them: the password grant's `username` (RFC 6749 §4.3.2) is the email,
/// in JSON and form-encoded alike, and the scheme of the `Authorization` header is matched
/// case-insensitively (RFC 9110 §11.1). Sending both `username` and `email` is refused.
#[sqlx::test]
async fn username_and_a_lower_case_scheme_work_as_oauth_clients_send_them(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    let body =
        json!({ "grant_type": "password", "username": user.email, "password": user.password });
    let json_grant = token_request(&app, "application/json", &body.to_string()).await;
    assert_eq!(json_grant.status, StatusCode::OK, "{}", json_grant.body);
    let form = serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("username", user.email.as_str()),
        ("password", user.password.as_str()),
    ])
    .unwrap();
    let form_grant = token_request(&app, "application/x-www-form-urlencoded", &form).await;
    assert_eq!(form_grant.status, StatusCode::OK, "{}", form_grant.body);
    let both = json!({ "grant_type": "password", "username": user.email, "email": user.email, "password": user.password });
    let both = token_request(&app, "application/json", &both.to_string()).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.body);
    assert_eq!(both.json()["error"], "invalid_request");

    let access = json_grant.json()["access_token"].as_str().unwrap().to_owned();
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let request = Request::post("/api/signed_in_user")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("authorization", format!("{scheme} {access}"))
            .body(Body::empty())
            .unwrap();
        let me = send(&app, request).await;
        assert_eq!(me.status, StatusCode::OK, "{scheme}: {}", me.body);
        assert_eq!(me.json()["email"], user.email, "{scheme}");
    }
}

#[sqlx::test]
async fn the_access_token_carries_every_required_claim(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Viewer)).await;
    let app = fx_app(pool);

    let tokens = password_grant(&app, &user.email, &user.password).await.json();

    let payload = tokens["access_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap(),
    )
    .unwrap();
    for claim in ["sub", "org", "user_role", "ver", "iat", "nbf", "exp", "iss", "aud", "jti"] {
        assert!(!claims[claim].is_null(), "{claim} missing: {claims}");
    }
    assert_eq!(claims["user_role"], "viewer");
    assert_eq!(claims["org"], json!(user.organisation_id));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);
}

#[sqlx::test]
async fn form_encoded_grants_work_too(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);
    let body = serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("email", user.email.as_str()),
        ("password", user.password.as_str()),
    ])
    .unwrap();

    let answer = token_request(&app, "application/x-www-form-urlencoded", &body).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[sqlx::test]
async fn malformed_token_requests_are_400_invalid_request(pool: PgPool) {
    let app = fx_app(pool);

    for (content_type, body) in [
        ("application/json", "{}"),
        ("application/json", r#"{"grant_type":"client_credentials"}"#),
        ("application/json", r#"{"grant_type":"password","email":"a@b.example"}"#),
        (
            "application/json",
            r#"{"grant_type":"password","email":"a@b.example","password":"x","role":"admin"}"#,
        ),
        ("application/json", "not json"),
        ("text/plain", r#"{"grant_type":"password","email":"a@b.example","password":"x"}"#),
    ] {
        let answer = token_request(&app, content_type, body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            answer.json(),
            json!({"error": "invalid_request", "error_description": "Invalid request parameters"})
        );
    }
}

#[sqlx::test]
async fn wrong_password_and_unknown_email_are_refused_identically(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    let wrong = password_grant(&app, &user.email, "not-my-password-x").await;
    let unknown = password_grant(&app, "ghost@gym.example", "not-my-password-x").await;

    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong.status, wrong.body.clone()), (unknown.status, unknown.body));
    assert_eq!(wrong.json()["error"], "invalid_grant");
}

#[sqlx::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let first = password_grant(&app, &user.email, &user.password).await.json();
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();

    let second = refresh_grant(&app, &first_refresh).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second_refresh = second.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first_refresh, second_refresh);

    // The first token again: someone copied it. Refused, and its successor dies with it.
    let replay = refresh_grant(&app, &first_refresh).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh_grant(&app, &second_refresh).await.status, StatusCode::UNAUTHORIZED);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform_audit_log WHERE action = 'refresh_token_reused'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // Both presentations of a spent token (the replay and the revoked successor) are audited.
    assert_eq!(audited, 2);
    assert_eq!(refresh_grant(&app, "made-up-token").await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn forged_and_malformed_access_tokens_are_refused(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Viewer)).await;
    let state = fx_state(pool);
    let secret = state.config.token_secret.value.expose().to_owned();
    let app = fx_app_with(state);
    let good = sign(&secret, &access_header(), &valid_claims(&user, "viewer"));
    assert_eq!(
        call_as(&app, "/api/my_sessions", "", Credential::Bearer(&good)).await.status,
        StatusCode::OK
    );

    let mut cases: Vec<(&str, String)> = Vec::new();
    // Tampered role: payload edited, signature kept.
    let parts: Vec<&str> = good.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["user_role"] = json!("admin");
    cases.push((
        "tampered user_role",
        format!("{}.{}.{}", parts[0], engine.encode(claims.to_string()), parts[2]),
    ));
    // alg: none.
    let none_header = engine.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    cases.push(("alg none", format!("{none_header}.{}.", parts[1])));
    // Re-signed with the right key but a role the user does not hold.
    cases.push(("role not held", sign(&secret, &access_header(), &valid_claims(&user, "admin"))));
    let with = |key: &str, value: Value| {
        let mut claims = valid_claims(&user, "viewer");
        claims[key] = value;
        claims
    };
    let without = |key: &str| {
        let mut claims = valid_claims(&user, "viewer");
        claims.as_object_mut().unwrap().remove(key);
        claims
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    cases.push(("wrong iss", sign(&secret, &access_header(), &with("iss", json!("someone-else")))));
    cases.push(("wrong aud", sign(&secret, &access_header(), &with("aud", json!("another-api")))));
    cases.push(("expired", sign(&secret, &access_header(), &with("exp", json!(now - 120)))));
    cases.push(("not yet valid", sign(&secret, &access_header(), &with("nbf", json!(now + 600)))));
    cases.push((
        "string exp",
        sign(&secret, &access_header(), &with("exp", json!((now + 600).to_string()))),
    ));
    cases.push(("stale ver", sign(&secret, &access_header(), &with("ver", json!(0)))));
    for claim in ["exp", "nbf", "iat", "iss", "aud", "sub"] {
        cases.push((claim, sign(&secret, &access_header(), &without(claim))));
    }
    let mut reset_header = access_header();
    reset_header.typ = Some("reset+jwt".into());
    cases.push((
        "another kind of token",
        sign(&secret, &reset_header, &valid_claims(&user, "viewer")),
    ));
    cases.push((
        "no typ",
        sign(&secret, &Header::new(jsonwebtoken::Algorithm::HS256), &valid_claims(&user, "viewer")),
    ));
    cases.push((
        "other key",
        sign(
            "another-secret-another-secret-0123456789",
            &access_header(),
            &valid_claims(&user, "viewer"),
        ),
    ));
    cases.push(("HS512", {
        let mut header = access_header();
        header.alg = jsonwebtoken::Algorithm::HS512;
        sign(&secret, &header, &valid_claims(&user, "viewer"))
    }));
    cases.push(("garbage", "not.a.token".to_owned()));

    for (case, token) in cases {
        let answer = call_as(&app, "/api/my_sessions", "", Credential::Bearer(&token)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{case}: {}", answer.body);
        assert_eq!(answer.json()["error"], "unauthenticated", "{case}");
    }
}

#[sqlx::test]
async fn tokens_in_the_query_string_are_ignored(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Viewer)).await;
    let app = fx_app(pool);
    let tokens = password_grant(&app, &user.email, &user.password).await.json();
    let access = tokens["access_token"].as_str().unwrap();

    let answer =
        call_as(&app, &format!("/api/my_sessions?access_token={access}"), "", Credential::None)
            .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn tokens_stop_working_after_password_role_and_organisation_changes(pool: PgPool) {
    let user = fx_user(&pool, "api@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool.clone());
    let grant = || async { password_grant(&app, &user.email, &user.password).await.json() };
    let works = |token: String| {
        let app = app.clone();
        async move { call_as(&app, "/api/my_sessions", "", Credential::Bearer(&token)).await.status }
    };

    let tokens = grant().await;
    sqlx::query("UPDATE memberships SET role = 'viewer'").execute(&pool).await.unwrap();
    assert_eq!(
        works(tokens["access_token"].as_str().unwrap().to_owned()).await,
        StatusCode::UNAUTHORIZED,
        "role change"
    );

    let tokens = grant().await;
    sqlx::query("UPDATE users SET auth_version = auth_version + 1").execute(&pool).await.unwrap();
    assert_eq!(
        works(tokens["access_token"].as_str().unwrap().to_owned()).await,
        StatusCode::UNAUTHORIZED,
        "password change"
    );
    assert_eq!(
        refresh_grant(&app, tokens["refresh_token"].as_str().unwrap()).await.status,
        StatusCode::UNAUTHORIZED
    );

    let tokens = grant().await;
    sqlx::query("UPDATE organisations SET status = 'suspended'").execute(&pool).await.unwrap();
    assert_eq!(
        works(tokens["access_token"].as_str().unwrap().to_owned()).await,
        StatusCode::FORBIDDEN,
        "suspension"
    );
    sqlx::query("UPDATE organisations SET status = 'active'").execute(&pool).await.unwrap();

    let tokens = grant().await;
    sqlx::query("UPDATE users SET status = 'deactivated'").execute(&pool).await.unwrap();
    assert_eq!(
        works(tokens["access_token"].as_str().unwrap().to_owned()).await,
        StatusCode::UNAUTHORIZED,
        "deactivation"
    );
}

#[sqlx::test]
async fn super_admins_get_tokens_without_an_organisation(pool: PgPool) {
    let admin = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool);

    let tokens = password_grant(&app, &admin.email, &admin.password).await.json();
    let me =
        whoami(&app, Credential::Bearer(tokens["access_token"].as_str().unwrap())).await.json();

    assert_eq!(me["role"], "super_admin");
    assert!(me["organisation_name"].is_null());
}
