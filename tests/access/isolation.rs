//! Tenant isolation, each wall proven on its own (docs/isolation.md).
//!
//! The schema test fails if any tenant table misses forced row-level security, a policy with
//! both USING and WITH CHECK, `organisation_id` leading its primary key or inside its foreign keys
//! to other tenant tables, or if the application role could own or bypass anything; and if
//! `users` (every organisation's people) loses its forced row-level security and policies, or a
//! SECURITY DEFINER function lacks a fixed search_path or is executable by PUBLIC. The database
//! wall tests use raw SQL as the application role, with no application filter at all.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::http::StatusCode;
use marketedge::access::audit::{AuditAction, AuditEvent};
use marketedge::access::system::SystemCtx;
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
    problems.extend(users_problems(&pool).await);
    problems.extend(security_definer_problems(&pool).await);
    assert!(problems.is_empty(), "isolation rules broken:\n{}", problems.join("\n"));
}

/// `users` (every organisation's people) is no tenant table, but is walled all the same: forced
/// row-level security; reading limited to one's own account, the organisation in scope and the
/// platform path; changes and inserts under policies with WITH CHECK; no deleting, and no
/// changing of identity columns, by the application role.
async fn users_problems(pool: &PgPool) -> Vec<String> {
    let mut problems = Vec::new();
    let (enabled, forced): (bool, bool) = sqlx::query_as(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'public.users'::regclass",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    if !enabled || !forced {
        problems.push(format!("users: row-level security enabled={enabled} forced={forced}"));
    }
    // (command, USING, WITH CHECK) of every policy.
    let policies: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT p.polcmd::text, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
         FROM pg_policy p WHERE p.polrelid = 'public.users'::regclass",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let has = |command: &str, check: &dyn Fn(&Option<String>, &Option<String>) -> bool| {
        policies.iter().any(|(cmd, using, with_check)| cmd == command && check(using, with_check))
    };
    let mentions = |expr: &Option<String>, what: &str| expr.as_deref().unwrap_or("").contains(what);
    if !has("r", &|using, _| mentions(using, "app_user_id()") && mentions(using, "app_org_id()")) {
        problems.push("users: no read policy on app_user_id() and app_org_id()".to_owned());
    }
    if !has("w", &|using, check| {
        mentions(using, "app_user_id()") && mentions(check, "app_user_id()")
    }) {
        problems.push("users: no update policy with USING and WITH CHECK".to_owned());
    }
    if !has("a", &|_, check| mentions(check, "app_user_id()")) {
        problems.push("users: no insert policy with WITH CHECK on app_user_id()".to_owned());
    }
    // Anything but reading is never opened by the platform setting, nor by a policy for all.
    for (cmd, using, check) in &policies {
        if cmd == "*" || cmd == "d" {
            problems.push(format!("users: a policy for command {cmd} exists"));
        }
        if cmd != "r"
            && (mentions(using, "app_platform_read") || mentions(check, "app_platform_read"))
        {
            problems.push(format!("users: the platform setting opens command {cmd}"));
        }
        let admits_all = |expr: &Option<String>| expr.as_deref().map(str::trim) == Some("true");
        if admits_all(using) || admits_all(check) {
            problems.push(format!("users: a policy for command {cmd} admits every row"));
        }
    }
    let (delete, update_super, update_email): (bool, bool, bool) = sqlx::query_as(
        "SELECT has_table_privilege('marketedge_app', 'public.users', 'DELETE'),
                has_column_privilege('marketedge_app', 'public.users', 'is_super_admin', 'UPDATE'),
                has_column_privilege('marketedge_app', 'public.users', 'email', 'UPDATE')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    if delete || update_super || update_email {
        problems.push(format!(
            "marketedge_app may delete users ({delete}) or change is_super_admin ({update_super}) or email ({update_email})"
        ));
    }
    problems
}

