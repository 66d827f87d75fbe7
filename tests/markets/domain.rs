//! The domain through the real router: markets, competitors, observations, the analysis and
//! trend numbers (checked against values computed here from the same prices), alerts at, below
//! and above the threshold, roles, and other organisations' ids.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::http::StatusCode;
use axum::Router;
use marketedge::model::organisation::MembershipRole;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

struct Org {
    app: Router,
    admin: String,
    analyst: String,
    viewer: String,
    organisation_id: Uuid,
}

async fn fx_org(pool: &PgPool, app: &Router, domain: &str) -> Org {
    let admin = fx_user(pool, &format!("admin@{domain}"), Some(MembershipRole::Admin)).await;
    let org = admin.organisation_id.unwrap();
    let analyst = fx_member(pool, org, &format!("analyst@{domain}"), MembershipRole::Analyst).await;
    let viewer = fx_member(pool, org, &format!("viewer@{domain}"), MembershipRole::Viewer).await;
    Org {
        app: app.clone(),
        admin: signed_in(app, &admin.email, &admin.password).await,
        analyst: signed_in(app, &analyst.email, &analyst.password).await,
        viewer: signed_in(app, &viewer.email, &viewer.password).await,
        organisation_id: org,
    }
}

impl Org {
    async fn call(&self, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
        call_as(&self.app, path, &form(fields), Credential::Cookie(cookie)).await
    }

    async fn ok(&self, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Value {
        let answer = self.call(cookie, path, fields).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        answer.json()
    }

    /// A market (with the industry template) and competitors named `names`.
    async fn market(&self, names: &[&str]) -> (String, Vec<String>, Vec<String>) {
        let market = self
            .ok(
                &self.admin,
                "/api/create_market",
                &[
                    ("name", "Riverside"),
                    ("region", "North"),
                    ("currency", "eur"),
                    ("adopt_template", "true"),
                ],
            )
            .await;
        let market = market.as_str().unwrap().to_owned();
        let detail = self.ok(&self.viewer, "/api/market_overview", &[("id", &market)]).await;
        let products = detail["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        let mut competitors = Vec::new();
        for name in names {
            let id = self
                .ok(&self.analyst, "/api/save_competitor", &competitor_fields(&market, name))
                .await;
            competitors.push(id.as_str().unwrap().to_owned());
        }
        (market, products, competitors)
    }

    async fn observe(
        &self,
        market: &str,
        competitor: &str,
        product: &str,
        price: &str,
        at: &str,
        promotion: bool,
    ) -> Answer {
        let promotion = if promotion { "true" } else { "false" };
        self.call(
            &self.analyst,
            "/api/record_observation",
            &[
                ("market_id", market),
                ("competitor_id", competitor),
                ("product_id", product),
                ("price", price),
                ("currency", "EUR"),
                ("observed_at", at),
                ("source", "website"),
                ("is_promotion", promotion),
                ("promotion_details", ""),
            ],
        )
        .await
    }
}

fn competitor_fields<'a>(market: &'a str, name: &'a str) -> [(&'a str, &'a str); 8] {
    [
        ("market_id", market),
        ("name", name),
        ("business_type", "Cinema"),
        ("website", "https://competitor.example"),
        ("locations", "High Street"),
        ("priority", "3"),
        ("market_share_pct", "12.5"),
        ("description", ""),
    ]
}

/// `days` days ago at noon UTC, as the form sends it.
/// Quantile with linear interpolation between closest ranks (R type 7), as percentile_cont.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (low, high) = (h.floor() as usize, h.ceil() as usize);
    sorted[low] + (h - low as f64) * (sorted[high] - sorted[low])
}

fn close(actual: &Value, expected: f64, what: &str) {
    let actual = actual.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {actual}"));
    assert!((actual - expected).abs() < 1e-9, "{what}: {actual} != {expected}");
}

