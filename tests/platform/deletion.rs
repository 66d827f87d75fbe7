//! Deleting an organisation: a super-admin's two-step, confirmed, audited deletion, through the
//! real router on a real database. The whole flow runs on an organisation holding data of every
//! kind, then every table is searched for anything of it; every refusal is shown to change
//! nothing; and the audit trail stays append-only for the application.
#![cfg(feature = "ssr")]

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use marketedge::model::organisation::MembershipRole;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

const NEW_PASSWORD: &str = "copper-lantern-meadow-91";
const REASON: &str = "Contract ended; customer asked for erasure";
/// An address two organisations invite: the mail of the one kept must stay.
const SHARED_INVITEE: &str = "shared@elsewhere.example";

/// Accepts the newest invitation to `email`; returns the new member's session cookie.
async fn accept_invitation(pool: &PgPool, app: &Router, email: &str) -> String {
    let token = emailed_token(pool, email).await;
    let accepted = post_form(
        app,
        "/accept-invitation",
        &[
            ("token", &token),
            ("display_name", ""),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    session_cookie(&accepted).expect("accepting an invitation signs in")
}

async fn ok(app: &Router, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Value {
    let answer = call_as(app, path, &form(fields), Credential::Cookie(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.json()
}

/// An organisation and what identifies it.
struct FxOrg {
    id: Uuid,
    name: String,
    slug: String,
    admin_email: String,
    admin_cookie: String,
    member_ids: Vec<Uuid>,
    member_emails: Vec<String>,
    /// Addresses only this organisation invited, with no account.
    invited_only: Vec<String>,
}

impl FxOrg {
    /// Text that belongs to this organisation alone: its id and slug, its members' ids and
    /// emails, and the addresses only it invited.
    fn markers(&self) -> Vec<String> {
        let mut markers = vec![self.id.to_string(), self.slug.clone()];
        markers.extend(self.member_ids.iter().map(Uuid::to_string));
        markers.extend(self.member_emails.iter().cloned());
        markers.extend(self.invited_only.iter().cloned());
        markers
    }

    /// The same as bytes, plus every id's 16 raw bytes (for `bytea` columns).
    fn byte_markers(&self) -> Vec<(String, Vec<u8>)> {
        let mut markers: Vec<(String, Vec<u8>)> = self
            .markers()
            .into_iter()
            .map(|marker| (marker.clone(), marker.into_bytes()))
            .collect();
        for id in std::iter::once(&self.id).chain(&self.member_ids) {
            markers.push((format!("{id} (raw bytes)"), id.as_bytes().to_vec()));
        }
        markers
    }
}

/// An organisation created by the super-admin as the console does, then filled through the real
/// server functions and routes with data of every kind: members (the first admin and an
/// analyst, both by invitation), open invitations (one to an address another organisation also
/// invites), a market with products, competitors, observations and the alerts they raise,
/// browser sessions, a bearer token with its refresh token, a password reset, a sign-in throttle
/// counter, queued mail and audit entries.
async fn fx_populated_org(
    pool: &PgPool,
    app: &Router,
    root_cookie: &str,
    name: &str,
    domain: &str,
) -> FxOrg {
    let admin_email = format!("admin@{domain}");
    let created = ok(
        app,
        root_cookie,
        "/api/create_organisation",
        &[
            ("name", name),
            ("industry", "cinema"),
            ("plan", "professional"),
            ("admin_email", &admin_email),
            ("admin_name", "First Admin"),
        ],
    )
    .await;
    let id: Uuid = created.as_str().unwrap().parse().unwrap();
    let admin_cookie = accept_invitation(pool, app, &admin_email).await;

    let analyst_email = format!("analyst@{domain}");
    assert_eq!(invite(app, &admin_cookie, &analyst_email, "analyst").await.status, StatusCode::OK);
    let analyst_cookie = accept_invitation(pool, app, &analyst_email).await;
    let pending = format!("pending@{domain}");
    assert_eq!(invite(app, &admin_cookie, &pending, "viewer").await.status, StatusCode::OK);
    assert_eq!(invite(app, &admin_cookie, SHARED_INVITEE, "viewer").await.status, StatusCode::OK);

    let market = ok(
        app,
        &admin_cookie,
        "/api/create_market",
        &[
            ("name", "Riverside"),
            ("region", "North"),
            ("currency", "EUR"),
            ("adopt_template", "true"),
        ],
    )
    .await;
    let market = market.as_str().unwrap().to_owned();
    let detail = ok(app, &analyst_cookie, "/api/market_overview", &[("id", &market)]).await;
    let product = detail["products"][0]["id"].as_str().expect("template products").to_owned();
    let mut competitors = Vec::new();
    for competitor in ["Odeon Riverside", "Picturehouse North"] {
        let saved = ok(
            app,
            &analyst_cookie,
            "/api/save_competitor",
            &[
                ("market_id", &market),
                ("name", competitor),
                ("business_type", "Cinema"),
                ("website", "https://competitor.example"),
                ("locations", "High Street"),
                ("priority", "3"),
                ("market_share_pct", "12.5"),
                ("description", ""),
            ],
        )
        .await;
        competitors.push(saved.as_str().unwrap().to_owned());
    }
    // A 25 % rise and a promotion: two alerts.
    for (competitor, price, days, promotion) in [
        (&competitors[0], "10.00", 3, "false"),
        (&competitors[0], "12.50", 2, "false"),
        (&competitors[1], "9.00", 1, "true"),
    ] {
        ok(
            app,
            &analyst_cookie,
            "/api/record_observation",
            &[
                ("market_id", &market),
                ("competitor_id", competitor),
                ("product_id", &product),
                ("price", price),
                ("currency", "EUR"),
                ("observed_at", &days_ago(days)),
                ("source", "website"),
                ("is_promotion", promotion),
                ("promotion_details", "Two for one"),
            ],
        )
        .await;
    }

    // A bearer token and its refresh token, as an API client gets them.
    let grant = Request::post("/api/v1/token")
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::json!({
                "grant_type": "password", "email": analyst_email, "password": NEW_PASSWORD,
            })
            .to_string(),
        ))
        .unwrap();
    let tokens = send(app, grant).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    assert!(tokens.json()["refresh_token"].is_string());
    // A password reset link (a reset row and its mail).
    let reset = post_form(app, "/forgot-password", &[("email", &analyst_email)]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    // A second browser session for the admin, then a wrong password (a success clears the
    // account's counter, so the failure comes last).
    signed_in(app, &admin_email, NEW_PASSWORD).await;
    sign_in(app, &admin_email, "not-the-password-at-all", None).await;

    let slug: String = sqlx::query_scalar("SELECT slug FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    let members: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organisation_id = $1 ORDER BY u.email",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(members.len(), 2);
    FxOrg {
        id,
        name: name.to_owned(),
        slug,
        admin_email,
        admin_cookie,
        member_ids: members.iter().map(|(id, _)| *id).collect(),
        member_emails: members.into_iter().map(|(_, email)| email).collect(),
        invited_only: vec![pending],
    }
}

/// Not searched: sqlx's bookkeeping and the platform audit log (kept whole, by design).
const NOT_SEARCHED: &[&str] = &["_sqlx_migrations", "platform_audit_log"];

/// Every table searched: schemas `public` and `tower_sessions`, but [`NOT_SEARCHED`].
async fn searched_tables(pool: &PgPool) -> Vec<String> {
    app_tables(pool, NOT_SEARCHED).await
}

/// The `bytea` columns of the searched tables, as (table, column).
async fn byte_columns(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT format('%I.%I', table_schema, table_name), format('%I', column_name)
         FROM information_schema.columns
         WHERE table_schema IN ('public', 'tower_sessions') AND data_type = 'bytea'
           AND table_name NOT IN ('_sqlx_migrations', 'platform_audit_log')
         ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// How many rows of each searched table hold each of `org`'s markers: in the row's text, or
/// (for `bytea` columns, whose text is hex) in its bytes. Keys are "table: marker"; only
/// non-zero counts are kept.
async fn traces(pool: &PgPool, org: &FxOrg) -> BTreeMap<String, i64> {
    let mut found = BTreeMap::new();
    for table in searched_tables(pool).await {
        for marker in org.markers() {
            let statement = format!(
                "SELECT count(*) FROM {table} x WHERE strpos(lower(x::text), lower($1)) > 0"
            );
            let rows: i64 =
                sqlx::query_scalar(&statement).bind(&marker).fetch_one(pool).await.unwrap();
            if rows > 0 {
                found.insert(format!("{table}: {marker}"), rows);
            }
        }
    }
    for (table, column) in byte_columns(pool).await {
        for (marker, bytes) in org.byte_markers() {
            let statement =
                format!("SELECT count(*) FROM {table} WHERE position($1::bytea IN {column}) > 0");
            let rows: i64 =
                sqlx::query_scalar(&statement).bind(&bytes).fetch_one(pool).await.unwrap();
            if rows > 0 {
                found.insert(format!("{table}.{column} bytes: {marker}"), rows);
            }
        }
    }
    found
}

/// Rows per searched table.
async fn table_counts(pool: &PgPool) -> BTreeMap<String, i64> {
    row_counts(pool, NOT_SEARCHED).await
}

async fn set_status(app: &Router, root_cookie: &str, organisation_id: Uuid, status: &str) {
    let id = organisation_id.to_string();
    let fields = [("id", id.as_str()), ("status", status), ("reason", "Contract ended in May")];
    ok(app, root_cookie, "/api/set_organisation_status", &fields).await;
}

async fn suspend(app: &Router, root_cookie: &str, organisation_id: Uuid) {
    set_status(app, root_cookie, organisation_id, "suspended").await;
}

async fn request_deletion(app: &Router, credential: Credential<'_>, id: Uuid) -> Answer {
    let body = form(&[("id", &id.to_string()), ("reason", REASON)]);
    call_as(app, "/api/request_organisation_deletion", &body, credential).await
}

async fn confirm_deletion(
    app: &Router,
    credential: Credential<'_>,
    id: Uuid,
    name: &str,
) -> Answer {
    let body = form(&[("id", &id.to_string()), ("confirm_name", name)]);
    call_as(app, "/api/confirm_organisation_deletion", &body, credential).await
}

async fn organisation_exists(pool: &PgPool, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// What the organisation holds, counted directly (the owner's pool sees every organisation).
async fn holdings(pool: &PgPool, id: Uuid) -> Value {
    sqlx::query_scalar(
        "SELECT jsonb_build_object(
             'members', (SELECT count(*) FROM memberships WHERE organisation_id = $1),
             'markets', (SELECT count(*) FROM markets WHERE organisation_id = $1),
             'competitors', (SELECT count(*) FROM competitors WHERE organisation_id = $1),
             'products', (SELECT count(*) FROM products WHERE organisation_id = $1),
             'observations', (SELECT count(*) FROM price_observations WHERE organisation_id = $1),
             'alerts', (SELECT count(*) FROM alerts WHERE organisation_id = $1),
             'invitations', (SELECT count(*) FROM invitations WHERE organisation_id = $1),
             'audit_entries', (SELECT count(*) FROM audit_log WHERE organisation_id = $1))",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_suspended_organisation_is_deleted_whole_and_only_the_platform_trail_remains(
    pool: PgPool,
) {
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    let doomed =
        fx_populated_org(&pool, &app, &root_cookie, "Doomed Cinemas", "doomed.example").await;
    let kept = fx_populated_org(&pool, &app, &root_cookie, "Kept Hotels", "kept.example").await;
    // The reset links the fixtures asked for: the background step creates them.
    fx_answer_reset_requests(&state).await;
    // Support access to the organisation leaves rows of its own.
    let id = doomed.id.to_string();
    ok(
        &app,
        &root_cookie,
        "/api/enter_support",
        &[("organisation_id", &id), ("reason", "Ticket 4411: import fails"), ("minutes", "30")],
    )
    .await;
    ok(&app, &root_cookie, "/api/leave_support", &[]).await;

    // Every kind of data is there, and the search finds it, in text and in bytes.
    let before = traces(&pool, &doomed).await;
    for table in [
        "public.alerts",
        "public.audit_log",
        "public.competitors",
        "public.invitations",
        "public.login_throttle",
        "public.markets",
        "public.memberships",
        "public.organisations",
        "public.outbox_emails",
        "public.password_resets",
        "public.price_observations",
        "public.products",
        "public.refresh_tokens",
        "public.support_access",
        "public.user_sessions",
        "public.users",
        "tower_sessions.session.data bytes",
    ] {
        assert!(
            before.keys().any(|key| key.starts_with(&format!("{table}: "))),
            "no trace of the organisation in {table}: {before:#?}"
        );
    }
    let holdings_before = holdings(&pool, doomed.id).await;
    assert!(holdings_before["alerts"].as_i64().unwrap() >= 2, "{holdings_before}");
    let kept_before = traces(&pool, &kept).await;
    let kept_holdings = holdings(&pool, kept.id).await;
    let users_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();

    // Step one: the organisation must be suspended first.
    let early = request_deletion(&app, Credential::Cookie(&root_cookie), doomed.id).await;
    assert_eq!(field_codes(&early), ["not_suspended"], "{}", early.body);
    suspend(&app, &root_cookie, doomed.id).await;
    let asked = request_deletion(&app, Credential::Cookie(&root_cookie), doomed.id).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let summary = asked.json();
    assert_eq!(summary["name"], "Doomed Cinemas");
    assert_eq!(summary["reason"], REASON);
    let mut expected_counts = holdings(&pool, doomed.id).await;
    // The answer was counted before its own audit entry was written.
    expected_counts["audit_entries"] =
        (expected_counts["audit_entries"].as_i64().unwrap() - 1).into();
    assert_eq!(summary["counts"], expected_counts);
    assert_eq!(summary["counts"]["members"], 2);
    assert_eq!(summary["counts"]["invitations"], 4);
    let requested: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM audit_log
                 WHERE organisation_id = $1 AND action = 'organisation_deletion_requested')
              + (SELECT count(*) FROM platform_audit_log
                 WHERE action = 'organisation_deletion_requested' AND detail->>'organisation' = $2)",
    )
    .bind(doomed.id)
    .bind(doomed.id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(requested, 2, "in the organisation's audit log and the platform's");

    // The export offered first: through support access, as the page does it.
    ok(
        &app,
        &root_cookie,
        "/api/enter_support",
        &[
            ("organisation_id", &id),
            ("reason", &format!("Export before deletion: {REASON}")),
            ("minutes", "15"),
        ],
    )
    .await;
    let export = send(
        &app,
        Request::get("/export").header("cookie", &root_cookie).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let inside =
        confirm_deletion(&app, Credential::Cookie(&root_cookie), doomed.id, &doomed.name).await;
    assert_eq!(field_codes(&inside), ["in_support_access"], "{}", inside.body);
    ok(&app, &root_cookie, "/api/leave_support", &[]).await;

    // Step two, with the name typed again (surrounding spaces do not matter).
    let deleted =
        confirm_deletion(&app, Credential::Cookie(&root_cookie), doomed.id, "  Doomed Cinemas ")
            .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let counts = deleted.json();
    assert_eq!(counts["members"], 2);
    assert_eq!(counts["observations"], holdings_before["observations"]);
    assert_eq!(counts["alerts"], holdings_before["alerts"]);

    // Nothing of it remains, anywhere.
    let after = traces(&pool, &doomed).await;
    assert!(after.is_empty(), "traces of the deleted organisation remain: {after:#?}");
    let mail_to_shared: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM outbox_emails WHERE to_address = $1")
            .bind(SHARED_INVITEE)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(mail_to_shared, ["Join Kept Hotels on MarketEdge"], "only the other's invitation");
    let users_after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users_after, users_before - 2, "the two members' accounts, nobody else's");

    // The other organisation is untouched, and works.
    assert_eq!(traces(&pool, &kept).await, kept_before);
    assert_eq!(holdings(&pool, kept.id).await, kept_holdings);
    let me = whoami(&app, Credential::Cookie(&kept.admin_cookie)).await.json();
    assert_eq!(me["email"], kept.admin_email.as_str());
    // The deleted organisation's members are gone: their sessions are nobody's.
    assert_eq!(whoami(&app, Credential::Cookie(&doomed.admin_cookie)).await.body, "null");
    let again = sign_in(&app, &doomed.admin_email, NEW_PASSWORD, None).await;
    assert!(answer_location(&again).contains("error=credentials"), "{:?}", answer_location(&again));

    // The platform trail keeps the one record.
    let (actor, subject, detail): (Option<Uuid>, String, Value) = sqlx::query_as(
        "SELECT actor_user_id, subject, detail FROM platform_audit_log
         WHERE action = 'organisation_deleted'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(actor, Some(root.user_id));
    assert_eq!(subject, "Doomed Cinemas");
    assert_eq!(detail["organisation"], doomed.id.to_string());
    assert_eq!(detail["name"], "Doomed Cinemas");
    assert_eq!(detail["reason"], REASON);
    assert_eq!(detail["counts"]["members"], 2);
    assert_eq!(detail["counts"]["users"], 2);
    assert!(detail["counts"]["audit_entries"].as_i64().unwrap() > 0, "{detail}");
    // The console no longer knows the organisation.
    let gone = call_as(
        &app,
        "/api/admin_organisation",
        &format!("id={}", doomed.id),
        Credential::Cookie(&root_cookie),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // A second confirmation finds nothing to delete.
    let twice =
        confirm_deletion(&app, Credential::Cookie(&root_cookie), doomed.id, &doomed.name).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
}

fn answer_location(answer: &Answer) -> String {
    answer.headers.get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A suspended organisation (admin and analyst, signed in before the suspension) and a signed-in
/// super-admin.
struct FxSuspended {
    app: Router,
    state: marketedge::access::state::AppState,
    root_cookie: String,
    organisation_id: Uuid,
    name: String,
}

async fn fx_suspended(pool: &PgPool) -> FxSuspended {
    let admin = fx_user(pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let organisation_id = admin.organisation_id.unwrap();
    fx_member(pool, organisation_id, "ana@a.example", MembershipRole::Analyst).await;
    let root = fx_user(pool, "root@marketedge.example", None).await;
    let state = fx_state(pool.clone());
    let app = fx_app_with(state.clone());
    signed_in(&app, &admin.email, &admin.password).await;
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    suspend(&app, &root_cookie, organisation_id).await;
    let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(organisation_id)
        .fetch_one(pool)
        .await
        .unwrap();
    FxSuspended { app, state, root_cookie, organisation_id, name }
}

#[sqlx::test]
async fn only_a_suspended_organisation_can_be_deleted(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let org = admin.organisation_id.unwrap();
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_one(&pool)
        .await
        .unwrap();
    let unchanged = table_counts(&pool).await;

    let asked = request_deletion(&app, Credential::Cookie(&root_cookie), org).await;
    assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&asked), ["not_suspended"]);
    let confirmed = confirm_deletion(&app, Credential::Cookie(&root_cookie), org, &name).await;
    assert_eq!(field_codes(&confirmed), ["not_suspended"]);
    assert_eq!(table_counts(&pool).await, unchanged, "a refusal changes nothing");

    // Reactivated after the request: the request no longer allows the deletion.
    suspend(&app, &root_cookie, org).await;
    let asked = request_deletion(&app, Credential::Cookie(&root_cookie), org).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    set_status(&app, &root_cookie, org, "active").await;
    let unchanged = table_counts(&pool).await;
    let confirmed = confirm_deletion(&app, Credential::Cookie(&root_cookie), org, &name).await;
    assert_eq!(field_codes(&confirmed), ["not_suspended"]);
    assert_eq!(table_counts(&pool).await, unchanged);
    assert!(organisation_exists(&pool, org).await);
}

#[sqlx::test]
async fn a_wrong_name_or_a_missing_or_expired_request_deletes_nothing(pool: PgPool) {
    let fx = fx_suspended(&pool).await;
    let root = Credential::Cookie(&fx.root_cookie);
    let org = fx.organisation_id;

    let unchanged = table_counts(&pool).await;
    let unasked =
        confirm_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org, &fx.name).await;
    assert_eq!(unasked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&unasked), ["no_request"]);
    let vague = call_as(
        &fx.app,
        "/api/request_organisation_deletion",
        &form(&[("id", &org.to_string()), ("reason", "bye")]),
        Credential::Cookie(&fx.root_cookie),
    )
    .await;
    assert_eq!(field_codes(&vague), ["too_short"]);
    assert_eq!(table_counts(&pool).await, unchanged);

    let asked = request_deletion(&fx.app, root, org).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let unchanged = table_counts(&pool).await;
    for wrong in ["Another Organisation", &fx.name.to_uppercase(), ""] {
        let refused =
            confirm_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org, wrong).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong:?}");
        assert_eq!(refused.json()["fields"][0]["field"], "confirm_name");
        assert_eq!(field_codes(&refused), ["mismatch"], "{wrong:?}");
    }
    assert_eq!(table_counts(&pool).await, unchanged);

    // Fifteen minutes later the request has expired.
    fx.state.clock.advance(Duration::from_secs(15 * 60 + 1));
    let late = confirm_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org, &fx.name).await;
    assert_eq!(field_codes(&late), ["request_expired"]);
    assert_eq!(table_counts(&pool).await, unchanged);

    // Asking again makes a fresh request, which works.
    let asked = request_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM organisation_deletion_requests")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(requests, 1, "the new request replaces the old one");
    let deleted =
        confirm_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org, &fx.name).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(!organisation_exists(&pool, org).await);
}

#[sqlx::test]
async fn only_the_super_admin_who_asked_can_confirm(pool: PgPool) {
    let fx = fx_suspended(&pool).await;
    let other = fx_user(&pool, "other-root@marketedge.example", None).await;
    let other_cookie = signed_in(&fx.app, &other.email, &other.password).await;
    let org = fx.organisation_id;

    let asked = request_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let unchanged = table_counts(&pool).await;
    let refused = confirm_deletion(&fx.app, Credential::Cookie(&other_cookie), org, &fx.name).await;
    assert_eq!(field_codes(&refused), ["requested_by_other"]);
    assert_eq!(table_counts(&pool).await, unchanged);

    // The other super-admin's own request replaces the first one.
    let asked = request_deletion(&fx.app, Credential::Cookie(&other_cookie), org).await;
    assert_eq!(asked.status, StatusCode::OK);
    let refused =
        confirm_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org, &fx.name).await;
    assert_eq!(field_codes(&refused), ["requested_by_other"]);
    assert!(organisation_exists(&pool, org).await);
    let deleted = confirm_deletion(&fx.app, Credential::Cookie(&other_cookie), org, &fx.name).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let actor: Uuid = sqlx::query_scalar(
        "SELECT actor_user_id FROM platform_audit_log WHERE action = 'organisation_deleted'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(actor, other.user_id);
}

#[derive(Clone, Copy)]
enum Caller<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    Anonymous,
}

impl<'a> Caller<'a> {
    fn credential(self) -> Credential<'a> {
        match self {
            Caller::Cookie(cookie) => Credential::Cookie(cookie),
            Caller::Bearer(token) => Credential::Bearer(token),
            Caller::Anonymous => Credential::None,
        }
    }
}

