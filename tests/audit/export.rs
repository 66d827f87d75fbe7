//! The organisation's data export (`GET /export`): a ZIP of CSV files holding every row of the
//! organisation and nothing of any other, in which no free-text cell can start a spreadsheet
//! formula, and whose observations file imports back unchanged; only admins (and super-admins
//! through support access) may download it, and every download is audited. Downloads cannot take
//! the database from anyone else: a few at a time, one per organisation, on connections outside
//! the pool, and a client that stops reading ends its own.
#![cfg(feature = "ssr")]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::time::{Duration, Instant};

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use marketedge::access::state::AppState;
use marketedge::model::organisation::MembershipRole;
use marketedge::runtime::clock::Clock;
use marketedge::runtime::config::Config;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

/// An organisation with a signed-in admin and analyst.
struct Org {
    id: Uuid,
    admin: FxUser,
    admin_cookie: String,
    analyst_cookie: String,
    viewer_cookie: String,
}

async fn fx_org(pool: &PgPool, app: &Router, domain: &str) -> Org {
    let admin = fx_user(pool, &format!("admin@{domain}"), Some(MembershipRole::Admin)).await;
    let id = admin.organisation_id.unwrap();
    let analyst = fx_member(pool, id, &format!("analyst@{domain}"), MembershipRole::Analyst).await;
    let viewer = fx_member(pool, id, &format!("viewer@{domain}"), MembershipRole::Viewer).await;
    Org {
        id,
        admin_cookie: signed_in(app, &admin.email, &admin.password).await,
        analyst_cookie: signed_in(app, &analyst.email, &analyst.password).await,
        viewer_cookie: signed_in(app, &viewer.email, &viewer.password).await,
        admin,
    }
}

