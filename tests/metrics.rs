//! `GET /metrics`: absent without `METRICS_TOKEN`, refused without the token, and counting what
//! an operator watches — requests by route and status, the pool, failed and throttled sign-ins,
//! alerts raised. One test: the recorder is process-wide, so exact counts need the process alone.
#![cfg(feature = "ssr")]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use marketedge::access::state::AppState;
use marketedge::model::organisation::MembershipRole;
use marketedge::runtime::clock::Clock;
use marketedge::runtime::config::Config;
use sqlx::PgPool;

const TOKEN: &str = "Zr7Lq2Wx9Nc4Vb8Mk1Jh6Gf3Ds5Ap0Ty";

fn config_with_metrics() -> Config {
    Config::resolve(
        |name| match name {
            "APP_ENV" => Some("test".into()),
            "METRICS_TOKEN" => Some(TOKEN.into()),
            "DATABASE_MAX_CONNECTIONS" => Some("7".into()),
            _ => None,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap()
}

async fn scrape(app: &Router, authorization: Option<&str>) -> Answer {
    let mut request = Request::get("/metrics");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

/// The value of one series (`name{labels}` exactly as exported, or a bare name), 0 if absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().unwrap())
        })
        .unwrap_or(0.0)
}

async fn metrics(app: &Router) -> String {
    let answer = scrape(app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

#[sqlx::test]
async fn metrics_are_protected_and_count_what_operators_watch(pool: PgPool) {
    // Without a token configured there is no endpoint at all.
    let plain = fx_app(pool.clone());
    assert_eq!(
        scrape(&plain, Some(&format!("Bearer {TOKEN}"))).await.status,
        StatusCode::NOT_FOUND
    );

    let state = AppState::new(
        fx_app_pool(&pool),
        config_with_metrics(),
        fx_leptos_options(),
        Clock::manual(time::OffsetDateTime::now_utc()),
    );
    let app = fx_app_with(state);
    for refused in [None, Some("Bearer wrong-token"), Some(TOKEN), Some("Basic Zm9vOmJhcg==")] {
        let answer = scrape(&app, refused).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{refused:?}");
        assert!(!answer.body.contains("marketedge_"), "{refused:?}: {}", answer.body);
    }

    let before = metrics(&app).await;
    assert_eq!(value(&before, "marketedge_db_pool_max_connections"), 7.0);
    assert!(before.contains("marketedge_db_pool_connections{state=\"idle\"}"), "{before}");

    // Requests, by route pattern and status; an unknown path is one label, never the path.
    let healthz =
        "marketedge_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}";
    for _ in 0..3 {
        assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    }
    get(&app, "/no-such-page-4711").await;

    // Sign-ins: wrong passwords are failures until the throttle locks the account; from then on
    // attempts are refused by the throttle. A wrong password at the token endpoint is an API one.
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let organisation = admin.organisation_id.unwrap();
    let target = fx_member(&pool, organisation, "viewer@a.example", MembershipRole::Viewer).await;
    let (mut wrong, mut locked) = (0.0, 0.0);
    for _ in 0..8 {
        let answer = sign_in(&app, &target.email, "not-the-password-at-all", None).await;
        let location = answer.headers["location"].to_str().unwrap().to_owned();
        match () {
            _ if location.contains("error=credentials") => wrong += 1.0,
            _ if location.contains("error=locked") => locked += 1.0,
            _ => panic!("{location}"),
        }
    }
    assert!(wrong >= 1.0 && locked >= 1.0, "{wrong} {locked}");
    let token = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::json!({
                "grant_type": "password", "email": "nobody@a.example", "password": "wrong-password-here",
            })
            .to_string(),
        ))
        .unwrap();
    assert_eq!(send(&app, token).await.status, StatusCode::UNAUTHORIZED);

    // Alerts: a 25 % rise over the previous price raises one, counted once committed.
    let cookie = signed_in(&app, &admin.email, &admin.password).await;
    let call = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            let form = serde_urlencoded::to_string(fields).unwrap();
            let answer = call_as(&app, path, &form, Credential::Cookie(&cookie)).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            answer.json()
        }
    };
    let market = call(
        "/api/create_market",
        vec![
            ("name", "Riverside".into()),
            ("region", "".into()),
            ("currency", "EUR".into()),
            ("adopt_template", "true".into()),
        ],
    )
    .await;
    let market = market.as_str().unwrap().to_owned();
    let overview = call("/api/market_overview", vec![("id", market.clone())]).await;
    let product = overview["products"][0]["id"].as_str().unwrap().to_owned();
    let competitor = call(
        "/api/save_competitor",
        vec![
            ("market_id", market.clone()),
            ("name", "Alpha".into()),
            ("business_type", "".into()),
            ("website", "".into()),
            ("locations", "".into()),
            ("priority", "3".into()),
            ("market_share_pct", "".into()),
            ("description", "".into()),
        ],
    )
    .await;
    let competitor = competitor.as_str().unwrap().to_owned();
    for (price, days_ago) in [("12.00", 2), ("15.00", 1)] {
        let at = time::OffsetDateTime::now_utc() - time::Duration::days(days_ago);
        call(
            "/api/record_observation",
            vec![
                ("market_id", market.clone()),
                ("competitor_id", competitor.clone()),
                ("product_id", product.clone()),
                ("price", price.into()),
                ("currency", "EUR".into()),
                ("observed_at", at.date().to_string()),
                ("source", "".into()),
                ("is_promotion", "false".into()),
                ("promotion_details", "".into()),
            ],
        )
        .await;
    }
    let raised: i64 =
        sqlx::query_scalar("SELECT count(*) FROM alerts").fetch_one(&pool).await.unwrap();
    assert_eq!(raised, 1);

    get(&app, &format!("/markets/{market}")).await;

    let after = metrics(&app).await;
    assert_eq!(value(&after, healthz) - value(&before, healthz), 3.0, "{after}");
    let duration = "marketedge_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"}";
    assert_eq!(value(&after, duration) - value(&before, duration), 3.0, "{after}");
    assert!(
        after.contains(
            "marketedge_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        ),
        "{after}"
    );
    assert!(!after.contains("no-such-page-4711"), "raw paths never become labels");
    assert!(after.contains("route=\"/login\""), "{after}");
    // A server function is labelled by its own path, a page by its route pattern.
    assert!(
        after.contains(
            "marketedge_http_requests_total{method=\"POST\",route=\"/api/create_market\",status=\"200\"}"
        ),
        "{after}"
    );
    assert!(
        after.contains("route=\"/markets/:id\"") || after.contains("route=\"/markets/{id}\""),
        "{after}"
    );

    let failures = "marketedge_login_failures_total{channel=\"browser\"}";
    let throttled = "marketedge_logins_throttled_total{channel=\"browser\"}";
    let api_failures = "marketedge_login_failures_total{channel=\"api\"}";
    assert_eq!(value(&after, failures) - value(&before, failures), wrong, "{after}");
    assert_eq!(value(&after, throttled) - value(&before, throttled), locked, "{after}");
    assert_eq!(value(&after, api_failures) - value(&before, api_failures), 1.0, "{after}");
    // No organisation, user or email is ever a label.
    assert_eq!(
        value(&after, "marketedge_alerts_created_total")
            - value(&before, "marketedge_alerts_created_total"),
        1.0,
        "{after}"
    );
    assert!(!after.contains("a.example"), "{after}");
    assert!(!after.contains(&admin.user_id.to_string()), "{after}");
}
