//! Fuzz target (proptest) for the configuration resolver: any environment (every variable it
//! knows set, blank or unset, to a valid, nearly valid or arbitrary value) gives either a
//! configuration that honours what was set, or problems that each name a variable that was set
//! or is required, and no secret ever reaches an error or `marketedge config`'s description.
//! Cases: `PROPTEST_CASES` (256 by default; `make fault` runs many more).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use marketedge::runtime::config::{AppEnv, Config, ConfigErrors, Source};
use proptest::prelude::*;

const SITE: &str = "127.0.0.1:3000";

/// Every variable the resolver reads. A new one fails the first property until it is listed
/// (and given values) here.
const KNOWN: &[&str] = &[
    "APP_ENV",
    "RAILWAY_ENVIRONMENT",
    "DATABASE_URL",
    "DATABASE_PRIVATE_URL",
    "TEST_DATABASE_URL",
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "PORT",
    "JWT_SECRET",
    "COOKIE_SECURE",
    "DATABASE_MAX_CONNECTIONS",
    "DATABASE_ACQUIRE_TIMEOUT_MS",
    "REQUEST_TIMEOUT_SECS",
    "REQUEST_CAPACITY",
    "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS",
    "PUBLIC_URL",
    "SMTP_URL",
    "MAIL_FROM",
    "METRICS_TOKEN",
    "MAX_CONCURRENT_EXPORTS",
    "MAIL_RETENTION_DAYS",
    "TRUSTED_PROXIES",
    "TRUSTED_PROXY_HOPS",
    "DATABASE_APP_URL",
];

/// Variables a problem may name although they are unset: what is required.
const REQUIRED: &[&str] = &["DATABASE_URL", "JWT_SECRET", "PUBLIC_URL"];

/// A value for one variable, and the secret inside it (which must never be shown).
#[derive(Debug, Clone)]
struct Value {
    text: String,
    secret: Option<String>,
}

fn plain(text: impl Strategy<Value = String> + 'static) -> BoxedStrategy<Value> {
    text.prop_map(|text| Value { text, secret: None }).boxed()
}

/// A random secret: long and distinctive enough that it cannot turn up anywhere by chance.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{24,40}"
}

fn blank_or_arbitrary() -> BoxedStrategy<Value> {
    prop_oneof![
        plain(prop::sample::select(vec!["", " ", "\t", "  \u{3000}"]).prop_map(String::from)),
        plain(".{0,30}"),
        plain(any::<String>()),
    ]
    .boxed()
}

fn pick(values: &[&'static str]) -> BoxedStrategy<Value> {
    plain(prop::sample::select(values.to_vec()).prop_map(String::from))
}

fn with_secret(text: impl Strategy<Value = String> + 'static) -> BoxedStrategy<Value> {
    text.prop_map(|text| Value { secret: Some(text.clone()), text }).boxed()
}

/// The documented range of each numeric variable.
fn range_of(name: &str) -> std::ops::RangeInclusive<u64> {
    match name {
        "PORT" | "PGPORT" => 0..=65_535,
        "DATABASE_MAX_CONNECTIONS" | "REQUEST_CAPACITY" => 1..=1000,
        "DATABASE_ACQUIRE_TIMEOUT_MS" => 100..=60_000,
        "REQUEST_TIMEOUT_SECS" => 1..=600,
        "SESSION_IDLE_MINUTES" => 1..=1440,
        "SESSION_ABSOLUTE_HOURS" => 1..=720,
        "MAX_CONCURRENT_EXPORTS" => 1..=100,
        "MAIL_RETENTION_DAYS" => 1..=3650,
        "TRUSTED_PROXY_HOPS" => 0..=10,
        other => panic!("{other} is not numeric"),
    }
}

fn database_url(valid: bool) -> BoxedStrategy<Value> {
    let (schemes, hosts, ports) = if valid {
        (
            vec!["postgres", "postgresql"],
            vec!["localhost", "db.internal", "127.0.0.1", "[fd12::1]"],
            0..65_536,
        )
    } else {
        (vec!["mysql", "http", "postgres"], vec!["", "bad host", "[fd12::1"], 65_536..70_000)
    };
    (
        prop::sample::select(schemes),
        "[a-z][a-z0-9_]{0,8}",
        prop::option::of(secret()),
        prop::sample::select(hosts),
        prop::option::of(ports),
        "[a-z_]{0,10}",
        any::<bool>(),
    )
        .prop_map(|(scheme, user, password, host, port, database, in_query)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let text = match (&password, in_query) {
                // libpq and sqlx also take the password as a query parameter.
                (Some(password), true) => format!(
                    "{scheme}://{user}@{host}{port}/{database}?sslmode=disable&password={password}"
                ),
                (Some(password), false) => {
                    format!("{scheme}://{user}:{password}@{host}{port}/{database}")
                }
                (None, _) => format!("{scheme}://{user}@{host}{port}/{database}"),
            };
            Value { text, secret: password }
        })
        .boxed()
}