async fn ok(app: &Router, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Value {
    let answer = call_as(app, path, &form(fields), Credential::Cookie(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.json()
}

/// A market on the gym template (its products) with the named competitors; returns its id.
async fn market(app: &Router, org: &Org, name: &str, competitors: &[&str]) -> String {
    let fields =
        [("name", name), ("region", "North"), ("currency", "eur"), ("adopt_template", "true")];
    let market = ok(app, &org.admin_cookie, "/api/create_market", &fields).await;
    let market = market.as_str().unwrap().to_owned();
    for competitor in competitors {
        let fields = [
            ("market_id", market.as_str()),
            ("name", competitor),
            ("business_type", "Gym"),
            ("website", "https://competitor.example"),
            ("locations", "High Street, \"Unit 4\""),
            ("priority", "2"),
            ("market_share_pct", "12.5"),
            ("description", "Line one\nline two"),
        ];
        ok(app, &org.analyst_cookie, "/api/save_competitor", &fields).await;
    }
    market
}

async fn import(app: &Router, org: &Org, market: &str, csv: &str) -> Value {
    let fields = [("market_id", market), ("csv", csv), ("commit", "true")];
    ok(app, &org.analyst_cookie, "/api/import_observations", &fields).await
}

fn day(days_ago: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(days_ago)).date().to_string()
}

/// `count` observations of every competitor of `market` (inserted directly: the importer takes
/// 5,000 rows a file). 5,000 make an archive several times the 64 KiB pipe it is written
/// through, even compressed, so a client that reads nothing stalls it part-way.
async fn fx_observations(pool: &PgPool, market: &str, count: i32) {
    sqlx::query(
        "INSERT INTO price_observations (organisation_id, id, market_id, competitor_id, product_id,
             price, currency, observed_at, source, created_at)
         SELECT c.organisation_id, gen_random_uuid(), c.market_id, c.id, p.id,
                (n % 997) + 0.01 * (n % 89), 'EUR', now() - n * interval '1 minute',
                md5(n::text), now()
         FROM competitors c JOIN products p ON p.market_id = c.market_id,
              generate_series(1, $2) AS n
         WHERE c.market_id = $1::uuid AND p.name = 'Day pass'",
    )
    .bind(market)
    .bind(count)
    .execute(pool)
    .await
    .unwrap();
}

/// An organisation with only a signed-in admin and a market with one competitor: its id, the
/// admin's cookie and the market's id.
async fn fx_small_org(pool: &PgPool, app: &Router, domain: &str) -> (Uuid, String, String) {
    let admin = fx_user(pool, &format!("admin@{domain}"), Some(MembershipRole::Admin)).await;
    let cookie = signed_in(app, &admin.email, &admin.password).await;
    let fields = [
        ("name", "Riverside"),
        ("region", "North"),
        ("currency", "eur"),
        ("adopt_template", "true"),
    ];
    let market = ok(app, &cookie, "/api/create_market", &fields).await;
    let market = market.as_str().unwrap().to_owned();
    let fields = [
        ("market_id", market.as_str()),
        ("name", "Alpha"),
        ("business_type", ""),
        ("website", ""),
        ("locations", ""),
        ("priority", "2"),
        ("market_share_pct", ""),
        ("description", ""),
    ];
    ok(app, &cookie, "/api/save_competitor", &fields).await;
    (admin.organisation_id.unwrap(), cookie, market)
}

/// Asks for the export and reads nothing of it yet.
async fn start_download(app: &Router, cookie: &str) -> axum::response::Response {
    let request = Request::get("/export").header("cookie", cookie).body(Body::empty()).unwrap();
    app.clone().oneshot(request).await.unwrap()
}

/// The export's own database connections, open now. (Not only those inside a `COPY`: the
/// database may have sent all of it into the socket's buffers while the client reads nothing.)
async fn export_connections(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'marketedge-export'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Waits until the database shows `expected` export connections; fails after a minute, far less
/// than the 15 the old export held its connection for.
async fn until_export_connections(pool: &PgPool, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = export_connections(pool).await;
        if now == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{now} export connections, not {expected}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The application, ending an export whose client takes nothing for `stall_seconds` (the
/// request timeout, `REQUEST_TIMEOUT_SECS`).
fn fx_app_ending_stalls_after(pool: &PgPool, stall_seconds: u64) -> Router {
    let config = Config::resolve(
        |name| match name {
            "APP_ENV" => Some("test".to_owned()),
            "REQUEST_TIMEOUT_SECS" => Some(stall_seconds.to_string()),
            _ => None,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    fx_app_with(AppState::new(fx_app_pool(pool), config, fx_leptos_options(), clock))
}

/// Downloads the export with `credential`: the answer's status, headers and bytes.
async fn download(
    app: &Router,
    cookie: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get("/export");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("the download completes").to_bytes();
    (status, headers, bytes.to_vec())
}

/// One CSV file of the archive.
struct CsvFile {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    text: String,
}

/// The archive's files by name (read with the `zip` crate, which did not write it).
fn unzip(bytes: &[u8]) -> BTreeMap<String, CsvFile> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid ZIP");
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).expect("the entry's CRC checks out");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let rows = reader
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect();
        files.insert(file.name().unwrap().into_owned(), CsvFile { header, rows, text });
    }
    files
}

fn column(file: &CsvFile, name: &str) -> Vec<String> {
    let at =
        file.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    file.rows.iter().map(|row| row[at].clone()).collect()
}

async fn ids(pool: &PgPool, table: &str, organisation: Uuid) -> BTreeSet<String> {
    sqlx::query_scalar::<_, Uuid>(&format!("SELECT id FROM {table} WHERE organisation_id = $1"))
        .bind(organisation)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect()
}

/// The observations of a market as comparable values (names, not ids): one record per row.
async fn observations_of(pool: &PgPool, market: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT (c.name, p.name, o.price, o.currency, o.observed_at, o.source, o.is_promotion,
                 o.promotion_details)::text
         FROM price_observations o
         JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
         JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
         WHERE o.market_id = $1::uuid ORDER BY 1",
    )
    .bind(market)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Competitor names a spreadsheet would take for formulas, and one that really starts with `'`.
const FORMULA_NAMES: [&str; 5] = [
    "=HYPERLINK(\"https://evil.example\",\"Open\")",
    "+Plus Gym",
    "-Minus Gym",
    "@Gym",
    "'t Fitnesshuis",
];

/// The first characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[sqlx::test]
async fn an_export_holds_every_row_of_the_organisation_and_nothing_of_another(pool: PgPool) {
    let app = fx_app(pool.clone());
    let a = fx_org(&pool, &app, "a.example").await;
    let b = fx_org(&pool, &app, "b.example").await;
    let competitors = [&["Alpha", "Beta, \"The Gym\""][..], &FORMULA_NAMES].concat();
    let riverside = market(&app, &a, "Riverside", &competitors).await;
    let other = market(&app, &b, "Secret Harbour", &["Gamma Only-In-B"]).await;
    let a_file = format!(
        "competitor,product,price,observed_at,source,promotion,promotion_details\n\
         Alpha,Day pass,12.00,{d3}T09:15,website,no,\n\
         \"Beta, \"\"The Gym\"\"\",Day pass,13.5,{d3},\"flyer, door\",yes,\"2 for 1, weekdays\"\n\
         Alpha,Day pass,15.00,{d2},website,no,\n\
         Alpha,Monthly membership,49.99,{d3},phone,no,\n\
         Alpha,Monthly membership,39.99,{d1}T18:45,phone,no,\n\
         \"=HYPERLINK(\"\"https://evil.example\"\",\"\"Open\"\")\",Day pass,9,{d2},=1+1,yes,\"=cmd|' /C calc'!A0\"\n\
         +Plus Gym,Day pass,9.5,{d2},+31 20 555 0100,no,\n\
         -Minus Gym,Day pass,10,{d2},-,yes,-10 % on weekdays\n\
         @Gym,Day pass,11,{d2},@instagram,no,\n\
         't Fitnesshuis,Day pass,12,{d2},'quoted',yes,'t is feest\n",
        d3 = day(3),
        d2 = day(2),
        d1 = day(1)
    );
    assert_eq!(import(&app, &a, &riverside, &a_file).await["imported"], true);
    let b_file = format!(
        "competitor,product,price,observed_at,source\nGamma Only-In-B,Day pass,77.77,{},b-private-source\n",
        day(1)
    );
    assert_eq!(import(&app, &b, &other, &b_file).await["imported"], true);
    // A tab or carriage return in front of a formula is skipped by some spreadsheets. The forms
    // trim them away, so they are written directly, as an older version might have stored them.
    sqlx::query("UPDATE markets SET region = E'\\t=1+1' WHERE id = $1::uuid")
        .bind(&riverside)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE competitors SET description = E'\\r@SUM(A1)' WHERE name = 'Alpha'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET display_name = '=Boss' WHERE id = $1")
        .bind(a.admin.user_id)
        .execute(&pool)
        .await
        .unwrap();

    let (status, headers, bytes) = download(&app, Some(&a.admin_cookie)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers["content-type"], "application/zip");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"marketedge-org-"), "{disposition}");
    assert_eq!(headers["cache-control"], "no-store");
    let files = unzip(&bytes);
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "alerts.csv",
            "audit_log.csv",
            "competitors.csv",
            "markets.csv",
            "members.csv",
            "observations.csv",
            "products.csv",
        ]
    );

    // Every row of the organisation, by id, and no other.
    for (file, table) in [
        ("markets.csv", "markets"),
        ("products.csv", "products"),
        ("competitors.csv", "competitors"),
        ("observations.csv", "price_observations"),
        ("alerts.csv", "alerts"),
        ("audit_log.csv", "audit_log"),
    ] {
        let exported: BTreeSet<String> = column(&files[file], "id").into_iter().collect();
        assert_eq!(exported, ids(&pool, table, a.id).await, "{file}");
        assert_eq!(exported.len(), files[file].rows.len(), "{file}: no row twice");
        assert!(!exported.is_empty(), "{file} has rows to compare");
    }
    let members: BTreeSet<String> = column(&files["members.csv"], "email").into_iter().collect();
    assert_eq!(
        members,
        ["admin@a.example", "analyst@a.example", "viewer@a.example"].map(String::from).into()
    );
    // Nothing of the other organisation anywhere, in any cell.
    let b_markers = [
        b.id.to_string(),
        other.clone(),
        "Secret Harbour".into(),
        "Gamma Only-In-B".into(),
        "b-private-source".into(),
        "77.77".into(),
        "b.example".into(),
    ];
    for (name, CsvFile { text, .. }) in &files {
        for marker in &b_markers {
            assert!(!text.contains(marker.as_str()), "{name} contains {marker}");
        }
    }
    // Quoting survives: commas, quotes and line breaks come back as they were stored.
    assert!(column(&files["competitors.csv"], "name").contains(&"Beta, \"The Gym\"".to_owned()));
    assert!(
        column(&files["competitors.csv"], "description").contains(&"Line one\nline two".to_owned())
    );
    // The alerts the import raised (promotions, a 25 % increase, a 20 % decrease) are there with
    // their numbers.
    let kinds: BTreeSet<String> = column(&files["alerts.csv"], "kind").into_iter().collect();
    assert_eq!(kinds, ["price_decrease", "price_increase", "promotion"].map(String::from).into());

    // No cell can start a formula: free text carries a leading `'` (a spreadsheet shows the text
    // without it); a negative change stays a number.
    for (name, file) in &files {
        for row in &file.rows {
            for (header, cell) in file.header.iter().zip(row) {
                if header == "change_pct" {
                    assert!(cell.is_empty() || cell.parse::<f64>().is_ok(), "{name}: {cell:?}");
                } else {
                    assert!(!cell.starts_with(FORMULA_STARTS), "{name}, {header}: {cell:?}");
                }
            }
        }
    }
    let names = column(&files["competitors.csv"], "name");
    for formula in FORMULA_NAMES {
        assert!(names.contains(&format!("'{formula}")), "{formula} in {names:?}");
    }
    assert!(names.contains(&"Alpha".to_owned()), "other text is left as it is");
    assert_eq!(column(&files["markets.csv"], "region"), ["'\t=1+1"]);
    assert!(column(&files["competitors.csv"], "description").contains(&"'\r@SUM(A1)".to_owned()));
    assert!(column(&files["members.csv"], "display_name").contains(&"'=Boss".to_owned()));
    let sources = column(&files["observations.csv"], "source");
    for source in ["'=1+1", "'+31 20 555 0100", "'-", "'@instagram", "''quoted'"] {
        assert!(sources.contains(&source.to_owned()), "{source} in {sources:?}");
    }
    let details = column(&files["observations.csv"], "promotion_details");
    for detail in ["'=cmd|' /C calc'!A0", "'-10 % on weekdays", "''t is feest"] {
        assert!(details.contains(&detail.to_owned()), "{detail} in {details:?}");
    }
    let decrease = column(&files["alerts.csv"], "change_pct")
        .into_iter()
        .filter_map(|cell| cell.parse::<f64>().ok())
        .fold(f64::MAX, f64::min);
    assert!(decrease <= -20.0, "the decrease is a negative number: {decrease}");

    // The export is in the organisation's audit log, by the admin, and in the exported log too
    // (it is recorded before the snapshot is taken).
    let exported: Vec<(Option<Uuid>, String)> = sqlx::query_as(
        "SELECT actor_user_id, subject FROM audit_log WHERE organisation_id = $1 AND action = 'data_exported'",
    )
    .bind(a.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].0, Some(a.admin.user_id));
    assert!(column(&files["audit_log.csv"], "action").contains(&"data_exported".to_owned()));
    let b_exports: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = 'data_exported'",
    )
    .bind(b.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(b_exports, 0);

    // The observations file imports back unchanged into a market with the same names: the
    // importer takes each `'` the export added off again, and only that one.
    let lakeside = market(&app, &a, "Lakeside", &competitors).await;
    let observations = &files["observations.csv"].text;
    let report = import(&app, &a, &lakeside, observations).await;
    assert_eq!(
        (report["imported"].as_bool(), report["rows"].as_i64()),
        (Some(true), Some(10)),
        "{report}"
    );
    let original = observations_of(&pool, &riverside).await;
    assert_eq!(original.len(), 10);
    assert!(original.iter().any(|row| row.contains("'t Fitnesshuis")), "{original:?}");
    assert_eq!(observations_of(&pool, &lakeside).await, original);
}

