use super::*;
use std::collections::HashMap;

const SITE: &str = "127.0.0.1:3000";
const GOOD_SECRET: &str = "q8Zt3vN1xR7pL0mW5kJ2hG9fD4sA6yUc";

fn resolve(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    let vars: HashMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::resolve(|name| vars.get(name).cloned(), SITE.parse().unwrap())
}

fn problem_variables(errors: ConfigErrors) -> Vec<&'static str> {
    errors.0.into_iter().map(|problem| problem.variable).collect()
}

#[test]
fn nothing_set_is_development_on_the_local_database() {
    let config = resolve(&[]).unwrap();
    assert_eq!(config.app_env.value, AppEnv::Development);
    assert_eq!(config.database_url.value.expose(), LOCAL_DEVELOPMENT_DATABASE_URL);
    assert_eq!(config.database_url.source, Source::Default);
    assert_eq!(config.listen_addr.value, SITE.parse().unwrap());
    assert!(!config.cookie_secure.value);
    assert_eq!(config.token_secret.source, Source::Generated);
    assert!(config.token_secret.value.expose().len() >= MIN_SECRET_BYTES);
}

#[test]
fn generated_secrets_differ_between_processes() {
    let a = resolve(&[]).unwrap().token_secret.value;
    let b = resolve(&[]).unwrap().token_secret.value;
    assert_ne!(a, b);
}

#[test]
fn database_url_wins_over_railway_and_libpq_variables() {
    let config = resolve(&[
        ("DATABASE_URL", "postgres://a:b@db.one:5432/one"),
        ("DATABASE_PRIVATE_URL", "postgres://a:b@db.two:5432/two"),
        ("PGHOST", "db.three"),
    ])
    .unwrap();
    assert_eq!(config.database_url.value.expose(), "postgres://a:b@db.one:5432/one");
    assert_eq!(config.database_url.source, Source::Env("DATABASE_URL"));
}

#[test]
fn railway_private_url_comes_before_libpq_variables() {
    let config = resolve(&[
        ("RAILWAY_ENVIRONMENT", "production"),
        ("JWT_SECRET", GOOD_SECRET),
        ("DATABASE_PRIVATE_URL", "postgres://u:p@postgres.railway.internal:5432/railway"),
        ("PGHOST", "elsewhere"),
        ("PUBLIC_URL", "https://app.marketedge.example"),
    ])
    .unwrap();
    assert_eq!(config.app_env.value, AppEnv::Production);
    assert!(matches!(config.app_env.source, Source::Derived(_)));
    assert_eq!(config.database_url.source, Source::Env("DATABASE_PRIVATE_URL"));
    assert!(config.cookie_secure.value);
}

#[test]
fn libpq_variables_build_a_url_with_libpq_defaults() {
    let config = resolve(&[("PGHOST", "db.internal"), ("PGPASSWORD", "s3cret")]).unwrap();
    assert_eq!(
        config.database_url.value.expose(),
        "postgres://postgres:s3cret@db.internal:5432/postgres"
    );
    let config = resolve(&[
        ("PGHOST", "fd12::1"),
        ("PGPORT", "6543"),
        ("PGUSER", "app"),
        ("PGDATABASE", "prices"),
    ])
    .unwrap();
    assert_eq!(config.database_url.value.expose(), "postgres://app@[fd12::1]:6543/prices");
}

#[test]
fn railway_environment_does_not_override_an_explicit_app_env() {
    let config =
        resolve(&[("RAILWAY_ENVIRONMENT", "staging"), ("APP_ENV", "development")]).unwrap();
    assert_eq!(config.app_env.value, AppEnv::Development);
    assert_eq!(config.app_env.source, Source::Env("APP_ENV"));
}

#[test]
fn test_env_prefers_test_database_url() {
    let config = resolve(&[
        ("APP_ENV", "test"),
        ("TEST_DATABASE_URL", "postgres://t@localhost/special"),
        ("DATABASE_URL", "postgres://d@localhost/dev"),
    ])
    .unwrap();
    assert_eq!(config.database_url.value.expose(), "postgres://t@localhost/special");
}

#[test]
fn test_env_derives_a_test_database_from_the_development_url() {
    let config =
        resolve(&[("APP_ENV", "test"), ("DATABASE_URL", "postgres://d@localhost/dev")]).unwrap();
    assert_eq!(config.database_url.value.expose(), "postgres://d@localhost/dev_test");
    let config = resolve(&[("APP_ENV", "test")]).unwrap();
    assert_eq!(
        config.database_url.value.expose(),
        "postgres://marketedge:marketedge@127.0.0.1:5432/marketedge_test"
    );
}