/// A value the documentation allows for `name` (though it may still clash with another
/// variable, such as `COOKIE_SECURE=false` in production).
fn valid_value(name: &'static str) -> BoxedStrategy<Value> {
    match name {
        "APP_ENV" => pick(&["development", "dev", "test", "production", "PROD", " Test "]),
        "RAILWAY_ENVIRONMENT" => pick(&["production", "staging"]),
        "DATABASE_URL" | "DATABASE_PRIVATE_URL" | "TEST_DATABASE_URL" | "DATABASE_APP_URL" => {
            database_url(true)
        }
        "TRUSTED_PROXIES" => pick(&["10.0.0.0/8", " 100.64.0.0/10 ,2001:db8::/32", "192.0.2.7"]),
        "PGHOST" => pick(&["db.internal", "fd12::1", "[fd12::1]", "ünïcode.example"]),
        "PGUSER" | "PGDATABASE" => pick(&["app", "prices"]),
        "PGPASSWORD" => with_secret(secret()),
        "JWT_SECRET" | "METRICS_TOKEN" => with_secret("[A-Za-z0-9+/]{32,64}"),
        "COOKIE_SECURE" => pick(&["true", "false", "1", "0", "yes", "no", "TRUE", " no "]),
        "PUBLIC_URL" => pick(&[
            "https://app.marketedge.example",
            "http://localhost:3000/",
            " https://app.marketedge.example/ ",
            "https://app.marketedge.example\n",
        ]),
        "SMTP_URL" => (prop::sample::select(vec!["smtp", "smtps"]), secret())
            .prop_map(|(scheme, password)| Value {
                text: format!("{scheme}://mailer:{password}@smtp.example:587"),
                secret: Some(password),
            })
            .boxed(),
        "MAIL_FROM" => pick(&["MarketEdge <hello@marketedge.example>", "ops@marketedge.example"]),
        numeric => {
            let range = range_of(numeric);
            plain(prop_oneof![
                range.clone().prop_map(|n| n.to_string()),
                range.prop_map(|n| format!(" {n} ")),
            ])
        }
    }
}