/// Every SECURITY DEFINER function (it runs as its owner, who bypasses row-level security) has
/// a fixed search_path that ends with pg_temp (so no temporary object can stand in for a table)
/// and is not executable by PUBLIC.
async fn security_definer_problems(pool: &PgPool) -> Vec<String> {
    let functions: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT p.oid::regprocedure::text,
                (SELECT c FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%'),
                p.proacl IS NULL
                  OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                             WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut problems = Vec::new();
    for (function, search_path, public) in &functions {
        let fixed = search_path
            .as_deref()
            .is_some_and(|path| path.trim_end_matches('"').trim_end().ends_with("pg_temp"));
        if !fixed {
            problems.push(format!(
                "{function}: SECURITY DEFINER without a fixed search_path ending with pg_temp ({search_path:?})"
            ));
        }
        if *public {
            problems.push(format!("{function}: SECURITY DEFINER and executable by PUBLIC"));
        }
    }
    let names: Vec<&str> = functions.iter().map(|(name, ..)| name.as_str()).collect();
    for expected in ["sign_in_lookup(text)", "reset_lookup(text)", "email_has_account(text)"] {
        if !names.contains(&expected) {
            problems.push(format!("{expected}: missing or not SECURITY DEFINER ({names:?})"));
        }
    }
    problems
}

/// The backticked table names of the bullet of docs/isolation.md's distribution plan that starts
/// with `bullet`.
fn planned_in_bullet(doc: &str, bullet: &str) -> Vec<String> {
    let start = doc.find(bullet).unwrap_or_else(|| panic!("docs/isolation.md: {bullet}"));
    let rest = &doc[start + bullet.len()..];
    let end = rest.find("\n- ").unwrap_or(rest.len());
    rest[..end].split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The tables the plan's `create_<kind>_table('…')` lines name.
fn planned_by_call(doc: &str, kind: &str) -> Vec<String> {
    doc.split(&format!("create_{kind}_table('"))
        .skip(1)
        .map(|rest| rest.split('\'').next().unwrap().to_owned())
        .collect()
}

/// docs/isolation.md's plan for Citus must be one Citus can take: every table is in exactly one
/// place (distributed tenant tables, reference tables, or left on the coordinator), and no
/// foreign key points from a distributed table to one left on the coordinator, nor from a
/// reference table to any but another reference table.
#[sqlx::test]
async fn the_distribution_plan_places_every_table_and_every_foreign_key_citus_allows(pool: PgPool) {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/isolation.md")).unwrap();
    let coordinator = planned_in_bullet(&doc, "- Left on the coordinator");
    let reference = planned_by_call(&doc, "reference");
    let tenant = tenant_tables(&pool).await;
    assert!(coordinator.contains(&"user_sessions".to_owned()), "{coordinator:?}");
    assert_eq!(reference, ["organisations", "users"]);

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'tower_sessions')
           AND c.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let place = |table: &str| -> Vec<&str> {
        let mut places = Vec::new();
        if tenant.iter().any(|t| t == table) && !coordinator.iter().any(|t| t == table) {
            places.push("distributed");
        }
        if reference.iter().any(|t| t == table) {
            places.push("reference");
        }
        if coordinator.iter().any(|t| t == table) {
            places.push("coordinator");
        }
        places
    };
    let mut problems = Vec::new();
    for table in &tables {
        let places = place(table);
        if places.len() != 1 {
            problems.push(format!("{table}: placed {places:?} by docs/isolation.md"));
        }
    }
    let keys: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conname::text, conrelid::regclass::text, confrelid::regclass::text
         FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (key, from, to) in &keys {
        let allowed = matches!(
            (place(from).first().copied(), place(to).first().copied()),
            (Some("distributed"), Some("distributed" | "reference"))
                | (Some("reference"), Some("reference"))
                | (Some("coordinator"), Some("coordinator" | "reference"))
        );
        if !allowed {
            problems.push(format!("{key}: {from} ({:?}) -> {to} ({:?})", place(from), place(to)));
        }
    }
    assert!(problems.is_empty(), "the distribution plan does not hold: {problems:#?}");
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

/// Work without a user goes through the system context: its entry lands in the one organisation
/// its transaction is scoped to, with no actor and `system:<job>` saying who did it, and it
/// cannot write into another organisation's trail from there.
#[sqlx::test]
async fn the_system_context_audits_as_system_in_the_one_organisation_it_is_scoped_to(pool: PgPool) {
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    let (org_a, org_b) = (a.organisation_id.unwrap(), b.organisation_id.unwrap());
    let trail_of_b = owner_count(&pool, "audit_log", org_b).await;
    let app_pool = fx_app_pool(&pool);
    let system = SystemCtx::new("test-job");
    let event = || AuditEvent {
        action: AuditAction::MarketCreated,
        // A system entry has no actor, whatever the event says.
        actor_user_id: Some(a.user_id),
        subject: "collected by the system",
        client_address: "",
        detail: serde_json::json!({ "pages": 3 }),
    };
    let now = time::OffsetDateTime::now_utc();

    let mut tx = system.begin(&app_pool, org_a).await.unwrap();
    system.audit(&mut tx, org_a, event(), now).await.unwrap();
    tx.commit().await.unwrap();

    let (actor, detail): (Option<Uuid>, serde_json::Value) = sqlx::query_as(
        "SELECT actor_user_id, detail FROM audit_log
         WHERE organisation_id = $1 AND subject = 'collected by the system'",
    )
    .bind(org_a)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(actor, None);
    assert_eq!(detail, serde_json::json!({ "pages": 3, "actor": "system:test-job" }));

    let mut tx = system.begin(&app_pool, org_a).await.unwrap();
    let elsewhere = system.audit(&mut tx, org_b, event(), now).await;
    assert!(elsewhere.is_err(), "a transaction scoped to A wrote into B's trail");
    drop(tx);
    assert_eq!(owner_count(&pool, "audit_log", org_b).await, trail_of_b);
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
    let single = marketedge::runtime::db::app_pool(options, 1, std::time::Duration::from_secs(5));

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

    let system = SystemCtx::new("test");
    for _ in 0..10 {
        // Polled once (far enough to send BEGIN), then dropped, like a hung-up request's future.
        let begin = system.begin(&single, organisation_id);
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
    let mut tx = SystemCtx::new("test").begin(&app_pool, Uuid::now_v7()).await.unwrap();
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

#[sqlx::test]
async fn the_console_warns_when_the_pool_could_escape_row_level_security(pool: PgPool) {
    // The tests' login role has BYPASSRLS (it inspects every organisation's rows): exactly the
    // deployment the warning is for.
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool.clone());
    let cookie = signed_in(&app, &root.email, &root.password).await;

    let warnings = call_as(&app, "/api/platform_warnings", "", Credential::Cookie(&cookie)).await;

    assert_eq!(warnings.status, StatusCode::OK, "{}", warnings.body);
    let text = warnings.body;
    assert!(text.contains("RESET ROLE") && text.contains("DATABASE_APP_URL"), "{text}");
    // Public health checks never say so.
    let ready = get(&app, "/readyz").await;
    assert!(!ready.body.contains("RESET ROLE"), "{}", ready.body);
}

/// Runs `sql` as the application role in a transaction with `settings` set transaction-locally,
/// and returns the uuids it answers (rolled back afterwards).
async fn app_ids(
    app_pool: &PgPool,
    settings: &[(&str, String)],
    sql: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut tx = app_pool.begin().await?;
    for (name, value) in settings {
        sqlx::query("SELECT set_config($1, $2, true)")
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
    }
    let rows = sqlx::query_scalar::<_, Uuid>(sql).fetch_all(&mut *tx).await;
    let _ = tx.rollback().await;
    let mut rows = rows?;
    rows.sort();
    Ok(rows)
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

#[sqlx::test]
async fn users_show_a_member_their_organisation_and_themself_and_nobody_else(pool: PgPool) {
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    let (org_a, org_b) = (a.organisation_id.unwrap(), b.organisation_id.unwrap());
    let analyst = fx_member(&pool, org_a, "analyst@a.example", MembershipRole::Analyst).await;
    let root = fx_user(&pool, "root@marketedge.example", None).await;
    let app_pool = fx_app_pool(&pool);
    let org = |id: Uuid| ("app.org_id", id.to_string());
    let user = |id: Uuid| ("app.user_id", id.to_string());
    let all = "SELECT id FROM users";

    // In A's scope: A's members, whichever way B's are asked for.
    assert_eq!(
        app_ids(&app_pool, &[org(org_a)], all).await.unwrap(),
        sorted(vec![a.user_id, analyst.user_id])
    );
    let b_by_email = format!("SELECT id FROM users WHERE email = '{}'", b.email);
    let b_by_id = format!("SELECT id FROM users WHERE id = '{}'", b.user_id);
    for sql in [&b_by_email, &b_by_id] {
        assert!(app_ids(&app_pool, &[org(org_a)], sql).await.unwrap().is_empty(), "{sql}");
    }
    // Acting for a user without an organisation: exactly their own account.
    assert_eq!(app_ids(&app_pool, &[user(b.user_id)], all).await.unwrap(), vec![b.user_id]);
    assert_eq!(app_ids(&app_pool, &[user(root.user_id)], all).await.unwrap(), vec![root.user_id]);
    // No setting: no account at all.
    assert!(app_ids(&app_pool, &[], all).await.unwrap().is_empty());
    assert!(app_ids(&app_pool, &[], &b_by_email).await.unwrap().is_empty());

    // A super-admin is shown to the organisations whose trail names them (support access writes
    // such entries), and only to those.
    assert!(!app_ids(&app_pool, &[org(org_a)], all).await.unwrap().contains(&root.user_id));
    sqlx::query(
        "INSERT INTO audit_log (organisation_id, id, occurred_at, action, actor_user_id)
         VALUES ($1, gen_random_uuid(), now(), 'support_action', $2)",
    )
    .bind(org_a)
    .bind(root.user_id)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        app_ids(&app_pool, &[org(org_a)], all).await.unwrap(),
        sorted(vec![a.user_id, analyst.user_id, root.user_id])
    );
    assert_eq!(app_ids(&app_pool, &[org(org_b)], all).await.unwrap(), vec![b.user_id]);

    // Changes: another organisation's member cannot be changed; one's own account and the
    // members in scope can; identity columns and deleting never.
    let deactivate_b =
        format!("UPDATE users SET status = 'deactivated' WHERE id = '{}' RETURNING id", b.user_id);
    assert!(app_ids(&app_pool, &[org(org_a)], &deactivate_b).await.unwrap().is_empty());
    let everyone_seen_now = "UPDATE users SET last_login_at = now() RETURNING id";
    assert_eq!(
        app_ids(&app_pool, &[user(b.user_id)], everyone_seen_now).await.unwrap(),
        vec![b.user_id]
    );
    assert_eq!(
        app_ids(&app_pool, &[org(org_a)], everyone_seen_now).await.unwrap(),
        sorted(vec![a.user_id, analyst.user_id]),
        "a super-admin named by the trail is shown, never changed"
    );
    for sql in [
        format!("UPDATE users SET is_super_admin = true WHERE id = '{}' RETURNING id", a.user_id),
        format!("UPDATE users SET email = 'x@a.example' WHERE id = '{}' RETURNING id", a.user_id),
        format!("DELETE FROM users WHERE id = '{}' RETURNING id", analyst.user_id),
    ] {
        let refused = app_ids(&app_pool, &[org(org_a), user(a.user_id)], &sql).await;
        assert!(refused.is_err(), "{sql} was allowed to marketedge_app");
    }
    // Inserts: only the transaction's own new account.
    let new_id = Uuid::now_v7();
    let insert = format!(
        "INSERT INTO users (id, email, display_name) VALUES ('{new_id}', 'new@a.example', 'New') RETURNING id"
    );
    assert!(app_ids(&app_pool, &[org(org_a)], &insert).await.is_err());
    assert!(app_ids(&app_pool, &[user(a.user_id)], &insert).await.is_err());
    assert_eq!(app_ids(&app_pool, &[user(new_id)], &insert).await.unwrap(), vec![new_id]);

    // The platform path reads every account and changes none.
    let platform = ("app.platform", "read".to_owned());
    assert_eq!(
        app_ids(&app_pool, std::slice::from_ref(&platform), all).await.unwrap(),
        sorted(vec![a.user_id, analyst.user_id, b.user_id, root.user_id])
    );
    assert!(app_ids(&app_pool, &[platform], everyone_seen_now).await.unwrap().is_empty());

    // Nothing above stuck (every transaction was rolled back), and B is as it was.
    let b_status: String = sqlx::query_scalar("SELECT status::text FROM users WHERE id = $1")
        .bind(b.user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(b_status, "active");
}

#[sqlx::test]
async fn lookups_before_an_organisation_is_known_answer_only_what_they_need(pool: PgPool) {
    use sqlx::Column as _;
    let Tenants { a, b } = fx_two_tenants(&pool).await;
    sqlx::query("UPDATE users SET status = 'deactivated' WHERE id = $1")
        .bind(a.user_id)
        .execute(&pool)
        .await
        .unwrap();
    let app_pool = fx_app_pool(&pool);
    let mut connection = app_pool.acquire().await.unwrap();
    let columns = |rows: &[sqlx::postgres::PgRow]| -> Vec<String> {
        rows.first()
            .map(|row| row.columns().iter().map(|c| c.name().to_owned()).collect())
            .unwrap_or_default()
    };

    // No setting at all, as before sign-in: the table shows nothing...
    let direct: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
        .bind(&b.email)
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    assert_eq!(direct, 0);
    // ...and each function answers its one question.
    let sign_in = sqlx::query("SELECT * FROM sign_in_lookup($1)")
        .bind(&b.email)
        .fetch_all(&mut *connection)
        .await
        .unwrap();
    assert_eq!(columns(&sign_in), ["user_id", "password_hash"]);
    assert_eq!(sign_in[0].get::<Uuid, _>("user_id"), b.user_id);
    let reset = sqlx::query("SELECT * FROM reset_lookup($1)")
        .bind(&b.email)
        .fetch_all(&mut *connection)
        .await
        .unwrap();
    assert_eq!(columns(&reset), ["user_id", "auth_version"]);
    assert_eq!(reset[0].get::<Uuid, _>("user_id"), b.user_id);
    let deactivated = sqlx::query("SELECT * FROM reset_lookup($1)")
        .bind(&a.email)
        .fetch_all(&mut *connection)
        .await
        .unwrap();
    assert!(deactivated.is_empty(), "a deactivated account gets no reset link");
    for (email, expected) in [(b.email.as_str(), true), ("nobody@c.example", false)] {
        let has: bool = sqlx::query_scalar("SELECT email_has_account($1)")
            .bind(email)
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        assert_eq!(has, expected, "{email}");
    }
    // The guard's lookup opens the user's own account for its own statement only.
    let guard_email: String = sqlx::query_scalar("SELECT email FROM guard_account($1)")
        .bind(b.user_id)
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    assert_eq!(guard_email, b.email);
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut *connection).await.unwrap();
    assert_eq!(after, 0);
}