#[test]
fn production_reports_every_problem_at_once() {
    let errors = resolve(&[("APP_ENV", "production"), ("COOKIE_SECURE", "false")]).unwrap_err();
    let variables = problem_variables(errors);
    assert_eq!(variables, vec!["DATABASE_URL", "JWT_SECRET", "COOKIE_SECURE", "PUBLIC_URL"]);
}

#[test]
fn production_never_falls_back_to_the_local_database() {
    let errors = resolve(&[
        ("APP_ENV", "production"),
        ("JWT_SECRET", GOOD_SECRET),
        ("PUBLIC_URL", "https://app.marketedge.example"),
    ])
    .unwrap_err();
    assert_eq!(problem_variables(errors), vec!["DATABASE_URL"]);
}

#[test]
fn weak_secrets_are_refused_in_every_environment() {
    for weak in [
        "short",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "changeme-changeme-changeme-changeme-0123456789",
    ] {
        let errors = resolve(&[("JWT_SECRET", weak)]).unwrap_err();
        assert_eq!(problem_variables(errors), vec!["JWT_SECRET"], "{weak}");
    }
}

#[test]
fn port_binds_every_interface() {
    let config = resolve(&[("PORT", "8080")]).unwrap();
    assert_eq!(config.listen_addr.value, "[::]:8080".parse().unwrap());
    let errors = resolve(&[("PORT", "eighty")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["PORT"]);
}

#[test]
fn unknown_app_env_is_a_problem_and_judged_strictly() {
    let errors = resolve(&[("APP_ENV", "staging")]).unwrap_err();
    assert_eq!(
        problem_variables(errors),
        vec!["APP_ENV", "DATABASE_URL", "JWT_SECRET", "PUBLIC_URL"]
    );
}

#[test]
fn blank_variables_count_as_unset() {
    let config = resolve(&[("DATABASE_URL", "  "), ("PORT", "")]).unwrap();
    assert_eq!(config.database_url.source, Source::Default);
    assert_eq!(config.listen_addr.value, SITE.parse().unwrap());
}

#[test]
fn malformed_urls_and_numbers_are_named() {
    let errors = resolve(&[
        ("DATABASE_URL", "mysql://x@y/z"),
        ("DATABASE_MAX_CONNECTIONS", "0"),
        ("DATABASE_ACQUIRE_TIMEOUT_MS", "soon"),
    ])
    .unwrap_err();
    assert_eq!(
        problem_variables(errors),
        vec!["DATABASE_URL", "DATABASE_MAX_CONNECTIONS", "DATABASE_ACQUIRE_TIMEOUT_MS"]
    );
}

#[test]
fn session_timeouts_default_and_can_be_set() {
    let config = resolve(&[]).unwrap();
    assert_eq!(config.session_idle.value, Duration::from_secs(30 * 60));
    assert_eq!(config.session_absolute.value, Duration::from_secs(12 * 3600));
    let config =
        resolve(&[("SESSION_IDLE_MINUTES", "5"), ("SESSION_ABSOLUTE_HOURS", "1")]).unwrap();
    assert_eq!(config.session_idle.value, Duration::from_secs(300));
    assert_eq!(config.session_absolute.value, Duration::from_secs(3600));
    let errors = resolve(&[("SESSION_IDLE_MINUTES", "0")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["SESSION_IDLE_MINUTES"]);
}

#[test]
fn request_bounds_default_and_can_be_set() {
    assert_eq!(resolve(&[]).unwrap().request_timeout.value, Duration::from_secs(30));
    let config = resolve(&[]).unwrap();
    assert_eq!(config.request_capacity.value, config.db_max_connections.value as usize);
    let config = resolve(&[("DATABASE_MAX_CONNECTIONS", "4")]).unwrap();
    assert_eq!(config.request_capacity.value, 4, "the pool size by default");
    let config = resolve(&[("REQUEST_TIMEOUT_SECS", "5")]).unwrap();
    assert_eq!(config.request_timeout.value, Duration::from_secs(5));
    assert_eq!(config.request_timeout.source, Source::Env("REQUEST_TIMEOUT_SECS"));
    for bad in ["0", "601", "soon"] {
        let errors = resolve(&[("REQUEST_TIMEOUT_SECS", bad)]).unwrap_err();
        assert_eq!(problem_variables(errors), vec!["REQUEST_TIMEOUT_SECS"], "{bad}");
    }
    let config = resolve(&[("REQUEST_CAPACITY", "20")]).unwrap();
    assert_eq!(config.request_capacity.value, 20);
    assert_eq!(config.request_capacity.source, Source::Env("REQUEST_CAPACITY"));
    let errors = resolve(&[("REQUEST_CAPACITY", "0")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["REQUEST_CAPACITY"]);
}

#[test]
fn concurrent_exports_are_few_by_default_and_can_be_set() {
    assert_eq!(resolve(&[]).unwrap().export_concurrency.value, 2);
    let config = resolve(&[("MAX_CONCURRENT_EXPORTS", "4")]).unwrap();
    assert_eq!(config.export_concurrency.value, 4);
    assert_eq!(config.export_concurrency.source, Source::Env("MAX_CONCURRENT_EXPORTS"));
    let errors = resolve(&[("MAX_CONCURRENT_EXPORTS", "0")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["MAX_CONCURRENT_EXPORTS"]);
}

#[test]
fn sent_mail_is_kept_thirty_days_unless_told() {
    let day = Duration::from_secs(24 * 60 * 60);
    let config = resolve(&[]).unwrap();
    assert_eq!(
        (config.mail_retention.value, config.mail_retention.source),
        (30 * day, Source::Default)
    );
    let config = resolve(&[("MAIL_RETENTION_DAYS", "7")]).unwrap();
    assert_eq!(config.mail_retention.value, 7 * day);
    for bad in ["0", "3651", "a month"] {
        let errors = resolve(&[("MAIL_RETENTION_DAYS", bad)]).unwrap_err();
        assert_eq!(problem_variables(errors), vec!["MAIL_RETENTION_DAYS"], "{bad}");
    }
}

#[test]
fn the_metrics_endpoint_is_off_until_a_strong_token_is_set() {
    assert!(resolve(&[]).unwrap().metrics_token.is_none());
    let token = "Kp4vR8mZ2xQ7nW1cT5yB9hL3dF6gJ0sA";
    let config = resolve(&[("METRICS_TOKEN", token)]).unwrap();
    assert_eq!(config.metrics_token.unwrap().value.expose(), token);
    let errors = resolve(&[("METRICS_TOKEN", "metrics")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["METRICS_TOKEN"]);
}

#[test]
fn the_pool_may_log_in_as_a_role_of_its_own() {
    assert!(resolve(&[]).unwrap().database_app_url.is_none());
    let config = resolve(&[("DATABASE_APP_URL", "postgres://pool:pw@db:5432/prices")]).unwrap();
    assert_eq!(
        config.database_app_url.unwrap().value.expose(),
        "postgres://pool:pw@db:5432/prices"
    );
    let errors = resolve(&[("DATABASE_APP_URL", "mysql://x@y/z")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["DATABASE_APP_URL"]);
}

#[test]
fn trusted_proxies_are_ranges_or_a_hop_count_and_nothing_by_default() {
    let config = resolve(&[]).unwrap();
    assert!(!config.trusted_proxies.value.is_enabled());
    let config = resolve(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32")]).unwrap();
    assert_eq!(
        config.trusted_proxies.value.describe(),
        "proxies in 10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32"
    );
    assert_eq!(config.trusted_proxies.source, Source::Env("TRUSTED_PROXIES"));
    let config = resolve(&[("TRUSTED_PROXY_HOPS", "1")]).unwrap();
    assert_eq!(config.trusted_proxies.value.describe(), "the last 1 hop(s)");
    assert_eq!(config.trusted_proxies.source, Source::Env("TRUSTED_PROXY_HOPS"));
    let errors =
        resolve(&[("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"), ("TRUSTED_PROXY_HOPS", "-1")])
            .unwrap_err();
    assert_eq!(problem_variables(errors), vec!["TRUSTED_PROXY_HOPS", "TRUSTED_PROXIES"]);
}

#[test]
fn mail_settings_are_validated_and_masked() {
    let config = resolve(&[("SMTP_URL", "smtps://mailer:s3cr3tpass@smtp.example:465")]).unwrap();
    assert!(config.smtp_url.is_some());
    assert_eq!(config.public_url.value, "http://127.0.0.1:3000");
    let printed = format!("{:?}", config.describe());
    assert!(!printed.contains("s3cr3tpass"), "{printed}");
    let errors =
        resolve(&[("SMTP_URL", "mail.example:25"), ("PUBLIC_URL", "ftp://x")]).unwrap_err();
    assert_eq!(problem_variables(errors), vec!["PUBLIC_URL", "SMTP_URL"]);
}

#[test]
fn description_masks_every_secret() {
    let config = resolve(&[
        ("DATABASE_URL", "postgres://app:hunter2hunter2@db:5432/prices"),
        ("JWT_SECRET", GOOD_SECRET),
        ("METRICS_TOKEN", "Kp4vR8mZ2xQ7nW1cT5yB9hL3dF6gJ0sA"),
    ])
    .unwrap();
    let printed = format!("{:?} {:?}", config.describe(), config);
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains(GOOD_SECRET), "{printed}");
    assert!(!printed.contains("Kp4vR8mZ2xQ7nW1cT5yB9hL3dF6gJ0sA"), "{printed}");
    assert!(printed.contains("postgres://app:****@db:5432/prices"), "{printed}");
}