/// A value near a valid one that the documentation refuses (or, for free text, anything).
fn invalid_value(name: &'static str) -> BoxedStrategy<Value> {
    match name {
        "APP_ENV" => pick(&["staging", "develop", "production!"]),
        "DATABASE_URL" | "DATABASE_PRIVATE_URL" | "TEST_DATABASE_URL" | "DATABASE_APP_URL" => {
            database_url(false)
        }
        "TRUSTED_PROXIES" => pick(&["proxy.internal", "10.0.0.0/33", "10.0.0.0/8, 300.1.1.1"]),
        "PGHOST" => pick(&["bad host", "a/b", "[::1"]),
        "PGUSER" | "PGDATABASE" => pick(&["with space", "a@b", "x/y"]),
        "JWT_SECRET" | "METRICS_TOKEN" => with_secret(prop_oneof![
            "[A-Za-z0-9]{8,31}",
            "([a-f]{2}){16,20}",
            "(changeme|example|Password|SECRET)[A-Za-z0-9]{30}",
        ]),
        "COOKIE_SECURE" => pick(&["on", "off", "secure"]),
        "PUBLIC_URL" => pick(&["ftp://files.example", "app.marketedge.example", "https://"]),
        "SMTP_URL" => with_secret(
            secret().prop_map(|password| format!("http://mailer:{password}@smtp.example:587")),
        ),
        "PORT"
        | "PGPORT"
        | "DATABASE_MAX_CONNECTIONS"
        | "DATABASE_ACQUIRE_TIMEOUT_MS"
        | "REQUEST_TIMEOUT_SECS"
        | "REQUEST_CAPACITY"
        | "SESSION_IDLE_MINUTES"
        | "SESSION_ABSOLUTE_HOURS"
        | "MAX_CONCURRENT_EXPORTS"
        | "MAIL_RETENTION_DAYS"
        | "TRUSTED_PROXY_HOPS" => {
            let range = range_of(name);
            let mut outside = vec![
                (range.end() + 1..u64::MAX).prop_map(|n| n.to_string()).boxed(),
                "-[0-9]{1,3}".boxed(),
                "[0-9]{25,30}".boxed(),
                "[0-9]{1,4}[a-z._ ][0-9]{0,2}".boxed(),
            ];
            if *range.start() > 0 {
                outside.push((0..*range.start()).prop_map(|n| n.to_string()).boxed());
            }
            plain(prop::strategy::Union::new(outside))
        }
        _ => blank_or_arbitrary(),
    }
}

fn any_value(name: &'static str) -> BoxedStrategy<Value> {
    prop_oneof![3 => valid_value(name), 1 => invalid_value(name), 1 => blank_or_arbitrary()].boxed()
}

/// Each known variable set, with probability `chance`, to a value from `value`.
fn variables(
    chance: f64,
    value: fn(&'static str) -> BoxedStrategy<Value>,
) -> impl Strategy<Value = BTreeMap<&'static str, Value>> {
    let entries: Vec<_> = KNOWN
        .iter()
        .map(|name| prop::option::weighted(chance, value(name)).prop_map(move |v| (*name, v)))
        .collect();
    entries.prop_map(|entries| {
        entries.into_iter().filter_map(|(name, value)| Some((name, value?))).collect()
    })
}

/// An environment: each known variable unset or given a value. Two cases in three use only
/// valid values (one of them a production with what it requires), so that resolving succeeds
/// often enough to check what it resolves to.
fn environment() -> impl Strategy<Value = BTreeMap<&'static str, Value>> {
    let production = (
        variables(0.3, valid_value),
        valid_value("DATABASE_URL"),
        valid_value("JWT_SECRET"),
        valid_value("PUBLIC_URL"),
    )
        .prop_map(|(mut env, database, secret, public)| {
            env.insert("APP_ENV", Value { text: "production".into(), secret: None });
            env.insert("DATABASE_URL", database);
            env.insert("JWT_SECRET", secret);
            env.insert("PUBLIC_URL", public);
            env
        });
    prop_oneof![variables(0.3, valid_value), production, variables(0.4, any_value)]
}

/// Set means present and not blank (the resolver treats blank as unset).
fn set<'a>(env: &'a BTreeMap<&str, Value>, name: &str) -> Option<&'a str> {
    env.get(name).map(|v| v.text.as_str()).filter(|text| !text.trim().is_empty())
}

fn resolve(
    env: &BTreeMap<&'static str, Value>,
) -> (Result<Config, ConfigErrors>, BTreeSet<String>) {
    let asked = RefCell::new(BTreeSet::new());
    let result = Config::resolve(
        |name| {
            asked.borrow_mut().insert(name.to_owned());
            env.get(name).map(|v| v.text.clone())
        },
        SITE.parse().unwrap(),
    );
    (result, asked.into_inner())
}

