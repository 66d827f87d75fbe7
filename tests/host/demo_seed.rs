//! The demo-data command: idempotent, complete, and refused in production.
#![cfg(feature = "ssr")]

use crate::common::fx_app_pool;

use marketedge::host::demo::{self, DEMO_LOGINS, DEMO_ORGANISATION_SLUG};
use marketedge::runtime::config::AppEnv;
use sqlx::PgPool;

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM organisations), (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn seeding_creates_the_demo_organisation_and_logins(pool: PgPool) {
    let outcome = demo::seed(&fx_app_pool(&pool), AppEnv::Development).await.unwrap();

    assert_eq!(outcome.organisations_created, 2);
    assert_eq!(outcome.users_created, DEMO_LOGINS.len());
    let (organisations, users, memberships) = counts(&pool).await;
    assert_eq!((organisations, users, memberships), (2, 5, 4));
    let super_admins: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM users WHERE is_super_admin AND id NOT IN (SELECT user_id FROM memberships)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(super_admins, vec!["superadmin@marketedge.example".to_owned()]);
    let admin_role: String = sqlx::query_scalar(
        "SELECT m.role::text FROM memberships m
         JOIN users u ON u.id = m.user_id JOIN organisations o ON o.id = m.organisation_id
         WHERE u.email = 'admin@northwind.example' AND o.slug = $1",
    )
    .bind(DEMO_ORGANISATION_SLUG)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(admin_role, "admin");
}

#[sqlx::test]
async fn demo_passwords_are_stored_as_argon2id_hashes(pool: PgPool) {
    demo::seed(&fx_app_pool(&pool), AppEnv::Test).await.unwrap();

    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(&pool).await.unwrap();

    assert_eq!(hashes.len(), DEMO_LOGINS.len());
    for (hash, login) in hashes.iter().zip(DEMO_LOGINS.iter()) {
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(!hash.contains(login.password));
    }
}

#[sqlx::test]
async fn seeding_twice_changes_nothing(pool: PgPool) {
    demo::seed(&fx_app_pool(&pool), AppEnv::Development).await.unwrap();
    let before: Vec<(String, String)> =
        sqlx::query_as("SELECT email, password_hash FROM users ORDER BY email")
            .fetch_all(&pool)
            .await
            .unwrap();

    let second = demo::seed(&fx_app_pool(&pool), AppEnv::Development).await.unwrap();

    assert_eq!(
        (
            second.organisations_created,
            second.users_created,
            second.observations_created,
            second.alerts_created
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(counts(&pool).await, (2, 5, 4));
    let after: Vec<(String, String)> =
        sqlx::query_as("SELECT email, password_hash FROM users ORDER BY email")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(before, after, "existing users, and their passwords, are left alone");
}

#[sqlx::test]
async fn seeding_is_refused_in_production(pool: PgPool) {
    let error = demo::seed(&fx_app_pool(&pool), AppEnv::Production).await.unwrap_err();

    assert!(matches!(error, demo::SeedError::Production));
    assert_eq!(counts(&pool).await, (0, 0, 0));
}

#[sqlx::test]
async fn each_demo_organisation_gets_its_own_markets_and_a_year_of_prices(pool: PgPool) {
    let outcome = demo::seed(&fx_app_pool(&pool), AppEnv::Development).await.unwrap();

    let per_org: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT o.slug, (SELECT count(*) FROM markets m WHERE m.organisation_id = o.id),
                (SELECT count(*) FROM competitors c WHERE c.organisation_id = o.id),
                (SELECT count(*) FROM price_observations p WHERE p.organisation_id = o.id)
         FROM organisations o ORDER BY o.slug",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // Harbour: 1 market, 4 competitors, 5 hotel products; Northwind: 2 markets, 5 + 6
    // competitors, 6 cinema products; 52 weeks each.
    assert_eq!(
        per_org,
        [
            ("harbour-hotels".to_owned(), 1, 4, 4 * 5 * 52),
            ("northwind-cinemas".to_owned(), 2, 11, 11 * 6 * 52)
        ]
    );
    assert_eq!(outcome.observations_created as i64, per_org.iter().map(|o| o.3).sum::<i64>());
    let counted: i64 = sqlx::query_scalar("SELECT sum(observation_count)::bigint FROM markets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        counted, outcome.observations_created as i64,
        "the trigger kept every market's count"
    );
    let promotions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM price_observations WHERE is_promotion")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(promotions > 0);
    let future: i64 =
        sqlx::query_scalar("SELECT count(*) FROM price_observations WHERE observed_at > now()")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(future, 0);
}

#[sqlx::test]
async fn the_benchmark_generator_spreads_prices_over_the_last_year(pool: PgPool) {
    let app_pool = fx_app_pool(&pool);
    demo::seed(&app_pool, AppEnv::Development).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM price_observations")
        .fetch_one(&pool)
        .await
        .unwrap();

    let written = marketedge::host::demo::markets::generate_for_benchmark(
        &app_pool,
        AppEnv::Test,
        "northwind-cinemas",
        "City Centre",
        3000,
    )
    .await
    .unwrap();

    // 5 competitors × 6 products = 30 series of 100 prices.
    assert_eq!(written, 3000);
    let (after, oldest_days): (i64, f64) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM now() - min(observed_at))::float8 / 86400 FROM price_observations WHERE source = 'demo data'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(after, before + 3000);
    assert!(oldest_days <= 367.0, "{oldest_days}");
    let refused = marketedge::host::demo::markets::generate_for_benchmark(
        &app_pool,
        AppEnv::Production,
        "northwind-cinemas",
        "City Centre",
        10,
    )
    .await;
    assert!(refused.is_err());
    let unknown = marketedge::host::demo::markets::generate_for_benchmark(
        &app_pool,
        AppEnv::Test,
        "nobody",
        "City Centre",
        10,
    )
    .await;
    assert!(unknown.unwrap_err().contains("no market named"));
}

/// The demo's alerts come from the real evaluation of its last four weeks of prices, so a first run
/// shows something real: several severities, and unread, read and resolved ones; each points at a
/// price of those weeks that moved by at least the threshold from the one before.
#[sqlx::test]
async fn the_demo_raises_its_alerts_through_the_evaluation(pool: PgPool) {
    let outcome = demo::seed(&fx_app_pool(&pool), AppEnv::Development).await.unwrap();
    let (total, severities, unread, read, resolved): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT severity),
                count(*) FILTER (WHERE read_at IS NULL),
                count(*) FILTER (WHERE read_at IS NOT NULL AND resolved_at IS NULL),
                count(*) FILTER (WHERE resolved_at IS NOT NULL)
         FROM alerts",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(total as u64, outcome.alerts_created);
    assert!(total >= 4, "{total} alerts");
    assert!(severities >= 2, "{severities} severities");
    assert!(
        unread > 0 && read > 0 && resolved > 0,
        "{unread} unread, {read} read, {resolved} resolved"
    );
    // Every price move alert: the observation it names, its predecessor, and a move of at least the
    // organisation's threshold between them.
    let wrong: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM alerts a
         JOIN price_observations o ON o.organisation_id = a.organisation_id AND o.id = a.observation_id
         JOIN organisations org ON org.id = a.organisation_id
         WHERE a.kind IN ('price_increase', 'price_decrease')
           AND (o.observed_at < now() - interval '4 weeks' OR o.price <> a.new_price
                OR abs(a.change_pct) < org.alert_threshold_pct)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(wrong, 0);
}
