//! Tenant isolation, each wall proven on its own (docs/isolation.md).
//!
//! The schema test fails if any tenant table misses forced row-level security, a policy with
//! both USING and WITH CHECK, `organisation_id` leading its primary key or inside its foreign keys
//! to other tenant tables, or if the application role could own or bypass anything. The database
//! wall tests use raw SQL as the application role, with no application filter at all.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::*;
use marketedge::model::organisation::MembershipRole;
use sqlx::{Connection, PgPool, Row};
use uuid::Uuid;

async fn tenant_tables(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organisation_id' AND NOT a.attisdropped
         WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
         ORDER BY c.relname",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn every_tenant_table_follows_the_isolation_rules(pool: PgPool) {
    let tables = tenant_tables(&pool).await;
    assert!(
        tables.contains(&"memberships".to_owned()) && tables.contains(&"audit_log".to_owned()),
        "{tables:?}"
    );

    let mut problems = Vec::new();
    for table in &tables {
        let (enabled, forced): (bool, bool) = sqlx::query_as(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = ('public.' || $1)::regclass",
        )
        .bind(table)
        .fetch_one(&pool)
        .await
        .unwrap();
        if !enabled || !forced {
            problems.push(format!("{table}: row-level security enabled={enabled} forced={forced}"));
        }
        let guarded: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_policy p
             WHERE p.polrelid = ('public.' || $1)::regclass AND p.polcmd = '*' AND p.polpermissive
               AND pg_get_expr(p.polqual, p.polrelid) LIKE '%organisation_id = app_org_id()%'
               AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%organisation_id = app_org_id()%'",
        )
        .bind(table)
        .fetch_one(&pool)
        .await
        .unwrap();
        if guarded == 0 {
            problems.push(format!(
                "{table}: no policy with USING and WITH CHECK on organisation_id = app_org_id()"
            ));
        }
        let leading: Option<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.conrelid = ('public.' || $1)::regclass AND c.contype = 'p'",
        )
        .bind(table)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if leading.as_deref() != Some("organisation_id") {
            problems
                .push(format!("{table}: primary key leads with {leading:?}, not organisation_id"));
        }
        let foreign: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT c.conname::text, r.relname::text,
                    EXISTS (SELECT 1 FROM unnest(c.conkey) k
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k
                            WHERE a.attname = 'organisation_id')
             FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid
             WHERE c.conrelid = ('public.' || $1)::regclass AND c.contype = 'f'",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        for (name, target, includes_org) in foreign {
            if tables.contains(&target) && !includes_org {
                problems.push(format!(
                    "{table}: foreign key {name} to tenant table {target} lacks organisation_id"
                ));
            }
        }
    }

    let (superuser, bypass): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'marketedge_app'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    if superuser || bypass {
        problems.push(format!("marketedge_app: superuser={superuser} bypassrls={bypass}"));
    }
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'marketedge_app')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    if owned > 0 {
        problems.push(format!("marketedge_app owns {owned} relations"));
    }
    assert!(problems.is_empty(), "isolation rules broken:\n{}", problems.join("\n"));
}

#[sqlx::test]
async fn the_application_runs_as_the_restricted_role(pool: PgPool) {
    let app_pool = fx_app_pool(&pool);

    let role: String =
        sqlx::query_scalar("SELECT current_user::text").fetch_one(&app_pool).await.unwrap();

    assert_eq!(role, "marketedge_app");
}

struct Tenants {
    a: FxUser,
    b: FxUser,
}

