//! Answers Schemathesis found wrong (scripts/fault/schemathesis.sh against the OpenAPI
//! document): each was a 5xx or a body the document does not allow. Called the way an API
//! client calls: a bearer token, form-encoded arguments.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use marketedge::model::organisation::MembershipRole;
use serde_json::Value;
use sqlx::PgPool;

async fn ok(app: &Router, token: &str, path: &str, fields: &[(&str, &str)]) -> Value {
    let answer = call_as(app, path, &form(fields), Credential::Bearer(token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.json()
}

/// An admin's token and a market of theirs (with the industry's products), its first product
/// and a competitor.
async fn fx_market(app: &Router, pool: &PgPool) -> (String, String, String, String) {
    let admin = fx_user(pool, "admin@regressions.example", Some(MembershipRole::Admin)).await;
    let token = fx_bearer(app, &admin).await;
    let fields =
        [("name", "Riverside"), ("region", ""), ("currency", "EUR"), ("adopt_template", "true")];
    let market = ok(app, &token, "/api/create_market", &fields).await;
    let market = market.as_str().unwrap().to_owned();
    let overview = ok(app, &token, "/api/market_overview", &[("id", &market)]).await;
    let product = overview["products"][0]["id"].as_str().unwrap().to_owned();
    let fields = [
        ("market_id", market.as_str()),
        ("name", "Rival"),
        ("business_type", ""),
        ("website", ""),
        ("locations", ""),
        ("priority", "3"),
        ("market_share_pct", ""),
        ("description", ""),
    ];
    let competitor = ok(app, &token, "/api/save_competitor", &fields).await;
    (token, market, product, competitor.as_str().unwrap().to_owned())
}

#[sqlx::test]
async fn a_token_request_with_a_nul_byte_is_an_oauth_invalid_request(pool: PgPool) {
    let app = fx_app(pool);

    let request = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from("\0"))
        .unwrap();
    let answer = send(&app, request).await;

    // RFC 6749 §5.2, like every other malformed token request; not the AppError shape.
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["error"], "invalid_request", "{}", answer.body);
    assert!(answer.json()["error_description"].is_string(), "{}", answer.body);
}

#[sqlx::test]
async fn an_observation_cursor_before_year_one_is_a_bad_request_not_a_500(pool: PgPool) {
    let app = fx_app(pool.clone());
    let (token, market, _, _) = fx_market(&app, &pool).await;

    // Year -7537: the `time` crate holds it, PostgreSQL does not (its first year is 4713 BC).
    let after = "-300000000000000000000.0190f5c4-0000-7000-8000-000000000000";
    let fields = form(&[("market_id", &market), ("after", after)]);
    let answer =
        call_as(&app, "/api/market_observations", &fields, Credential::Bearer(&token)).await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.json()["error"], "bad_request");
}

#[sqlx::test]
async fn a_platform_audit_cursor_before_year_one_is_a_bad_request_not_a_500(pool: PgPool) {
    // The same cursor parser pages the platform audit log.
    let root = fx_user(&pool, "root@regressions.example", None).await;
    let app = fx_app(pool);
    let cookie = signed_in(&app, &root.email, &root.password).await;

    let fields = form(&[("after", "-300000000000000000000.0190f5c4-0000-7000-8000-000000000000")]);
    let answer =
        call_as(&app, "/api/platform_audit_log", &fields, Credential::Cookie(&cookie)).await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
}

#[sqlx::test]
async fn a_price_millions_of_percent_above_the_last_raises_its_alert(pool: PgPool) {
    let app = fx_app(pool.clone());
    let (token, market, product, competitor) = fx_market(&app, &pool).await;
    let observe = |price: &'static str, observed_at: &'static str| {
        let fields = [
            ("market_id", market.clone()),
            ("competitor_id", competitor.clone()),
            ("product_id", product.clone()),
            ("price", price.to_owned()),
            ("currency", "EUR".to_owned()),
            ("observed_at", observed_at.to_owned()),
        ];
        serde_urlencoded::to_string(fields).unwrap()
    };

    // Both prices are valid (above 0, below a billion): the change is about 404 million percent,
    // which the alert's column once could not hold (the insert failed: a 500).
    let first = observe("12.50", "2026-01-05");
    let answer = call_as(&app, "/api/record_observation", &first, Credential::Bearer(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let second = observe("50509892", "2026-01-06");
    let answer =
        call_as(&app, "/api/record_observation", &second, Credential::Bearer(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let alerts = ok(&app, &token, "/api/alerts", &[]).await;
    let alert = &alerts.as_array().unwrap()[0];
    assert_eq!(alert["kind"], "price_increase");
    assert_eq!(alert["severity"], "high");
    assert_eq!(alert["change_pct"], "404079036.00");
}
