//! An unknown email costs exactly one password verification, like a wrong password, so timing
//! does not reveal which accounts exist. One test in its own binary: the process-wide counter is
//! then only moved by this test.
#![cfg(feature = "ssr")]

mod common;

use common::*;
use marketedge::account::password::verifications_so_far;
use marketedge::model::organisation::MembershipRole;
use sqlx::PgPool;

#[sqlx::test]
async fn every_sign_in_attempt_runs_the_hash_exactly_once(pool: PgPool) {
    let user = fx_user(&pool, "ana@gym.example", Some(MembershipRole::Analyst)).await;
    let app = fx_app(pool);

    let before = verifications_so_far();
    sign_in(&app, "nobody@gym.example", "whatever-password-1", None).await;
    let after_unknown = verifications_so_far();
    sign_in(&app, &user.email, "whatever-password-1", None).await;
    let after_wrong = verifications_so_far();
    sign_in(&app, &user.email, &"x".repeat(10_000), None).await;
    let after_huge = verifications_so_far();
    sign_in(&app, &user.email, &user.password, None).await;
    let after_right = verifications_so_far();

    assert_eq!(after_unknown - before, 1, "unknown email");
    assert_eq!(after_wrong - after_unknown, 1, "wrong password");
    assert_eq!(after_huge - after_wrong, 1, "oversized password");
    assert_eq!(after_right - after_huge, 1, "right password");
}