#[sqlx::test]
async fn the_analysis_is_computed_from_the_rows(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, products, competitors) = org.market(&["Alpha", "Beta", "Gamma"]).await;
    let prices: [(&str, &[&str]); 3] =
        [("Alpha", &["10", "12", "14"]), ("Beta", &["20", "22"]), ("Gamma", &["30"])];
    for (index, (_, list)) in prices.iter().enumerate() {
        for (n, price) in list.iter().enumerate() {
            let answer = org
                .observe(
                    &market,
                    &competitors[index],
                    &products[0],
                    price,
                    &days_ago(2 + n as i64),
                    false,
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        }
    }
    // Outside the period and in another product: must not count.
    org.observe(&market, &competitors[0], &products[0], "99", &days_ago(40), false).await;
    org.observe(&market, &competitors[0], &products[1], "77", &days_ago(1), false).await;

    let analysis = org
        .ok(
            &org.viewer,
            "/api/market_analysis",
            &[("market_id", &market), ("product_id", &products[0])],
        )
        .await;

    let mut all: Vec<f64> = prices
        .iter()
        .flat_map(|(_, list)| list.iter().map(|p| p.parse::<f64>().unwrap()))
        .collect();
    all.sort_by(f64::total_cmp);
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let sd = (all.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let market_stats = &analysis["market"];
    assert_eq!(market_stats["count"], 6);
    close(&market_stats["mean"], mean, "mean");
    close(&market_stats["median"], quantile(&all, 0.5), "median");
    close(&market_stats["q1"], quantile(&all, 0.25), "q1");
    close(&market_stats["q3"], quantile(&all, 0.75), "q3");
    close(&market_stats["min"], all[0], "min");
    close(&market_stats["max"], all[5], "max");
    close(&market_stats["range"], all[5] - all[0], "range");
    close(&market_stats["std_dev"], sd, "std_dev");

    let ranked: Vec<(&str, i64, &str)> = analysis["competitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["competitor"].as_str().unwrap(),
                c["rank"].as_i64().unwrap(),
                c["position"].as_str().unwrap(),
            )
        })
        .collect();
    // Alpha's median 12 is below the market's Q1 (12.5); Gamma's 30 above Q3 (21.5).
    assert_eq!(ranked, [("Alpha", 1, "low"), ("Beta", 2, "mid"), ("Gamma", 3, "high")]);
    close(&analysis["competitors"][0]["stats"]["median"], 12.0, "Alpha median");
    close(&analysis["competitors"][1]["stats"]["mean"], 21.0, "Beta mean");
    assert_eq!(analysis["outliers"].as_array().unwrap().len(), 0);

    // The whole market (no product) over 365 days includes the other product and the old row.
    let wide = org
        .ok(&org.viewer, "/api/market_analysis", &[("market_id", &market), ("days", "365")])
        .await;
    assert_eq!(wide["market"]["count"], 8);
    let out_of_range = org
        .call(&org.viewer, "/api/market_analysis", &[("market_id", &market), ("days", "366")])
        .await;
    assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn tukey_fences_flag_outliers_and_an_empty_period_has_no_statistics(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, products, competitors) = org.market(&["Alpha"]).await;
    let empty = org.ok(&org.viewer, "/api/market_analysis", &[("market_id", &market)]).await;
    assert!(empty["market"].is_null());
    for (n, price) in ["10", "10", "10", "10", "50"].iter().enumerate() {
        org.observe(&market, &competitors[0], &products[0], price, &days_ago(n as i64 + 1), false)
            .await;
    }
    let analysis = org
        .ok(
            &org.viewer,
            "/api/market_analysis",
            &[("market_id", &market), ("product_id", &products[0])],
        )
        .await;
    let outliers: Vec<&str> = analysis["outliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["price"].as_str().unwrap())
        .collect();
    assert_eq!(outliers, ["50.00"]);
}

