//! The first super-admin: created only with a password that passes the policy, never twice for
//! one email, audited, and able to sign in.
#![cfg(feature = "ssr")]

use crate::common::*;
use marketedge::platform::bootstrap::{create_super_admin, BootstrapError};
use sqlx::PgPool;

#[sqlx::test]
async fn a_super_admin_is_created_audited_and_can_sign_in(pool: PgPool) {
    let now = time::OffsetDateTime::now_utc();

    let id = create_super_admin(
        &fx_app_pool(&pool),
        " Ops@Example.com ",
        "Ops",
        "granite-falcon-river-88",
        now,
    )
    .await
    .unwrap();

    let (email, is_super_admin): (String, bool) =
        sqlx::query_as("SELECT email, is_super_admin FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((email.as_str(), is_super_admin), ("ops@example.com", true));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform_audit_log WHERE action = 'super_admin_created' AND subject = 'ops@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let app = fx_app(pool);
    let cookie = signed_in(&app, "ops@example.com", "granite-falcon-river-88").await;
    assert_eq!(whoami(&app, Credential::Cookie(&cookie)).await.json()["role"], "super_admin");
}

#[sqlx::test]
async fn weak_passwords_bad_emails_and_duplicates_are_refused(pool: PgPool) {
    let now = time::OffsetDateTime::now_utc();

    let weak =
        create_super_admin(&fx_app_pool(&pool), "ops@example.com", "Ops", "password1234", now)
            .await;
    let bad_email = create_super_admin(
        &fx_app_pool(&pool),
        "not-an-email",
        "Ops",
        "granite-falcon-river-88",
        now,
    )
    .await;

    match weak {
        Err(BootstrapError::Invalid(fields)) => assert_eq!(fields[0].code, "too_common"),
        other => panic!("expected a policy refusal, got {other:?}"),
    }
    match bad_email {
        Err(BootstrapError::Invalid(fields)) => assert_eq!(fields[0].code, "invalid_email"),
        other => panic!("expected an email refusal, got {other:?}"),
    }
    create_super_admin(
        &fx_app_pool(&pool),
        "ops@example.com",
        "Ops",
        "granite-falcon-river-88",
        now,
    )
    .await
    .unwrap();
    let twice = create_super_admin(
        &fx_app_pool(&pool),
        "OPS@example.com",
        "Ops",
        "another-granite-falcon-9",
        now,
    )
    .await;
    assert!(matches!(twice, Err(BootstrapError::EmailTaken)));
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 1);
}
