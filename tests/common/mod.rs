//! Fixtures shared by the integration tests: the real router over a real (per-test) database.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use marketedge::server::config::Config;
use marketedge::server::http::router;
use marketedge::server::state::AppState;
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

/// The application's own router on the given pool.
pub fn fx_app(pool: PgPool) -> Router {
    router(AppState { pool, config: Arc::new(fx_config()), leptos_options: fx_leptos_options() })
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