/// The deployment kind the README's table gives for this environment, and whether `APP_ENV`
/// itself is unreadable (judged as production).
fn expected_env(env: &BTreeMap<&str, Value>) -> (AppEnv, bool) {
    match set(env, "APP_ENV").map(|raw| raw.trim().to_ascii_lowercase()) {
        Some(raw) => match raw.as_str() {
            "development" | "dev" => (AppEnv::Development, false),
            "test" => (AppEnv::Test, false),
            "production" | "prod" => (AppEnv::Production, false),
            _ => (AppEnv::Production, true),
        },
        None if set(env, "RAILWAY_ENVIRONMENT").is_some() => (AppEnv::Production, false),
        None => (AppEnv::Development, false),
    }
}

fn in_range(raw: &str, name: &str) -> bool {
    raw.trim().parse::<u64>().is_ok_and(|n| range_of(name).contains(&n))
}

fn is_url_with_scheme(raw: &str, schemes: &[&str]) -> bool {
    url::Url::parse(raw).is_ok_and(|url| schemes.contains(&url.scheme()))
}

proptest! {
    #[test]
    fn resolve_either_configures_or_names_every_problem(env in environment()) {
        let (result, asked) = resolve(&env);
        for name in &asked {
            prop_assert!(KNOWN.contains(&name.as_str()), "{} is read but not fuzzed", name);
        }
        let (app_env, unreadable_app_env) = expected_env(&env);
        let production = app_env == AppEnv::Production;
        let problems: Vec<(&'static str, String)> = match &result {
            Ok(_) => Vec::new(),
            Err(errors) => {
                prop_assert!(!errors.0.is_empty(), "an error without a problem");
                errors.0.iter().map(|p| (p.variable, p.message.clone())).collect()
            }
        };
        for (variable, message) in &problems {
            prop_assert!(KNOWN.contains(variable), "unknown variable {}", variable);
            prop_assert!(!message.is_empty());
            if set(&env, variable).is_none() {
                prop_assert!(REQUIRED.contains(variable), "{} is unset: {}", variable, message);
                if *variable != "DATABASE_URL" {
                    prop_assert!(production, "{} required outside production", variable);
                }
            }
        }
        let reported = |name: &str| problems.iter().any(|(variable, _)| *variable == name);

        // The variables whose validity is simple to state: reported exactly when invalid.
        prop_assert_eq!(reported("APP_ENV"), unreadable_app_env);
        prop_assert_eq!(reported("PORT"), set(&env, "PORT").is_some_and(|p| p.trim().parse::<u16>().is_err()));
        for name in [
            "DATABASE_MAX_CONNECTIONS",
            "DATABASE_ACQUIRE_TIMEOUT_MS",
            "REQUEST_TIMEOUT_SECS",
            "REQUEST_CAPACITY",
            "SESSION_IDLE_MINUTES",
            "SESSION_ABSOLUTE_HOURS",
            "MAX_CONCURRENT_EXPORTS",
            "MAIL_RETENTION_DAYS",
            "TRUSTED_PROXY_HOPS",
        ] {
            prop_assert_eq!(reported(name), set(&env, name).is_some_and(|raw| !in_range(raw, name)), "{}", name);
        }
        let cookie = set(&env, "COOKIE_SECURE").map(|raw| raw.trim().to_ascii_lowercase());
        let cookie_valid = cookie.as_deref().is_none_or(|c| ["true", "1", "yes", "false", "0", "no"].contains(&c));
        let cookie_off = cookie.as_deref().is_some_and(|c| ["false", "0", "no"].contains(&c));
        prop_assert_eq!(reported("COOKIE_SECURE"), !cookie_valid || (production && cookie_off));
        let public_url = set(&env, "PUBLIC_URL");
        prop_assert_eq!(
            reported("PUBLIC_URL"),
            match public_url {
                Some(url) => !is_url_with_scheme(url, &["http", "https"]),
                None => production,
            }
        );
        prop_assert_eq!(
            reported("SMTP_URL"),
            set(&env, "SMTP_URL").is_some_and(|url| !is_url_with_scheme(url, &["smtp", "smtps"]))
        );
        match set(&env, "JWT_SECRET") {
            Some(secret) if secret.len() < 32 => prop_assert!(reported("JWT_SECRET")),
            Some(_) => {}
            None => prop_assert_eq!(reported("JWT_SECRET"), production),
        }
        // Optional everywhere, but never weak.
        match set(&env, "METRICS_TOKEN") {
            Some(token) if token.len() < 32 => prop_assert!(reported("METRICS_TOKEN")),
            Some(_) => {}
            None => prop_assert!(!reported("METRICS_TOKEN")),
        }

        if let Ok(config) = &result {
            check_config(config, &env, app_env)?;
        }
    }

    #[test]
    fn no_secret_reaches_an_error_or_the_description(env in environment()) {
        let (result, _) = resolve(&env);
        let shown = match &result {
            Ok(config) => format!("{:?}\n{:?}", config.describe(), config),
            Err(errors) => format!("{errors}\n{errors:?}"),
        };
        for value in env.values() {
            if let Some(secret) = &value.secret {
                prop_assert!(!shown.contains(secret.as_str()), "{} shown in:\n{}", secret, shown);
            }
        }
    }
}

