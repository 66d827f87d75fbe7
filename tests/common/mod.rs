//! Fixtures shared by the integration tests: the real router over a real (per-test) database.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use marketedge::access::state::AppState;
use marketedge::host::http::router;
use marketedge::runtime::clock::Clock;
use marketedge::runtime::config::Config;
use sqlx::PgPool;
use tower::ServiceExt;

/// A test configuration: `APP_ENV=test`, everything else defaulted.
pub fn fx_config() -> Config {
    Config::resolve(
        |name| (name == "APP_ENV").then(|| "test".to_owned()),
        "127.0.0.1:0".parse().unwrap(),
    )
    .expect("the test configuration resolves")
}

pub fn fx_leptos_options() -> LeptosOptions {
    LeptosOptions::builder().output_name("marketedge").site_root("target/site").build()
}

/// Application state on the given pool, with a manual clock starting at the real time (the
/// database's `now()` and ours must roughly agree).
///
/// `pool` is the test's own pool (the owner role, which bypasses row-level security, for setup
/// and inspection); the application gets a pool on the same database that runs as
/// `marketedge_app`, exactly as in production.
pub fn fx_state(pool: PgPool) -> AppState {
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    let app_pool = fx_app_pool(&pool);
    AppState::new(app_pool, fx_config(), fx_leptos_options(), clock)
}

/// Like [`fx_state`], configured as production (secure cookies, HSTS).
pub fn fx_production_state(pool: PgPool) -> AppState {
    let config = Config::resolve(
        |name| match name {
            "APP_ENV" => Some("production".into()),
            "DATABASE_URL" => Some("postgres://unused@localhost/unused".into()),
            "JWT_SECRET" => Some("q8Zt3vN1xR7pL0mW5kJ2hG9fD4sA6yUcE".into()),
            "PUBLIC_URL" => Some("https://app.marketedge.example".into()),
            _ => None,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .expect("the production test configuration resolves");
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    AppState::new(fx_app_pool(&pool), config, fx_leptos_options(), clock)
}

/// A pool on the test's database whose connections run as the application role.
pub fn fx_app_pool(pool: &PgPool) -> PgPool {
    let options = (*pool.connect_options()).clone();
    marketedge::runtime::db::app_pool(options, 5, std::time::Duration::from_secs(5))
}

/// The application's own router on the given pool.
pub fn fx_app(pool: PgPool) -> Router {
    fx_app_with(fx_state(pool))
}

/// The application's own router on the given state, as if every request came from 192.0.2.10.
pub fn fx_app_with(state: AppState) -> Router {
    router(state).layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, 10], 40000))))
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("the body is readable").to_bytes();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(app: &Router, path: &str) -> Answer {
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

/// Calls a server function the way the browser does (POST, url-encoded arguments).
pub async fn call_server_fn(app: &Router, path: &str, form: &str) -> Answer {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(app, request).await
}

/// A user with a password, in a fresh organisation when `role` is given (else a super-admin).
pub struct FxUser {
    pub user_id: uuid::Uuid,
    pub organisation_id: Option<uuid::Uuid>,
    pub email: String,
    pub password: String,
}

pub const FX_PASSWORD: &str = "violet-harbour-engine-42";

pub async fn fx_user(
    pool: &PgPool,
    email: &str,
    role: Option<marketedge::model::organisation::MembershipRole>,
) -> FxUser {
    let user_id = uuid::Uuid::now_v7();
    let hash = marketedge::account::password::hash(FX_PASSWORD).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, is_super_admin)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(email)
    .bind(format!("Fixture {email}"))
    .bind(hash)
    .bind(role.is_none())
    .execute(pool)
    .await
    .unwrap();
    let organisation_id = match role {
        Some(role) => {
            let organisation_id = uuid::Uuid::now_v7();
            let slug = format!("org-{}", organisation_id.simple());
            sqlx::query(
                "INSERT INTO organisations (id, name, slug, industry) VALUES ($1, $2, $3, 'gym')",
            )
            .bind(organisation_id)
            .bind(format!("Fixture {slug}"))
            .bind(&slug)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO memberships (organisation_id, user_id, role) VALUES ($1, $2, $3)",
            )
            .bind(organisation_id)
            .bind(user_id)
            .bind(role)
            .execute(pool)
            .await
            .unwrap();
            Some(organisation_id)
        }
        None => None,
    };
    FxUser { user_id, organisation_id, email: email.to_owned(), password: FX_PASSWORD.to_owned() }
}