/// Two organisations, each with a member and an audit entry (written by signing in).
async fn fx_two_tenants(pool: &PgPool) -> Tenants {
    let a = fx_user(pool, "admin@a.example", Some(MembershipRole::Admin)).await;
    let b = fx_user(pool, "admin@b.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool.clone());
    signed_in(&app, &a.email, &a.password).await;
    signed_in(&app, &b.email, &b.password).await;
    Tenants { a, b }
}

/// Runs `sql` as the application role inside a transaction scoped to `org` (or to none).
async fn as_app(
    pool: &PgPool,
    org: Option<Uuid>,
    sql: &str,
    bind: Option<Uuid>,
) -> Result<(u64, i64), sqlx::Error> {
    let app_pool = fx_app_pool(pool);
    let mut tx = app_pool.begin().await?;
    if let Some(org) = org {
        sqlx::query("SELECT set_config('app.org_id', $1, true)")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
    }
    let mut query = sqlx::query(sql);
    if let Some(value) = bind {
        query = query.bind(value);
    }
    let result = if sql.trim_start().to_uppercase().starts_with("SELECT") {
        let row = query.fetch_one(&mut *tx).await?;
        (0, row.try_get::<i64, _>(0)?)
    } else {
        (query.execute(&mut *tx).await?.rows_affected(), 0)
    };
    tx.commit().await?;
    Ok(result)
}

async fn owner_count(pool: &PgPool, table: &str, org: Uuid) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE organisation_id = $1"))
        .bind(org)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn raw_sql_sees_and_changes_only_its_own_organisation(pool: PgPool) {
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    let (org_a, org_b) = (a.organisation_id.unwrap(), b.organisation_id.unwrap());
    let before = (
        owner_count(&pool, "memberships", org_b).await,
        owner_count(&pool, "audit_log", org_b).await,
    );
    assert_eq!(before, (1, 1));

    for table in ["memberships", "audit_log"] {
        // select: B's rows are invisible, even when asked for by organisation.
        let (_, all) = as_app(&pool, Some(org_a), &format!("SELECT count(*) FROM {table}"), None)
            .await
            .unwrap();
        let (_, theirs) = as_app(
            &pool,
            Some(org_a),
            &format!("SELECT count(*) FROM {table} WHERE organisation_id = $1"),
            Some(org_b),
        )
        .await
        .unwrap();
        assert_eq!((all, theirs), (1, 0), "{table} select");
        // no setting: nothing at all.
        let (_, none) =
            as_app(&pool, None, &format!("SELECT count(*) FROM {table}"), None).await.unwrap();
        assert_eq!(none, 0, "{table} without a tenant");
        // delete: B's rows cannot be removed.
        if table == "memberships" {
            let (deleted, _) = as_app(
                &pool,
                Some(org_a),
                "DELETE FROM memberships WHERE organisation_id = $1",
                Some(org_b),
            )
            .await
            .unwrap();
            assert_eq!(deleted, 0, "{table} delete");
        }
    }
    // update: B's rows cannot be changed, and A's cannot be moved into B.
    let (updated, _) = as_app(
        &pool,
        Some(org_a),
        "UPDATE memberships SET role = 'viewer' WHERE organisation_id = $1",
        Some(org_b),
    )
    .await
    .unwrap();
    assert_eq!(updated, 0);
    let moved =
        as_app(&pool, Some(org_a), "UPDATE memberships SET organisation_id = $1", Some(org_b))
            .await;
    assert!(moved.is_err(), "moving a row into another organisation must violate the policy");
    // insert: nothing can be created in B.
    let created = as_app(
        &pool,
        Some(org_a),
        "INSERT INTO audit_log (organisation_id, id, occurred_at, action) VALUES ($1, gen_random_uuid(), now(), 'logout')",
        Some(org_b),
    )
    .await;
    assert!(created.is_err(), "inserting into another organisation must violate the policy");

    let after = (
        owner_count(&pool, "memberships", org_b).await,
        owner_count(&pool, "audit_log", org_b).await,
    );
    assert_eq!(after, before, "organisation B is untouched");
    let role_b: String =
        sqlx::query_scalar("SELECT role::text FROM memberships WHERE organisation_id = $1")
            .bind(org_b)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(role_b, "admin");
}

#[sqlx::test]
async fn a_pooled_connection_carries_no_tenant_into_the_next_transaction(pool: PgPool) {
    let Tenants { a, .. } = fx_two_tenants(&pool).await;
    let options = (*pool.connect_options()).clone();
    let single = marketedge::server::db::app_pool(options, 1, std::time::Duration::from_secs(5));

    let mut first = single.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.org_id', $1, true)")
        .bind(a.organisation_id.unwrap().to_string())
        .execute(&mut *first)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships")
        .fetch_one(&mut *first)
        .await
        .unwrap();
    first.commit().await.unwrap();
    let mut connection = single.acquire().await.unwrap();
    let next: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships")
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    let setting: Option<String> =
        sqlx::query_scalar("SELECT NULLIF(current_setting('app.org_id', true), '')")
            .fetch_one(&mut *connection)
            .await
            .unwrap();

    assert_eq!((seen, next, setting), (1, 0, None));
    let _ = connection.ping().await;
}

#[sqlx::test]
async fn an_organisation_named_by_the_client_is_ignored(pool: PgPool) {
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &a.email, &a.password).await;
    let org_b = b.organisation_id.unwrap().to_string();

    let request =
        axum::http::Request::post(format!("/api/organisation_audit_log?organisation_id={org_b}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-origin")
            .header("x-organisation-id", &org_b)
            .body(axum::body::Body::from(format!("organisation_id={org_b}")))
            .unwrap();
    let answer = send(&app, request).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let entries = answer.json();
    let actors: Vec<&str> =
        entries.as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert!(!actors.is_empty());
    assert!(actors.iter().all(|actor| *actor == a.email), "{actors:?}");
}

#[sqlx::test]
async fn super_admins_read_across_organisations_only_through_the_audited_path(pool: PgPool) {
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let root_cookie = signed_in(&app, &root.email, &root.password).await;
    let admin_cookie = signed_in(&app, &a.email, &a.password).await;

    let overview =
        call_as(&app, "/api/admin_organisations", "", Credential::Cookie(&root_cookie)).await;
    let refused =
        call_as(&app, "/api/admin_organisations", "", Credential::Cookie(&admin_cookie)).await;

    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    let listed = overview.json();
    let mut seen: Vec<(String, i64)> = listed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_owned(), o["members"].as_i64().unwrap()))
        .collect();
    seen.sort();
    let mut expected = vec![
        (a.organisation_id.unwrap().to_string(), 1),
        (b.organisation_id.unwrap().to_string(), 1),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform_audit_log WHERE action = 'platform_read' AND actor_user_id = $1",
    )
    .bind(root.user_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test]