/// A resolved configuration honours every variable that was set, in the documented order.
fn check_config(
    config: &Config,
    env: &BTreeMap<&str, Value>,
    app_env: AppEnv,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(config.app_env.value, app_env);
    match set(env, "PORT") {
        Some(port) => prop_assert_eq!(
            config.listen_addr.value,
            SocketAddr::from((
                std::net::Ipv6Addr::UNSPECIFIED,
                port.trim().parse::<u16>().unwrap()
            ))
        ),
        None => prop_assert_eq!(config.listen_addr.value, SITE.parse::<SocketAddr>().unwrap()),
    }
    let number = |name: &str, default: u64| {
        set(env, name).map_or(default, |raw| raw.trim().parse::<u64>().unwrap())
    };
    prop_assert_eq!(
        u64::from(config.db_max_connections.value),
        number("DATABASE_MAX_CONNECTIONS", 10)
    );
    prop_assert_eq!(
        config.db_acquire_timeout.value.as_millis() as u64,
        number("DATABASE_ACQUIRE_TIMEOUT_MS", 3_000)
    );
    match set(env, "REQUEST_TIMEOUT_SECS") {
        Some(raw) => prop_assert_eq!(
            config.request_timeout.value.as_secs(),
            raw.trim().parse::<u64>().unwrap()
        ),
        None => prop_assert_eq!(&config.request_timeout.source, &Source::Default),
    }
    // The database pool size unless set (fair_share.rs).
    prop_assert_eq!(
        config.request_capacity.value as u64,
        number("REQUEST_CAPACITY", number("DATABASE_MAX_CONNECTIONS", 10))
    );
    prop_assert_eq!(config.session_idle.value.as_secs(), number("SESSION_IDLE_MINUTES", 30) * 60);
    prop_assert_eq!(config.export_concurrency.value as u64, number("MAX_CONCURRENT_EXPORTS", 2));
    prop_assert_eq!(
        config.mail_retention.value.as_secs(),
        number("MAIL_RETENTION_DAYS", 30) * 24 * 60 * 60
    );
    prop_assert_eq!(
        config.trusted_proxies.value.is_enabled(),
        set(env, "TRUSTED_PROXIES").is_some() || number("TRUSTED_PROXY_HOPS", 0) > 0
    );
    prop_assert_eq!(
        config.database_app_url.as_ref().map(|s| s.value.expose()),
        set(env, "DATABASE_APP_URL")
    );
    prop_assert_eq!(
        config.session_absolute.value.as_secs(),
        number("SESSION_ABSOLUTE_HOURS", 12) * 3600
    );
    if let Some(secret) = set(env, "JWT_SECRET") {
        prop_assert_eq!(config.token_secret.value.expose(), secret);
    }
    if let Some(from) = set(env, "MAIL_FROM") {
        prop_assert_eq!(&config.mail_from.value, from);
    }
    // The public URL prefixes links in email, so it is stored exactly as a prefix.
    if let Some(url) = set(env, "PUBLIC_URL") {
        prop_assert_eq!(&config.public_url.value, url.trim().trim_end_matches('/'));
    }
    prop_assert_eq!(config.smtp_url.as_ref().map(|s| s.value.expose()), set(env, "SMTP_URL"));
    prop_assert_eq!(
        config.metrics_token.as_ref().map(|s| s.value.expose()),
        set(env, "METRICS_TOKEN")
    );

    // The database: TEST_DATABASE_URL in test; else DATABASE_URL, Railway's private URL, PG*.
    let database = config.database_url.value.expose();
    let source = &config.database_url.source;
    let first_url = ["DATABASE_URL", "DATABASE_PRIVATE_URL"]
        .into_iter()
        .find_map(|name| set(env, name).map(|url| (name, url)));
    match (app_env, set(env, "TEST_DATABASE_URL"), first_url) {
        (AppEnv::Test, Some(url), _) => prop_assert_eq!(database, url),
        (AppEnv::Test, None, _) => {
            let path = url::Url::parse(database).unwrap().path().to_owned();
            prop_assert!(path.ends_with("_test"), "{}", database);
        }
        (_, _, Some((name, url))) => {
            prop_assert_eq!(database, url);
            prop_assert_eq!(source, &Source::Env(name));
        }
        (_, _, None) if set(env, "PGHOST").is_some() => {
            prop_assert!(matches!(source, Source::Derived(_)))
        }
        (_, _, None) => prop_assert_eq!(source, &Source::Default),
    }

    if app_env == AppEnv::Production {
        prop_assert!(config.cookie_secure.value, "production cookies are secure");
        prop_assert_eq!(&config.token_secret.source, &Source::Env("JWT_SECRET"));
        prop_assert_eq!(&config.public_url.source, &Source::Env("PUBLIC_URL"));
        prop_assert_ne!(source, &Source::Default);
    }
    Ok(())
}