#[sqlx::test]
async fn only_admins_export_and_a_super_admin_only_through_support_access(pool: PgPool) {
    let app = fx_app(pool.clone());
    let a = fx_org(&pool, &app, "a.example").await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    let audited = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_log WHERE action = 'data_exported'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };

    assert_eq!(download(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(download(&app, Some(&a.analyst_cookie)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(download(&app, Some(&a.viewer_cookie)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        download(&app, Some(&root_cookie)).await.0,
        StatusCode::FORBIDDEN,
        "no organisation without support access"
    );
    assert_eq!(audited().await, 0, "a refused export records nothing");

    let fields = [
        ("organisation_id", a.id.to_string()),
        ("reason", "Ticket 5120: export before closing".to_owned()),
        ("minutes", "15".to_owned()),
    ];
    let entered = call_as(
        &app,
        "/api/enter_support",
        &serde_urlencoded::to_string(fields).unwrap(),
        Credential::Cookie(&root_cookie),
    )
    .await;
    assert_eq!(entered.status, StatusCode::OK, "{}", entered.body);
    let (status, _, bytes) = download(&app, Some(&root_cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let members: BTreeSet<String> =
        column(&unzip(&bytes)["members.csv"], "email").into_iter().collect();
    assert!(members.contains("admin@a.example"), "{members:?}");

    // Recorded in the organisation's log as support work and as an export, and in the platform's.
    let tenant: Vec<(String, Option<Uuid>, Value)> = sqlx::query_as(
        "SELECT action::text, actor_user_id, detail FROM audit_log
         WHERE organisation_id = $1 AND action IN ('support_action', 'data_exported') ORDER BY occurred_at, id",
    )
    .bind(a.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tenant.iter().all(|(_, actor, _)| *actor == Some(root.user_id)), "{tenant:?}");
    assert!(tenant.iter().any(|(action, _, _)| action == "support_action"));
    let export =
        tenant.iter().find(|(action, _, _)| action == "data_exported").expect("the export");
    assert!(export.2.get("support_access").is_some(), "{:?}", export.2);
    let platform: Vec<Value> = sqlx::query_scalar(
        "SELECT detail FROM platform_audit_log WHERE action = 'data_exported' AND actor_user_id = $1",
    )
    .bind(root.user_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(platform.len(), 1);
    assert_eq!(platform[0]["organisation"], a.id.to_string());
}

#[sqlx::test]
async fn an_export_is_streamed_in_pieces_not_built_whole(pool: PgPool) {
    let app = fx_app(pool.clone());
    let a = fx_org(&pool, &app, "a.example").await;
    let riverside = market(&app, &a, "Riverside", &["Alpha"]).await;
    fx_observations(&pool, &riverside, 20_000).await;

    let request = Request::get("/export").header("cookie", &a.admin_cookie);
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get("content-length").is_none(),
        "the length is not known in advance: the archive is not built before it is sent"
    );
    let mut body = response.into_body();
    let (mut frames, mut bytes) = (0, Vec::new());
    while let Some(frame) = body.frame().await {
        let data = frame.expect("the stream completes").into_data().unwrap_or_default();
        frames += 1;
        bytes.extend_from_slice(&data);
    }
    assert!(bytes.len() > 4 * 64 * 1024, "a large archive: {} bytes", bytes.len());
    assert!(frames > 4, "sent in pieces as it is written: {frames} frames");
    assert_eq!(unzip(&bytes)["observations.csv"].rows.len(), 20_000);
}

/// The mark PostgreSQL writes in the export (`COPY`) is the one the importer takes off: the SQL
/// and the Rust rule agree on every first character that matters.
#[sqlx::test]
async fn the_export_marks_cells_exactly_as_the_importer_unmarks_them(pool: PgPool) {
    use marketedge::runtime::csv_safety;
    let sql = format!("SELECT {}", csv_safety::escape_sql("$1"));
    let values = [
        "", "=", "+1", "-1", "@a", "\t=1", "\r=1", "'", "'=x", "''", "a=1", " =1", "\n=1", "é",
        "€-",
    ];
    for value in values {
        let written: Option<String> =
            sqlx::query_scalar(&sql).bind(value).fetch_one(&pool).await.unwrap();
        assert_eq!(written.as_deref(), Some(&*csv_safety::escape(value)), "{value:?}");
        assert_eq!(csv_safety::unescape(&written.unwrap()), value, "{value:?}");
    }
    let null: Option<String> =
        sqlx::query_scalar(&sql).bind(None::<String>).fetch_one(&pool).await.unwrap();
    assert_eq!(null, None, "an empty optional cell stays empty");
}

#[sqlx::test]
async fn stalled_exports_of_ten_organisations_leave_an_eleventh_served(pool: PgPool) {
    // Setup: ten organisations with large exports, an eleventh that only uses the app. The
    // application pool has 5 connections (fx_app_pool); at most 2 exports run (the default);
    // stalled ones are not ended during the test.
    let app = fx_app_ending_stalls_after(&pool, 600);
    let mut exporters = Vec::new();
    for n in 0..10 {
        let (_, cookie, market) = fx_small_org(&pool, &app, &format!("org{n}.example")).await;
        fx_observations(&pool, &market, 5_000).await;
        exporters.push(cookie);
    }
    let (_, bystander, _) = fx_small_org(&pool, &app, "bystander.example").await;

    // Exec: all ten ask at once, and none reads a byte.
    let asked: Vec<_> = exporters
        .iter()
        .map(|cookie| {
            let (app, cookie) = (app.clone(), cookie.clone());
            tokio::spawn(async move { start_download(&app, &cookie).await })
        })
        .collect();
    let mut stalled = Vec::new();
    let mut refused = 0;
    for asked in asked {
        let response = asked.await.unwrap();
        match response.status() {
            StatusCode::OK => stalled.push(response),
            status => {
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
                assert!(response.headers().contains_key("retry-after"), "{:?}", response.headers());
                refused += 1;
            }
        }
    }

    // Check: two run (each holding its connection, its client not reading), eight were refused
    // at once and recorded nothing.
    assert_eq!((stalled.len(), refused), (2, 8));
    until_export_connections(&pool, 2).await;
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'data_exported'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, 2, "a refused export is not on the record");
    // The eleventh organisation's pages and server functions answer as usual meanwhile.
    for _ in 0..10 {
        let markets = call_as(&app, "/api/markets", "", Credential::Cookie(&bystander)).await;
        assert_eq!(markets.status, StatusCode::OK, "{}", markets.body);
        assert!(markets.body.contains("Riverside"), "{}", markets.body);
        let page = send(
            &app,
            Request::get("/markets").header("cookie", &bystander).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
    }
    assert_eq!(export_connections(&pool).await, 2, "the two exports are still stalled");

    // The stalled clients hang up: their connections close, and the others may export.
    drop(stalled);
    until_export_connections(&pool, 0).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let (status, _, bytes) = loop {
        let answer = download(&app, Some(&exporters[9])).await;
        if answer.0 != StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unzip(&bytes)["observations.csv"].rows.len(), 5_000);
}

#[sqlx::test]
async fn an_export_whose_client_stops_reading_is_ended_and_its_connection_closed(pool: PgPool) {
    // Setup: an application that ends an export making no progress for 10 seconds (the stall
    // limit is the request timeout, 30 s by default); a large organisation A and a small one B.
    let app = fx_app_ending_stalls_after(&pool, 10);
    let (_, a, a_market) = fx_small_org(&pool, &app, "a.example").await;
    fx_observations(&pool, &a_market, 5_000).await;
    let (_, b, _) = fx_small_org(&pool, &app, "b.example").await;

    // Exec: A's client asks and reads nothing.
    let stalled = start_download(&app, &a).await;
    assert_eq!(stalled.status(), StatusCode::OK);
    until_export_connections(&pool, 1).await;

    // Check: meanwhile A cannot start a second one, but B can export (a place is free).
    let again = start_download(&app, &a).await;
    assert_eq!(again.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(again.headers().contains_key("retry-after"));
    let (status, _, bytes) = download(&app, Some(&b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unzip(&bytes).contains_key("observations.csv"));

    // A's export is ended: its connection is closed, and what A's client gets is a failed
    // download, never a short archive that looks complete.
    until_export_connections(&pool, 0).await;
    assert!(stalled.into_body().collect().await.is_err(), "the download fails");
    let deadline = Instant::now() + Duration::from_secs(10);
    let (status, _, bytes) = loop {
        let answer = download(&app, Some(&a)).await;
        if answer.0 != StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, StatusCode::OK, "A may export again");
    assert_eq!(unzip(&bytes)["observations.csv"].rows.len(), 5_000);
}