/// Adds a member with a password to an existing organisation.
pub async fn fx_member(
    pool: &PgPool,
    organisation_id: uuid::Uuid,
    email: &str,
    role: marketedge::model::organisation::MembershipRole,
) -> FxUser {
    let user_id = uuid::Uuid::now_v7();
    let hash = marketedge::account::password::hash(FX_PASSWORD).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(email)
    .bind(format!("Member {email}"))
    .bind(hash)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO memberships (organisation_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(organisation_id)
        .bind(user_id)
        .bind(role)
        .execute(pool)
        .await
        .unwrap();
    FxUser {
        user_id,
        organisation_id: Some(organisation_id),
        email: email.into(),
        password: FX_PASSWORD.into(),
    }
}

/// Posts the sign-in form.
pub async fn sign_in(app: &Router, email: &str, password: &str, cookie: Option<&str>) -> Answer {
    let body = serde_urlencoded::to_string([
        ("email", email),
        ("password", password),
        ("next", "/account"),
    ])
    .unwrap();
    let mut request = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::from(body)).unwrap()).await
}

/// The `name=value` part of the session cookie an answer set, if it set one.
pub fn session_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.contains("marketedge_session="))
        .map(|value| value.split(';').next().unwrap().to_owned())
}

/// Signs in and returns the session cookie.
pub async fn signed_in(app: &Router, email: &str, password: &str) -> String {
    let answer = sign_in(app, email, password, None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "sign-in failed: {:?}", answer.headers);
    session_cookie(&answer).expect("a session cookie")
}

/// An access token from the token endpoint (the password grant), as an API client gets one.
pub async fn fx_bearer(app: &Router, user: &FxUser) -> String {
    let body = serde_json::json!({
        "grant_type": "password", "email": user.email, "password": user.password,
    });
    let request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let answer = send(app, request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()["access_token"].as_str().unwrap().to_owned()
}

/// Calls a server function with a cookie or a bearer token.
pub async fn call_as(app: &Router, path: &str, form: &str, credential: Credential<'_>) -> Answer {
    // Browsers send Fetch Metadata; same-origin is what the app's own pages send.
    let mut request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin");
    request = match credential {
        Credential::Cookie(cookie) => request.header("cookie", cookie),
        Credential::Bearer(token) => request.header("authorization", format!("Bearer {token}")),
        Credential::None => request,
    };
    send(app, request.body(Body::from(form.to_owned())).unwrap()).await
}

pub enum Credential<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    None,
}

/// Who the server thinks is calling: the `signed_in_user` server function's answer.
pub async fn whoami(app: &Router, credential: Credential<'_>) -> Answer {
    call_as(app, "/api/signed_in_user", "", credential).await
}

/// Posts a plain form the way a browser does (same-origin), as the sign-in, reset and invitation
/// pages post theirs.
pub async fn post_form(app: &Router, path: &str, fields: &[(&str, &str)]) -> Answer {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
        .unwrap();
    send(app, request).await
}

/// The token in the link of the newest email to `email` (an invitation or a reset link).
pub async fn emailed_token(pool: &PgPool, email: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox_emails WHERE to_address = $1
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    let start = body.find("token=").expect("a link with a token") + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// Runs the background step that answers queued forgot-password requests (the server runs it
/// every few seconds, before delivering mail): their reset rows and mail exist only after it.
pub async fn fx_answer_reset_requests(state: &AppState) -> usize {
    marketedge::account::reset::answer_queued_requests(
        &state.pool,
        &state.keys,
        &state.config.public_url.value,
        state.clock.now(),
    )
    .await
    .unwrap()
}

/// The application's tables (schemas `public` and `tower_sessions`) but `except`, as
/// `schema.table`, for tests that look at every table.
pub async fn app_tables(pool: &PgPool, except: &[&str]) -> Vec<String> {
    let except: Vec<String> = except.iter().map(|name| (*name).to_owned()).collect();
    sqlx::query_scalar(
        "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
         WHERE table_schema IN ('public', 'tower_sessions') AND table_type = 'BASE TABLE'
           AND table_name <> ALL($1)
         ORDER BY 1",
    )
    .bind(&except)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Rows per application table but `except`: comparing two of these shows what a request changed.
pub async fn row_counts(pool: &PgPool, except: &[&str]) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for table in app_tables(pool, except).await {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.insert(table, rows);
    }
    counts
}

/// Form fields as a server function or a form post takes them.
pub fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

/// Where a redirect sends the browser (empty when it is not one).
pub fn location(answer: &Answer) -> String {
    answer
        .headers
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The codes of a validation error's fields, in order (empty for any other answer).
pub fn field_codes(answer: &Answer) -> Vec<String> {
    answer.json()["fields"]
        .as_array()
        .map(|fields| fields.iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// `days` days ago at noon UTC, as the observation form sends it.
pub fn days_ago(days: i64) -> String {
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    format!("{}T12:00", at.date())
}

/// An admin (by session cookie) invites `email` with `role`.
pub async fn invite(app: &Router, cookie: &str, email: &str, role: &str) -> Answer {
    let body = form(&[("email", email), ("display_name", "Invited Person"), ("role", role)]);
    call_as(app, "/api/invite_member", &body, Credential::Cookie(cookie)).await
}
