//! The organisation audit log: admins read their own organisation's entries; other roles get 403.
#![cfg(feature = "ssr")]

use crate::common::*;
use axum::http::StatusCode;
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;

#[sqlx::test]
async fn admins_read_their_own_organisation_s_entries_only(pool: PgPool) {
    let admin = fx_user(&pool, "admin@gym.example", Some(MembershipRole::Admin)).await;
    let rival = fx_user(&pool, "admin@rival.example", Some(MembershipRole::Admin)).await;
    let app = fx_app(pool);
    signed_in(&app, &rival.email, &rival.password).await;
    let cookie = signed_in(&app, &admin.email, &admin.password).await;

    let answer =
        call_as(&app, "/api/organisation_audit_log", "", Credential::Cookie(&cookie)).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let entries = answer.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "login_succeeded");
    assert_eq!(entries[0]["actor"], admin.email);
    assert_eq!(entries[0]["client_address"], "192.0.2.10");
}

#[sqlx::test]
async fn other_roles_are_forbidden_with_403(pool: PgPool) {
    let analyst = fx_user(&pool, "analyst@gym.example", Some(MembershipRole::Analyst)).await;
    let platform = fx_user(&pool, "root@marketedge.example", None).await;
    let app = fx_app(pool);

    for user in [&analyst, &platform] {
        let cookie = signed_in(&app, &user.email, &user.password).await;
        let answer =
            call_as(&app, "/api/organisation_audit_log", "", Credential::Cookie(&cookie)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}: {}", user.email, answer.body);
        assert_eq!(answer.json()["error"], "forbidden");
    }
}