// ---- regressions, shrunk by the properties above ----

fn resolve_one(name: &'static str, value: &str) -> Result<Config, ConfigErrors> {
    resolve(&BTreeMap::from([(name, Value { text: value.to_owned(), secret: None })])).0
}

/// Shrunk by `no_secret_reaches_an_error_or_the_description`: libpq and sqlx read a `password`
/// query parameter, and `marketedge config` printed it.
#[test]
fn regression_a_password_in_the_query_is_masked() {
    let url = "postgres://a@localhost/?sslmode=disable&password=00AAAaAAaA00Aa0aaA00A00A";
    let config = resolve_one("DATABASE_PRIVATE_URL", url).unwrap();
    assert_eq!(config.database_url.value.expose(), url, "the URL itself is kept");
    let shown = format!("{:?}", config.describe());
    assert!(!shown.contains("00AAAaAAaA00Aa0aaA00A00A"), "{shown}");
    assert!(shown.contains("password=****"), "{shown}");
}

/// Shrunk by `resolve_either_configures_or_names_every_problem`: `PUBLIC_URL` kept surrounding
/// whitespace (the URL parser forgives it), so links in email began with a space.
#[test]
fn regression_the_public_url_is_trimmed() {
    let config = resolve_one("PUBLIC_URL", " https://app.marketedge.example/ ").unwrap();
    assert_eq!(config.public_url.value, "https://app.marketedge.example");
}