#[sqlx::test]
async fn weekly_trends_average_each_competitors_week(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, products, competitors) = org.market(&["Alpha", "Beta"]).await;
    let observations =
        [(0, 21, "10"), (0, 20, "12"), (0, 7, "13"), (0, 1, "14.5"), (1, 14, "20"), (1, 2, "20")];
    for (competitor, days, price) in observations {
        org.observe(&market, &competitors[competitor], &products[0], price, &days_ago(days), false)
            .await;
    }
    let trend = org
        .ok(
            &org.viewer,
            "/api/market_trend",
            &[("market_id", &market), ("product_id", &products[0])],
        )
        .await;

    let weeks: Vec<String> =
        trend["weeks"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_owned()).collect();
    let monday = |days: i64| {
        let date = (time::OffsetDateTime::now_utc() - time::Duration::days(days)).date();
        (date - time::Duration::days(date.weekday().number_days_from_monday().into())).to_string()
    };
    for (index, name) in ["Alpha", "Beta"].iter().enumerate() {
        let series =
            trend["series"].as_array().unwrap().iter().find(|s| s["competitor"] == *name).unwrap();
        // Expected: the mean of the prices falling in each week.
        let mut expected: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
        for (competitor, days, price) in observations.iter().filter(|o| o.0 == index) {
            expected.entry(monday(*days)).or_default().push(price.parse().unwrap());
            let _ = competitor;
        }
        for (week, prices) in &expected {
            let at = weeks
                .iter()
                .position(|w| w == week)
                .unwrap_or_else(|| panic!("week {week} missing"));
            close(
                &series["points"][at],
                prices.iter().sum::<f64>() / prices.len() as f64,
                &format!("{name} {week}"),
            );
        }
        let known: Vec<f64> =
            expected.values().map(|p| p.iter().sum::<f64>() / p.len() as f64).collect();
        let change = known.last().unwrap() - known.first().unwrap();
        close(&series["change"], change, "change");
        close(&series["change_pct"], change / known.first().unwrap() * 100.0, "change %");
    }
    let alpha =
        trend["series"].as_array().unwrap().iter().find(|s| s["competitor"] == "Alpha").unwrap();
    assert_eq!(alpha["direction"], "rising");
    let beta =
        trend["series"].as_array().unwrap().iter().find(|s| s["competitor"] == "Beta").unwrap();
    assert_eq!(beta["direction"], "flat");
}

async fn alert_kinds(pool: &PgPool) -> Vec<(String, String, Option<String>)> {
    // Sorted by what they say, not by insertion (alerts of one request share a timestamp).
    let mut kinds: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT kind::text, severity::text, change_pct::text FROM alerts")
            .fetch_all(pool)
            .await
            .unwrap();
    kinds.sort();
    kinds
}