#[sqlx::test]
async fn nobody_but_a_super_admin_can_ask_or_confirm(pool: PgPool) {
    let admin = fx_user(&pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let org = admin.organisation_id.unwrap();
    let other_admin = fx_user(&pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let admin_cookie = signed_in(&app, &admin.email, &admin.password).await;
    let admin_token = fx_bearer(&app, &admin).await;
    let other_cookie = signed_in(&app, &other_admin.email, &other_admin.password).await;
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_one(&pool)
        .await
        .unwrap();

    // The organisation's own admin, while it is active.
    let unchanged = table_counts(&pool).await;
    for credential in [Credential::Cookie(&admin_cookie), Credential::Bearer(&admin_token)] {
        let answer = request_deletion(&app, credential, org).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    }
    assert_eq!(table_counts(&pool).await, unchanged);

    suspend(&app, &root_cookie, org).await;
    let asked = request_deletion(&app, Credential::Cookie(&root_cookie), org).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let unchanged = table_counts(&pool).await;
    let callers = [
        (Caller::Cookie(&admin_cookie), StatusCode::FORBIDDEN),
        (Caller::Bearer(&admin_token), StatusCode::FORBIDDEN),
        (Caller::Cookie(&other_cookie), StatusCode::FORBIDDEN),
        (Caller::Anonymous, StatusCode::UNAUTHORIZED),
    ];
    for (caller, status) in callers {
        let asked = request_deletion(&app, caller.credential(), org).await;
        assert_eq!(asked.status, status, "{}", asked.body);
        let confirmed = confirm_deletion(&app, caller.credential(), org, &name).await;
        assert_eq!(confirmed.status, status, "{}", confirmed.body);
    }
    assert_eq!(table_counts(&pool).await, unchanged, "a refusal changes nothing");
    assert!(organisation_exists(&pool, org).await);
}

#[sqlx::test]
async fn a_super_admin_in_support_access_is_sent_back_to_the_console(pool: PgPool) {
    let fx = fx_suspended(&pool).await;
    let other = fx_user(&pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let org = fx.organisation_id;
    let enter = |organisation: Uuid| {
        let app = fx.app.clone();
        let cookie = fx.root_cookie.clone();
        async move {
            let fields = [
                ("organisation_id", organisation.to_string()),
                ("reason", "Ticket 4411: look around".to_owned()),
                ("minutes", "30".to_owned()),
            ];
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ok(&app, &cookie, "/api/enter_support", &fields).await;
        }
    };

    // Inside this organisation, or inside another one.
    for organisation in [org, other.organisation_id.unwrap()] {
        enter(organisation).await;
        let without_audit = |mut counts: BTreeMap<String, i64>| {
            // The guard records every call made in support access in that organisation's log.
            counts.remove("public.audit_log");
            counts
        };
        let unchanged = without_audit(table_counts(&pool).await);
        let asked = request_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org).await;
        assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", asked.body);
        assert_eq!(field_codes(&asked), ["in_support_access"]);
        let confirmed =
            confirm_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org, &fx.name).await;
        assert_eq!(field_codes(&confirmed), ["in_support_access"]);
        assert_eq!(without_audit(table_counts(&pool).await), unchanged);
        ok(&fx.app, &fx.root_cookie, "/api/leave_support", &[]).await;
    }
    let requested: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'organisation_deletion_requested'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(requested, 0);

    // Back in the console, it works.
    let asked = request_deletion(&fx.app, Credential::Cookie(&fx.root_cookie), org).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
}

async fn audit_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM platform_audit_log)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn the_audit_log_stays_append_only_for_the_application(pool: PgPool) {
    let fx = fx_suspended(&pool).await;
    let org = fx.organisation_id.to_string();
    let app_pool = fx_app_pool(&pool);
    let before = audit_rows(&pool).await;
    assert!(before > 0);

    // The application role, even naming the organisation as the purge does.
    for statement in [
        "DELETE FROM audit_log",
        "UPDATE audit_log SET subject = 'x'",
        "DELETE FROM platform_audit_log",
        "UPDATE platform_audit_log SET subject = 'x'",
    ] {
        let mut tx = app_pool.begin().await.unwrap();
        sqlx::query(
            "SELECT set_config('app.org_id', $1, true), set_config('app.purging_org_id', $1, true)",
        )
        .bind(&org)
        .execute(&mut *tx)
        .await
        .unwrap();
        let refused = sqlx::query(statement).execute(&mut *tx).await;
        assert!(refused.is_err(), "{statement} was allowed to marketedge_app");
    }
    // The owner too: updates are always refused, and deletes without the purge's setting.
    for (statement, purging) in [
        ("UPDATE audit_log SET subject = 'x'", true),
        ("DELETE FROM audit_log", false),
        ("DELETE FROM platform_audit_log", true),
    ] {
        let mut tx = pool.begin().await.unwrap();
        if purging {
            sqlx::query("SELECT set_config('app.purging_org_id', $1, true)")
                .bind(&org)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let refused = sqlx::query(statement).execute(&mut *tx).await;
        assert!(refused.is_err(), "{statement} was allowed to the owner");
    }
    assert_eq!(audit_rows(&pool).await, before);
}

#[sqlx::test]
async fn the_purge_function_rechecks_what_the_application_checked(pool: PgPool) {
    let fx = fx_suspended(&pool).await;
    let org = fx.organisation_id;
    let root: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE is_super_admin")
        .fetch_one(&pool)
        .await
        .unwrap();
    let member: Uuid = sqlx::query_scalar("SELECT user_id FROM memberships LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let app_pool = fx_app_pool(&pool);
    let now = time::OffsetDateTime::now_utc();
    let purge = |by: Uuid, at: time::OffsetDateTime| {
        let app_pool = app_pool.clone();
        async move {
            sqlx::query("SELECT purge_organisation($1, $2, $3)")
                .bind(org)
                .bind(by)
                .bind(at)
                .execute(&app_pool)
                .await
        }
    };
    let unchanged = table_counts(&pool).await;

    assert!(purge(root, now).await.is_err(), "without a request");
    sqlx::query(
        "INSERT INTO organisation_deletion_requests
             (organisation_id, requested_by, reason, requested_at, expires_at)
         VALUES ($1, $2, 'Customer asked for erasure', $3, $3 + interval '15 minutes')",
    )
    .bind(org)
    .bind(root)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    assert!(purge(member, now).await.is_err(), "by someone who is not a super-admin");
    assert!(purge(root, now + time::Duration::minutes(16)).await.is_err(), "after expiry");
    sqlx::query("UPDATE organisations SET status = 'active' WHERE id = $1")
        .bind(org)
        .execute(&pool)
        .await
        .unwrap();
    assert!(purge(root, now).await.is_err(), "while the organisation is active");
    sqlx::query("UPDATE organisations SET status = 'suspended' WHERE id = $1")
        .bind(org)
        .execute(&pool)
        .await
        .unwrap();
    // A super-admin is never deleted: one with a membership (which the application never
    // creates) stops the whole deletion.
    sqlx::query(
        "INSERT INTO memberships (organisation_id, user_id, role) VALUES ($1, $2, 'viewer')",
    )
    .bind(org)
    .bind(root)
    .execute(&pool)
    .await
    .unwrap();
    assert!(purge(root, now).await.is_err(), "with a super-admin member");
    sqlx::query("DELETE FROM memberships WHERE user_id = $1")
        .bind(root)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM organisation_deletion_requests").execute(&pool).await.unwrap();
    assert_eq!(table_counts(&pool).await, unchanged, "every refusal rolled back whole");

    // The function is the application's only door: nobody else may call it.
    let public_can: bool = sqlx::query_scalar(
        "SELECT has_function_privilege('public', 'purge_organisation(uuid, uuid, timestamptz)', 'EXECUTE')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!public_can);
}