async fn the_platform_setting_unlocks_reading_and_nothing_else(pool: PgPool) {
    let Tenants { b, .. } = fx_two_tenants(&pool).await;
    let org_b = b.organisation_id.unwrap();
    let app_pool = fx_app_pool(&pool);
    let platform = |sql: &'static str| {
        let app_pool = app_pool.clone();
        async move {
            let mut tx = app_pool.begin().await.unwrap();
            sqlx::query("SELECT set_config('app.platform', 'read', true)")
                .execute(&mut *tx)
                .await
                .unwrap();
            let result =
                sqlx::query(sql).bind(org_b).execute(&mut *tx).await.map(|r| r.rows_affected());
            let _ = tx.rollback().await;
            result
        }
    };

    assert_eq!(platform("SELECT 1 FROM memberships WHERE organisation_id = $1").await.unwrap(), 1);
    assert_eq!(
        platform("UPDATE memberships SET role = 'viewer' WHERE organisation_id = $1")
            .await
            .unwrap(),
        0
    );
    assert_eq!(platform("DELETE FROM memberships WHERE organisation_id = $1").await.unwrap(), 0);
    assert!(platform("INSERT INTO audit_log (organisation_id, id, occurred_at, action) VALUES ($1, gen_random_uuid(), now(), 'logout')").await.is_err());
}