#[sqlx::test]
async fn alerts_follow_the_threshold_and_promotions(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, products, competitors) = org.market(&["Alpha"]).await;
    let observe = |price: &'static str, days: i64, promotion: bool| {
        let (org, market, competitor, product) =
            (&org, market.clone(), competitors[0].clone(), products[0].clone());
        async move {
            org.observe(&market, &competitor, &product, price, &days_ago(days), promotion).await
        }
    };

    observe("10.00", 6, false).await;
    observe("10.40", 5, false).await; // +4 %: below 5 %
    assert!(alert_kinds(&pool).await.is_empty());
    observe("10.92", 4, false).await; // +5 % exactly: at the threshold
    observe("12.50", 3, false).await; // +14.47 %: medium (≥ 2× threshold)
    observe("9.00", 2, true).await; // −28 %: high, and a promotion starts
    let kinds = alert_kinds(&pool).await;
    assert_eq!(
        kinds,
        [
            ("price_decrease".into(), "high".into(), Some("-28.00".into())),
            ("price_increase".into(), "low".into(), Some("5.00".into())),
            ("price_increase".into(), "medium".into(), Some("14.47".into())),
            ("promotion".into(), "medium".into(), None),
        ]
    );
    assert_eq!(org.ok(&org.viewer, "/api/unread_alerts", &[]).await, 4);

    // An admin raises the threshold: the same size of move no longer alerts.
    assert_eq!(
        org.call(&org.analyst, "/api/set_alert_threshold", &[("percent", "20")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org.call(&org.admin, "/api/set_alert_threshold", &[("percent", "0")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    org.ok(&org.admin, "/api/set_alert_threshold", &[("percent", "30")]).await;
    observe("11.50", 1, false).await; // +27.8 %: below 30 %
    assert_eq!(alert_kinds(&pool).await.len(), 4);

    // Viewers read alerts; analysts resolve them.
    let list = org.ok(&org.viewer, "/api/alerts", &[]).await;
    let first = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        org.call(&org.viewer, "/api/mark_alert", &[("id", &first), ("resolve", "true")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    org.ok(&org.viewer, "/api/mark_alert", &[("id", &first), ("resolve", "false")]).await;
    assert_eq!(org.ok(&org.viewer, "/api/unread_alerts", &[]).await, 3);
    org.ok(&org.analyst, "/api/mark_alert", &[("id", &first), ("resolve", "true")]).await;
    assert_eq!(org.ok(&org.viewer, "/api/alerts", &[]).await.as_array().unwrap().len(), 3);
    assert_eq!(
        org.ok(&org.viewer, "/api/alerts", &[("include_resolved", "true")])
            .await
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let high = org
        .ok(&org.viewer, "/api/alerts", &[("severity", "high"), ("include_resolved", "true")])
        .await;
    assert_eq!(high.as_array().unwrap().len(), 1);
}

#[sqlx::test]
async fn bad_input_is_refused_field_by_field_and_stores_nothing(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, products, competitors) = org.market(&["Alpha"]).await;
    for (price, at, code) in [
        ("0", "", "invalid_price"),
        ("-5", "", "invalid_price"),
        ("12.34567", "", "invalid_price"),
        ("1000000000", "", "invalid_price"),
        ("5", "2999-01-01", "in_future"),
        ("5", "soon", "invalid_time"),
    ] {
        let answer = org.observe(&market, &competitors[0], &products[0], price, at, false).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{price} {at}");
        assert_eq!(field_codes(&answer), [code], "{price} {at}");
    }
    let mut fields = competitor_fields(&market, "Bad");
    fields[3] = ("website", "javascript:alert(1)");
    fields[5] = ("priority", "9");
    fields[6] = ("market_share_pct", "101");
    assert_eq!(
        field_codes(&org.call(&org.analyst, "/api/save_competitor", &fields).await),
        ["invalid_url", "out_of_range", "out_of_range"]
    );
    let currency = org
        .call(
            &org.admin,
            "/api/create_market",
            &[
                ("name", "Elsewhere"),
                ("region", ""),
                ("currency", "ABC"),
                ("adopt_template", "false"),
            ],
        )
        .await;
    assert_eq!(field_codes(&currency), ["invalid_currency"]);
    let observations: i64 = sqlx::query_scalar("SELECT count(*) FROM price_observations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(observations, 0);
}

#[sqlx::test]
async fn viewers_read_analysts_record_admins_manage(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, products, competitors) = org.market(&["Alpha"]).await;
    let create =
        [("name", "Second"), ("region", ""), ("currency", "EUR"), ("adopt_template", "false")];
    assert_eq!(
        org.call(&org.viewer, "/api/create_market", &create).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org.call(&org.analyst, "/api/create_market", &create).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org.call(&org.viewer, "/api/save_competitor", &competitor_fields(&market, "Nope"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let viewer_records = call_as(
        &org.app,
        "/api/record_observation",
        &form(&[
            ("market_id", &market),
            ("competitor_id", &competitors[0]),
            ("product_id", &products[0]),
            ("price", "5"),
            ("currency", "EUR"),
            ("observed_at", ""),
            ("source", ""),
            ("is_promotion", "false"),
            ("promotion_details", ""),
        ]),
        Credential::Cookie(&org.viewer),
    )
    .await;
    assert_eq!(viewer_records.status, StatusCode::FORBIDDEN);
    assert_eq!(
        org.call(&org.analyst, "/api/archive_market", &[("id", &market)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org.observe(&market, &competitors[0], &products[0], "5", "", false).await.status,
        StatusCode::OK
    );
    let listed = org.ok(&org.viewer, "/api/market_observations", &[("market_id", &market)]).await;
    assert_eq!(listed["rows"][0]["price"], "5.00");
    let profile = org
        .ok(
            &org.viewer,
            "/api/competitor_profile",
            &[("market_id", &market), ("id", &competitors[0])],
        )
        .await;
    assert_eq!(profile["competitor"]["name"], "Alpha");
    assert_eq!(profile["latest"][0]["price"], "5.00");
    // Edits: an analyst renames a competitor, an admin the market, and adds a product.
    let mut edit = competitor_fields(&market, "Alpha Cinemas");
    edit[2] = ("business_type", "Multiplex");
    let mut fields = edit.to_vec();
    fields.push(("id", &competitors[0]));
    org.ok(&org.analyst, "/api/save_competitor", &fields).await;
    org.ok(
        &org.admin,
        "/api/update_market",
        &[("id", &market), ("name", "Riverside North"), ("region", "North"), ("currency", "GBP")],
    )
    .await;
    org.ok(&org.admin, "/api/add_product", &[("market_id", &market), ("name", "Family pass")])
        .await;
    let duplicate = org
        .call(&org.admin, "/api/add_product", &[("market_id", &market), ("name", "family PASS")])
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = org.ok(&org.viewer, "/api/market_overview", &[("id", &market)]).await;
    assert_eq!(
        (detail["market"]["name"].as_str(), detail["market"]["currency"].as_str()),
        (Some("Riverside North"), Some("GBP"))
    );
    assert_eq!(detail["competitors"][0]["name"], "Alpha Cinemas");
    assert_eq!(detail["competitors"][0]["business_type"], "Multiplex");
    assert!(detail["products"].as_array().unwrap().iter().any(|p| p["name"] == "Family pass"));
    org.ok(&org.analyst, "/api/archive_competitor", &[("id", &competitors[0])]).await;
    let detail = org.ok(&org.viewer, "/api/market_overview", &[("id", &market)]).await;
    assert_eq!(detail["competitors"].as_array().unwrap().len(), 0);
    org.ok(&org.admin, "/api/archive_market", &[("id", &market)]).await;
    assert_eq!(org.ok(&org.viewer, "/api/markets", &[]).await.as_array().unwrap().len(), 0);
    let _ = org.organisation_id;
}

#[sqlx::test]
async fn another_organisations_ids_answer_404_and_change_nothing(pool: PgPool) {
    let app = fx_app(pool.clone());
    let a = fx_org(&pool, &app, "a.example").await;
    let b = fx_org(&pool, &app, "b.example").await;
    let (market, products, competitors) = a.market(&["Alpha"]).await;
    a.observe(&market, &competitors[0], &products[0], "10", &days_ago(2), false).await;
    a.observe(&market, &competitors[0], &products[0], "20", &days_ago(1), false).await;
    let alert: Uuid = sqlx::query_scalar("SELECT id FROM alerts").fetch_one(&pool).await.unwrap();
    let alert = alert.to_string();
    let before: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM markets WHERE archived_at IS NULL), (SELECT count(*) FROM competitors WHERE archived_at IS NULL), (SELECT count(*) FROM price_observations)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    type Attempt<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let attempts: Vec<Attempt> = vec![
        ("/api/market_overview", vec![("id", &market)], &b.viewer),
        ("/api/market_analysis", vec![("market_id", &market)], &b.viewer),
        (
            "/api/market_trend",
            vec![("market_id", &market), ("product_id", &products[0])],
            &b.viewer,
        ),
        ("/api/market_observations", vec![("market_id", &market)], &b.viewer),
        (
            "/api/update_market",
            vec![("id", &market), ("name", "Stolen"), ("region", ""), ("currency", "EUR")],
            &b.admin,
        ),
        ("/api/archive_market", vec![("id", &market)], &b.admin),
        ("/api/add_product", vec![("market_id", &market), ("name", "Injected")], &b.admin),
        ("/api/archive_competitor", vec![("id", &competitors[0])], &b.analyst),
        (
            "/api/competitor_profile",
            vec![("market_id", &market), ("id", &competitors[0])],
            &b.viewer,
        ),
        ("/api/mark_alert", vec![("id", &alert), ("resolve", "true")], &b.analyst),
    ];
    for (path, fields, cookie) in attempts {
        let answer = b.call(cookie, path, &fields).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}: {}", answer.body);
    }
    let mut into_a = competitor_fields(&market, "Injected");
    into_a[1] = ("name", "Injected");
    assert_eq!(
        b.call(&b.analyst, "/api/save_competitor", &into_a).await.status,
        StatusCode::NOT_FOUND
    );
    let (b_market, b_products, _) = b.market(&["Own"]).await;
    // B's market with A's competitor and product: still nothing of A's is reachable.
    let mixed = b.observe(&b_market, &competitors[0], &b_products[0], "5", "", false).await;
    assert_eq!(mixed.status, StatusCode::NOT_FOUND);
    assert_eq!(b.ok(&b.viewer, "/api/alerts", &[]).await.as_array().unwrap().len(), 0);

    let after: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM markets WHERE archived_at IS NULL AND organisation_id = $1), (SELECT count(*) FROM competitors WHERE archived_at IS NULL AND organisation_id = $1), (SELECT count(*) FROM price_observations WHERE organisation_id = $1)",
    )
    .bind(a.organisation_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(after, (before.0, before.1, before.2));
    let resolved: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT resolved_at FROM alerts").fetch_one(&pool).await.unwrap();
    assert!(resolved.is_none());
}

#[sqlx::test]
async fn a_csv_import_is_checked_whole_and_stores_all_or_nothing(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let (market, _, _) = org.market(&["Alpha", "Beta"]).await;
    let day = |n: i64| days_ago(n).replace('T', " ").split(' ').next().unwrap().to_owned();
    let good = format!(
        "competitor,product,price,observed_at,promotion\nAlpha,Day pass,12.00,{d3},no\nbeta,DAY PASS,13.50,{d2},yes\nAlpha,Day pass,12.10,{d1},\n",
        d3 = day(3),
        d2 = day(2),
        d1 = day(1)
    );
    // The gym template has a "Day pass"; fx_org's organisations are gyms.
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM price_observations")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let bad_first = good.replacen("Alpha,Day pass,12.00", "Nobody,Day pass,12.00", 1);
    let bad_middle = good.replacen("13.50", "-1", 1);
    let bad_last = format!("{good}Alpha,Day pass,9,2999-01-01,no\n");
    for (csv, line, message) in [
        (&bad_first, 2, "No competitor named \"Nobody\""),
        (&bad_middle, 3, "Enter a price above 0"),
        (&bad_last, 5, "cannot be in the future"),
    ] {
        let report = org
            .ok(
                &org.analyst,
                "/api/import_observations",
                &[("market_id", &market), ("csv", csv), ("commit", "true")],
            )
            .await;
        assert_eq!(report["imported"], false, "{report}");
        let problems = report["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{report}");
        assert_eq!(problems[0]["line"], line);
        assert!(problems[0]["message"].as_str().unwrap().contains(message), "{report}");
        assert_eq!(stored().await, 0, "nothing stored for a file with a bad line {line}");
    }
    let no_header = org
        .ok(
            &org.analyst,
            "/api/import_observations",
            &[("market_id", &market), ("csv", "Alpha,Day pass,1,2026-01-01"), ("commit", "true")],
        )
        .await;
    assert_eq!(no_header["problems"][0]["line"], 1);
    let viewer = org
        .call(
            &org.viewer,
            "/api/import_observations",
            &[("market_id", &market), ("csv", &good), ("commit", "true")],
        )
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);

    let report = org
        .ok(
            &org.analyst,
            "/api/import_observations",
            &[("market_id", &market), ("csv", &good), ("commit", "true")],
        )
        .await;
    assert_eq!(
        (report["imported"].as_bool(), report["rows"].as_i64()),
        (Some(true), Some(3)),
        "{report}"
    );
    assert_eq!(stored().await, 3);
    let promotions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM alerts WHERE kind = 'promotion'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(promotions, 1, "imported rows raise alerts like recorded ones");
    // The market's count follows every insert (kept by a trigger, not counted per request).
    org.observe(
        &market,
        &first_competitor(&pool).await,
        &first_product(&pool, &market).await,
        "12.20",
        &days_ago(1),
        false,
    )
    .await;
    let overview = org.ok(&org.viewer, "/api/market_overview", &[("id", &market)]).await;
    assert_eq!(overview["market"]["observations"], 4);
}

async fn first_competitor(pool: &PgPool) -> String {
    let id: Uuid = sqlx::query_scalar("SELECT id FROM competitors ORDER BY name LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    id.to_string()
}

async fn first_product(pool: &PgPool, market: &str) -> String {
    let id: Uuid = sqlx::query_scalar(
        "SELECT id FROM products WHERE market_id = $1::uuid ORDER BY created_at, id LIMIT 1",
    )
    .bind(market)
    .fetch_one(pool)
    .await
    .unwrap();
    id.to_string()
}

/// The benchmark times the analysis SQL in psql (scripts/bench-analysis.sql); it must stay the
/// app's own statement, or the ratio compares two different queries.
#[test]
fn the_benchmark_times_the_apps_own_analysis_sql() {
    let root = env!("CARGO_MANIFEST_DIR");
    let normalise = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let aggregate = |text: &str| {
        let start = text.find("SELECT competitor_id, count(*)").expect("the aggregate");
        let end = text[start..]
            .find("GROUP BY GROUPING SETS ((), (competitor_id))")
            .expect("its grouping")
            + start;
        normalise(&text[start..end])
    };
    let app = std::fs::read_to_string(format!("{root}/src/markets/analysis.rs")).unwrap();
    let bench = std::fs::read_to_string(format!("{root}/scripts/bench-analysis.sql")).unwrap();
    assert_eq!(aggregate(&app), aggregate(&bench));
}

/// A name already in use is caught by the unique index itself (no check before the write races
/// it), and the index's name says which field it was: 422 `taken` on `name`, whatever the case,
/// and nothing is written. Another organisation may use the same names.
#[sqlx::test]
async fn a_market_or_product_name_in_use_is_a_field_error_named_by_its_constraint(pool: PgPool) {
    let app = fx_app(pool.clone());
    let org = fx_org(&pool, &app, "a.example").await;
    let other = fx_org(&pool, &app, "b.example").await;
    let (market, _, _) = org.market(&[]).await;
    let same_name =
        [("name", "RIVERSIDE"), ("region", ""), ("currency", "EUR"), ("adopt_template", "false")];
    let clash = org.call(&org.admin, "/api/create_market", &same_name).await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", clash.body);
    assert_eq!(field_codes(&clash), ["taken"]);
    assert_eq!(clash.json()["fields"][0]["field"], "name");
    assert_eq!(clash.json()["fields"][0]["message"], "You already have a market with this name.");

    let product = [("market_id", market.as_str()), ("name", "Late show pass")];
    org.ok(&org.admin, "/api/add_product", &product).await;
    let again = [("market_id", market.as_str()), ("name", "late SHOW pass")];
    let clash = org.call(&org.admin, "/api/add_product", &again).await;
    assert_eq!(field_codes(&clash), ["taken"]);
    assert_eq!(clash.json()["fields"][0]["message"], "This market already has it.");
    let products: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM products WHERE market_id = $1::uuid AND lower(name) = 'late show pass'",
    )
    .bind(&market)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(products, 1);

    other.ok(&other.admin, "/api/create_market", &same_name).await;
}