#[sqlx::test]
async fn invitations_support_access_and_deletion_requests_are_walled_like_every_tenant_table(
    pool: PgPool,
) {
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    let (org_a, org_b) = (a.organisation_id.unwrap(), b.organisation_id.unwrap());
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let session_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO user_sessions (id, user_id, store_session_id, created_at, last_seen_at)
         VALUES ($1, $2, 'x', now(), now())",
    )
    .bind(session_id)
    .bind(root.user_id)
    .execute(&pool)
    .await
    .unwrap();
    for (n, org) in [org_a, org_b].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO invitations (organisation_id, id, email, display_name, role, link_id, created_at, expires_at)
             VALUES ($1, gen_random_uuid(), $2, 'Invited', 'viewer', gen_random_uuid(), now(), now() + interval '7 days')",
        )
        .bind(org)
        .bind(format!("invitee{n}@example.com"))
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO support_access (organisation_id, id, super_admin_id, session_id, reason, started_at, expires_at, ended_at)
         VALUES ($1, gen_random_uuid(), $2, $3, 'Ticket 1: past visit', now(), now(), now())",
    )
    .bind(org_b)
    .bind(root.user_id)
    .bind(session_id)
    .execute(&pool)
    .await
    .unwrap();

    sqlx::query(
        "INSERT INTO organisation_deletion_requests (organisation_id, requested_by, reason, requested_at, expires_at)
         VALUES ($1, $2, 'Customer asked for erasure', now(), now() + interval '15 minutes')",
    )
    .bind(org_b)
    .bind(root.user_id)
    .execute(&pool)
    .await
    .unwrap();

    for table in ["invitations", "support_access", "organisation_deletion_requests"] {
        let (_, theirs) = as_app(
            &pool,
            Some(org_a),
            &format!("SELECT count(*) FROM {table} WHERE organisation_id = $1"),
            Some(org_b),
        )
        .await
        .unwrap();
        assert_eq!(theirs, 0, "{table}: A sees none of B's rows");
        let (changed, _) = as_app(
            &pool,
            Some(org_a),
            &format!("DELETE FROM {table} WHERE organisation_id = $1"),
            Some(org_b),
        )
        .await
        .unwrap();
        assert_eq!(changed, 0, "{table}: A deletes none of B's rows");
        let (_, none) =
            as_app(&pool, None, &format!("SELECT count(*) FROM {table}"), None).await.unwrap();
        assert_eq!(none, 0, "{table} without a tenant");
    }
    let (_, own) =
        as_app(&pool, Some(org_a), "SELECT count(*) FROM invitations", None).await.unwrap();
    assert_eq!(own, 1);
    let smuggled = as_app(
        &pool,
        Some(org_a),
        "INSERT INTO invitations (organisation_id, id, email, display_name, role, link_id, created_at, expires_at)
         VALUES ($1, gen_random_uuid(), 'x@example.com', 'X', 'admin', gen_random_uuid(), now(), now())",
        Some(org_b),
    )
    .await;
    assert!(smuggled.is_err(), "writing into B under A's setting is refused");
    // B can see who entered its workspace.
    let (_, visits) =
        as_app(&pool, Some(org_b), "SELECT count(*) FROM support_access", None).await.unwrap();
    assert_eq!(visits, 1);
}

/// A client that hangs up while its request's transaction is beginning must not leave that
/// transaction open on the pooled connection: the next request on it would run inside it, with
/// the first request's organisation set (found by `make bench`: PostgreSQL warned "there is
/// already a transaction in progress" whenever wrk closed its connections).
#[sqlx::test]
async fn a_request_cancelled_while_its_transaction_begins_leaves_nothing_behind(pool: PgPool) {
    // One connection, so each check gets the very connection the cancelled request had.
    let single = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    drop(single.acquire().await.unwrap());
    let organisation_id = Uuid::now_v7();

    for _ in 0..10 {
        // Polled once (far enough to send BEGIN), then dropped, like a hung-up request's future.
        let begin = marketedge::server::db::tenant::begin_scoped(&single, organisation_id);
        let _ = tokio::time::timeout(std::time::Duration::ZERO, begin).await;

        let mut connection = single.acquire().await.unwrap();
        let setting: Option<String> =
            sqlx::query_scalar("SELECT nullif(current_setting('app.org_id', true), '')")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
        assert_eq!(setting, None, "the next request saw the cancelled one's organisation");
        assert!(!connection.is_in_transaction(), "the connection came back inside a transaction");
    }
}

/// A connection killed in the middle of a tenant transaction (`pg_terminate_backend`, a failover,
/// a database restart): the request is told to retry (503, not a 500 with a request id), and the
/// pool's next connection carries no organisation. Found by `make fault` (kill-transaction).
#[sqlx::test]
async fn a_connection_killed_mid_transaction_is_unavailable_and_leaves_nothing(pool: PgPool) {
    let app_pool = fx_app_pool(&pool);
    let mut tx =
        marketedge::server::db::tenant::begin_scoped(&app_pool, Uuid::now_v7()).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *tx).await.unwrap();

    let terminated: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(terminated);
    let error = sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap_err();
    assert_eq!(
        marketedge::error::AppError::from(error),
        marketedge::error::AppError::Unavailable,
        "a killed connection must read as 'try again', not as an internal error"
    );
    drop(tx);

    for _ in 0..3 {
        let mut connection = app_pool.acquire().await.unwrap();
        let setting: Option<String> =
            sqlx::query_scalar("SELECT nullif(current_setting('app.org_id', true), '')")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
        assert_eq!(setting, None);
        assert!(!connection.is_in_transaction());
    }
}
