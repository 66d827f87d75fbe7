//! Environment-aware configuration.
//!
//! Everything the server needs from its environment is resolved here, once, into one typed
//! [`Config`]. Every value remembers where it came from so `marketedge config` can explain itself,
//! and validation collects every problem before reporting, so a misconfigured deployment is fixed
//! in one round instead of one variable at a time.
//!
//! Resolution reads from a lookup function rather than the process environment directly, so the
//! whole table (including Railway's variables) is unit-tested without touching global state.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use crate::runtime::client_address::ProxyTrust;

/// The local database `make run` creates; only ever used in development.
pub const LOCAL_DEVELOPMENT_DATABASE_URL: &str =
    "postgres://marketedge:marketedge@127.0.0.1:5432/marketedge";

/// Minimum length of the token-signing secret, in bytes (RFC 7518 §3.2 for HS256).
pub const MIN_SECRET_BYTES: usize = 32;

const DEFAULT_MAX_CONNECTIONS: u32 = 10;
const DEFAULT_ACQUIRE_TIMEOUT_MS: u64 = 3_000;
const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;

/// Which kind of deployment this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

impl AppEnv {
    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Development => "development",
            AppEnv::Test => "test",
            AppEnv::Production => "production",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Some(AppEnv::Development),
            "test" => Some(AppEnv::Test),
            "production" | "prod" => Some(AppEnv::Production),
            _ => None,
        }
    }
}

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Read from this environment variable.
    Env(&'static str),
    /// Computed from other settings; the text says how.
    Derived(String),
    /// The built-in default.
    Default,
    /// Generated at start (development and test only).
    Generated,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(name) => write!(f, "env {name}"),
            Source::Derived(how) => write!(f, "derived: {how}"),
            Source::Default => f.write_str("default"),
            Source::Generated => f.write_str("generated at start"),
        }
    }
}

/// A resolved value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }
}

/// A secret string. `Debug` never prints it, and there is deliberately no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// One thing wrong with the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

/// Every problem found, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} problem(s):", self.0.len())?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The resolved configuration of one server process.
#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: Setting<AppEnv>,
    pub database_url: Setting<Secret>,
    /// The pool's own login (`DATABASE_APP_URL`): a role without superuser or `BYPASSRLS`, so even
    /// an injected `RESET ROLE` stays under row-level security. Migrations keep `database_url`.
    pub database_app_url: Option<Setting<Secret>>,
    pub listen_addr: Setting<SocketAddr>,
    pub token_secret: Setting<Secret>,
    pub cookie_secure: Setting<bool>,
    pub db_max_connections: Setting<u32>,
    pub db_acquire_timeout: Setting<Duration>,
    /// A request still unanswered after this long is answered 503 and its work dropped, so no
    /// client waits on a stalled database longer than this.
    pub request_timeout: Setting<Duration>,
    /// How many signed-in server functions may work at once, shared fairly among organisations
    /// (fair_share.rs); by default the database pool size.
    pub request_capacity: Setting<usize>,
    /// How many data exports (`GET /export`) may run at once in this process, each on a database
    /// connection of its own outside the pool (export.rs); one per organisation in any case.
    pub export_concurrency: Setting<usize>,
    /// A browser session ends after this long without a request.
    pub session_idle: Setting<Duration>,
    /// A browser session ends this long after sign-in, however active.
    pub session_absolute: Setting<Duration>,
    /// The address people reach MarketEdge at, for links in email.
    pub public_url: Setting<String>,
    /// `smtp://` or `smtps://` URL of the mail relay; without it mail is only logged (development
    /// and test) or kept in the outbox until it is configured (production).
    pub smtp_url: Option<Setting<Secret>>,
    /// The `From` of outgoing mail.
    pub mail_from: Setting<String>,
    /// Sent mail is deleted this long after it was sent (mail.rs).
    pub mail_retention: Setting<Duration>,
    /// The bearer token a Prometheus scraper sends to `GET /metrics`; without it the endpoint
    /// does not exist (metrics describe the whole platform, so they are never public).
    pub metrics_token: Option<Setting<Secret>>,
    /// Which proxies may name the client in `X-Forwarded-For`/`Forwarded` (client_address.rs).
    pub trusted_proxies: Setting<ProxyTrust>,
}

impl Config {
    /// Resolves the configuration from the process environment.
    ///
    /// `leptos_site_addr` is the address from `Leptos.toml` (or `LEPTOS_SITE_ADDR`), used when
    /// no `PORT` is given.
    pub fn from_process_env(leptos_site_addr: SocketAddr) -> Result<Config, ConfigErrors> {
        Config::resolve(|name| std::env::var(name).ok(), leptos_site_addr)
    }

    /// Resolves the configuration from any variable lookup. Empty values count as unset, because
    /// platforms often template variables that end up blank.
    pub fn resolve(
        lookup: impl Fn(&str) -> Option<String>,
        leptos_site_addr: SocketAddr,
    ) -> Result<Config, ConfigErrors> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut problems = Vec::new();

        let app_env = resolve_app_env(&var, &mut problems);
        let env = app_env.value;
        let database_url = resolve_database_url(env, &var, &mut problems);
        let database_app_url = var("DATABASE_APP_URL").and_then(|url| {
            if matches!(Url::parse(&url), Ok(parsed) if matches!(parsed.scheme(), "postgres" | "postgresql"))
            {
                Some(Setting::new(Secret(url), Source::Env("DATABASE_APP_URL")))
            } else {
                problems.push(ConfigProblem {
                    variable: "DATABASE_APP_URL",
                    message: "is not a postgres:// URL".into(),
                });
                None
            }
        });
        let listen_addr = resolve_listen_addr(&var, leptos_site_addr, &mut problems);
        let token_secret = resolve_token_secret(env, &var, &mut problems);
        let cookie_secure = resolve_cookie_secure(env, &var, &mut problems);
        let db_max_connections = parse_number(
            "DATABASE_MAX_CONNECTIONS",
            DEFAULT_MAX_CONNECTIONS,
            1..=1000,
            &var,
            &mut problems,
        );
        let acquire_ms = parse_number(
            "DATABASE_ACQUIRE_TIMEOUT_MS",
            DEFAULT_ACQUIRE_TIMEOUT_MS,
            100..=60_000,
            &var,
            &mut problems,
        );

        let request_seconds = parse_number(
            "REQUEST_TIMEOUT_SECS",
            DEFAULT_REQUEST_TIMEOUT_SECS,
            1..=600,
            &var,
            &mut problems,
        );

        // More at work than the pool has connections would only wait for one.
        let mut request_capacity = parse_number(
            "REQUEST_CAPACITY",
            db_max_connections.value as usize,
            1..=1000,
            &var,
            &mut problems,
        );
        if request_capacity.source == Source::Default {
            request_capacity.source = Source::Derived("DATABASE_MAX_CONNECTIONS".into());
        }
        let export_concurrency =
            parse_number("MAX_CONCURRENT_EXPORTS", 2usize, 1..=100, &var, &mut problems);

        let idle_minutes =
            parse_number("SESSION_IDLE_MINUTES", 30u64, 1..=1440, &var, &mut problems);
        let absolute_hours =
            parse_number("SESSION_ABSOLUTE_HOURS", 12u64, 1..=720, &var, &mut problems);

        let public_url = match var("PUBLIC_URL") {
            Some(url) => {
                if !matches!(Url::parse(&url), Ok(parsed) if matches!(parsed.scheme(), "http" | "https"))
                {
                    problems.push(ConfigProblem {
                        variable: "PUBLIC_URL",
                        message: "is not an http(s):// URL".into(),
                    });
                }
                // Links in email are built by appending to it: no stray whitespace or slash.
                Setting::new(url.trim().trim_end_matches('/').to_owned(), Source::Env("PUBLIC_URL"))
            }
            None => {
                if env == AppEnv::Production {
                    problems.push(ConfigProblem {
                        variable: "PUBLIC_URL",
                        message: "required in production (links in email point to it)".into(),
                    });
                }
                Setting::new(
                    format!("http://{}", listen_addr.value),
                    Source::Derived("http:// and the listen address".into()),
                )
            }
        };
        let smtp_url = var("SMTP_URL").and_then(|url| {
            if matches!(Url::parse(&url), Ok(parsed) if matches!(parsed.scheme(), "smtp" | "smtps"))
            {
                Some(Setting::new(Secret(url), Source::Env("SMTP_URL")))
            } else {
                problems.push(ConfigProblem {
                    variable: "SMTP_URL",
                    message: "is not an smtp:// or smtps:// URL".into(),
                });
                None
            }
        });
        let mail_from = match var("MAIL_FROM") {
            Some(from) => Setting::new(from, Source::Env("MAIL_FROM")),
            None => {
                Setting::new("MarketEdge <no-reply@marketedge.example>".into(), Source::Default)
            }
        };

        let mail_retention_days =
            parse_number("MAIL_RETENTION_DAYS", 30u64, 1..=3650, &var, &mut problems);

        let metrics_token =
            var("METRICS_TOKEN").and_then(|token| match weak_secret_reason(&token) {
                Some(reason) => {
                    problems.push(ConfigProblem { variable: "METRICS_TOKEN", message: reason });
                    None
                }
                None => Some(Setting::new(Secret(token), Source::Env("METRICS_TOKEN"))),
            });

        let trusted_proxies = resolve_trusted_proxies(&var, &mut problems);

        match (database_url, token_secret) {
            (Some(database_url), Some(token_secret)) if problems.is_empty() => Ok(Config {
                app_env,
                database_url,
                database_app_url,
                listen_addr,
                token_secret,
                cookie_secure,
                db_max_connections,
                db_acquire_timeout: Setting::new(
                    Duration::from_millis(acquire_ms.value),
                    acquire_ms.source,
                ),
                request_timeout: Setting::new(
                    Duration::from_secs(request_seconds.value),
                    request_seconds.source,
                ),
                request_capacity,
                export_concurrency,
                session_idle: Setting::new(
                    Duration::from_secs(idle_minutes.value * 60),
                    idle_minutes.source,
                ),
                session_absolute: Setting::new(
                    Duration::from_secs(absolute_hours.value * 3600),
                    absolute_hours.source,
                ),
                public_url,
                smtp_url,
                mail_from,
                mail_retention: Setting::new(
                    Duration::from_secs(mail_retention_days.value * 24 * 60 * 60),
                    mail_retention_days.source,
                ),
                metrics_token,
                trusted_proxies,
            }),
            _ => Err(ConfigErrors(problems)),
        }
    }

    pub fn is_production(&self) -> bool {
        self.app_env.value == AppEnv::Production
    }

    /// Every setting as (name, value with secrets masked, source), for `marketedge config`.
    pub fn describe(&self) -> Vec<(&'static str, String, String)> {
        vec![
            ("APP_ENV", self.app_env.value.as_str().to_owned(), self.app_env.source.to_string()),
            (
                "database url",
                mask_url_password(self.database_url.value.expose()),
                self.database_url.source.to_string(),
            ),
            match &self.database_app_url {
                Some(url) => (
                    "DATABASE_APP_URL",
                    mask_url_password(url.value.expose()),
                    url.source.to_string(),
                ),
                None => (
                    "DATABASE_APP_URL",
                    "(not set: the pool logs in like migrations do)".into(),
                    "default".into(),
                ),
            },
            (
                "listen address",
                self.listen_addr.value.to_string(),
                self.listen_addr.source.to_string(),
            ),
            (
                "JWT_SECRET",
                format!("**** ({} bytes)", self.token_secret.value.expose().len()),
                self.token_secret.source.to_string(),
            ),
            (
                "COOKIE_SECURE",
                self.cookie_secure.value.to_string(),
                self.cookie_secure.source.to_string(),
            ),
            (
                "DATABASE_MAX_CONNECTIONS",
                self.db_max_connections.value.to_string(),
                self.db_max_connections.source.to_string(),
            ),
            (
                "DATABASE_ACQUIRE_TIMEOUT_MS",
                self.db_acquire_timeout.value.as_millis().to_string(),
                self.db_acquire_timeout.source.to_string(),
            ),
            (
                "REQUEST_TIMEOUT_SECS",
                self.request_timeout.value.as_secs().to_string(),
                self.request_timeout.source.to_string(),
            ),
            (
                "REQUEST_CAPACITY",
                self.request_capacity.value.to_string(),
                self.request_capacity.source.to_string(),
            ),
            (
                "MAX_CONCURRENT_EXPORTS",
                self.export_concurrency.value.to_string(),
                self.export_concurrency.source.to_string(),
            ),
            (
                "SESSION_IDLE_MINUTES",
                (self.session_idle.value.as_secs() / 60).to_string(),
                self.session_idle.source.to_string(),
            ),
            (
                "SESSION_ABSOLUTE_HOURS",
                (self.session_absolute.value.as_secs() / 3600).to_string(),
                self.session_absolute.source.to_string(),
            ),
            ("PUBLIC_URL", self.public_url.value.clone(), self.public_url.source.to_string()),
            match &self.smtp_url {
                Some(url) => {
                    ("SMTP_URL", mask_url_password(url.value.expose()), url.source.to_string())
                }
                None => {
                    ("SMTP_URL", "(not set: mail is logged, not sent)".into(), "default".into())
                }
            },
            ("MAIL_FROM", self.mail_from.value.clone(), self.mail_from.source.to_string()),
            (
                "MAIL_RETENTION_DAYS",
                (self.mail_retention.value.as_secs() / (24 * 60 * 60)).to_string(),
                self.mail_retention.source.to_string(),
            ),
            match &self.metrics_token {
                Some(token) => (
                    "METRICS_TOKEN",
                    format!("**** ({} bytes)", token.value.expose().len()),
                    token.source.to_string(),
                ),
                None => ("METRICS_TOKEN", "(not set: no /metrics)".into(), "default".into()),
            },
            (
                "TRUSTED_PROXIES / TRUSTED_PROXY_HOPS",
                self.trusted_proxies.value.describe(),
                self.trusted_proxies.source.to_string(),
            ),
        ]
    }
}

fn resolve_app_env(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Setting<AppEnv> {
    if let Some(raw) = var("APP_ENV") {
        return match AppEnv::parse(&raw) {
            Some(env) => Setting::new(env, Source::Env("APP_ENV")),
            None => {
                problems.push(ConfigProblem {
                    variable: "APP_ENV",
                    message: format!("`{raw}` is not one of development, test, production"),
                });
                // Fail closed: judge the rest of the configuration as strictly as production.
                Setting::new(AppEnv::Production, Source::Env("APP_ENV"))
            }
        };
    }
    if var("RAILWAY_ENVIRONMENT").is_some() {
        return Setting::new(
            AppEnv::Production,
            Source::Derived("RAILWAY_ENVIRONMENT is set and APP_ENV is not".into()),
        );
    }
    Setting::new(AppEnv::Development, Source::Default)
}

/// The database URL, in the order documented in the README: in `test`, `TEST_DATABASE_URL`, else
/// the development URL with a `_test` database; otherwise `DATABASE_URL`, Railway's private URL,
/// the libpq `PG*` variables, and (development only) the local default.
fn resolve_database_url(
    env: AppEnv,
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Setting<Secret>> {
    let resolved = match env {
        AppEnv::Test => match var("TEST_DATABASE_URL") {
            Some(url) => Some(Setting::new(url, Source::Env("TEST_DATABASE_URL"))),
            None => {
                let base = runtime_database_url(var, true, problems)?;
                match with_test_database(&base.value) {
                    Some(url) => Some(Setting::new(
                        url,
                        Source::Derived(format!("{} with a _test database", base.source)),
                    )),
                    None => None,
                }
            }
        },
        AppEnv::Development => runtime_database_url(var, true, problems),
        AppEnv::Production => runtime_database_url(var, false, problems),
    };
    let Some(resolved) = resolved else {
        problems.push(ConfigProblem {
            variable: "DATABASE_URL",
            message: "no database configured: set DATABASE_URL (or Railway's \
                      DATABASE_PRIVATE_URL, or PGHOST and friends)"
                .into(),
        });
        return None;
    };
    let variable = match &resolved.source {
        Source::Env(name) => name,
        _ => "DATABASE_URL",
    };
    match Url::parse(&resolved.value) {
        Ok(url) if matches!(url.scheme(), "postgres" | "postgresql") && url.host().is_some() => {}
        _ => {
            problems.push(ConfigProblem {
                variable,
                message: "is not a postgres://user:password@host:port/database URL".into(),
            });
            return None;
        }
    }
    Some(Setting::new(Secret(resolved.value), resolved.source))
}

fn runtime_database_url(
    var: &impl Fn(&str) -> Option<String>,
    allow_local_default: bool,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Setting<String>> {
    for name in ["DATABASE_URL", "DATABASE_PRIVATE_URL"] {
        if let Some(url) = var(name) {
            return Some(Setting::new(url, Source::Env(name)));
        }
    }
    if let Some(host) = var("PGHOST") {
        return Some(Setting::new(
            url_from_libpq_variables(&host, var, problems)?,
            Source::Derived("PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE".into()),
        ));
    }
    allow_local_default
        .then(|| Setting::new(LOCAL_DEVELOPMENT_DATABASE_URL.to_owned(), Source::Default))
}

/// Builds a URL from libpq's variables with libpq's own defaults (port 5432, user `postgres`,
/// database named like the user).
fn url_from_libpq_variables(
    host: &str,
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<String> {
    let port = var("PGPORT").unwrap_or_else(|| "5432".into());
    if port.parse::<u16>().is_err() {
        problems.push(ConfigProblem {
            variable: "PGPORT",
            message: format!("`{port}` is not a port number"),
        });
        return None;
    }
    let user = var("PGUSER").unwrap_or_else(|| "postgres".into());
    let database = var("PGDATABASE").unwrap_or_else(|| user.clone());
    let mut url = Url::parse("postgres://placeholder/").ok()?;
    // IPv6 literals (Railway's private network) need brackets in a URL.
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    if url.set_host(Some(&host)).is_err() {
        problems.push(ConfigProblem {
            variable: "PGHOST",
            message: format!("`{host}` is not a valid host"),
        });
        return None;
    }
    url.set_port(port.parse().ok()).ok()?;
    url.set_username(&user).ok()?;
    if let Some(password) = var("PGPASSWORD") {
        url.set_password(Some(&password)).ok()?;
    }
    url.set_path(&database);
    Some(url.to_string())
}

/// `postgres://…/marketedge` becomes `postgres://…/marketedge_test`.
fn with_test_database(url: &str) -> Option<String> {
    let mut url = Url::parse(url).ok()?;
    let name = url.path().trim_start_matches('/').to_owned();
    if !name.ends_with("_test") {
        url.set_path(&format!("{name}_test"));
    }
    Some(url.to_string())
}

fn resolve_listen_addr(
    var: &impl Fn(&str) -> Option<String>,
    leptos_site_addr: SocketAddr,
    problems: &mut Vec<ConfigProblem>,
) -> Setting<SocketAddr> {
    match var("PORT").map(|raw| (raw.trim().parse::<u16>(), raw)) {
        // Platforms (Railway) route to PORT on every interface, IPv6 included; on Linux `[::]`
        // also accepts IPv4.
        Some((Ok(port), _)) => Setting::new(
            SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, port)),
            Source::Env("PORT"),
        ),
        Some((Err(_), raw)) => {
            problems.push(ConfigProblem {
                variable: "PORT",
                message: format!("`{raw}` is not a port number"),
            });
            Setting::new(leptos_site_addr, Source::Env("PORT"))
        }
        None => Setting::new(
            leptos_site_addr,
            Source::Derived("Leptos site-addr (Leptos.toml or LEPTOS_SITE_ADDR)".into()),
        ),
    }
}

fn resolve_token_secret(
    env: AppEnv,
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Setting<Secret>> {
    match var("JWT_SECRET") {
        Some(secret) => match weak_secret_reason(&secret) {
            Some(reason) => {
                problems.push(ConfigProblem { variable: "JWT_SECRET", message: reason });
                None
            }
            None => Some(Setting::new(Secret(secret), Source::Env("JWT_SECRET"))),
        },
        None if env == AppEnv::Production => {
            problems.push(ConfigProblem {
                variable: "JWT_SECRET",
                message: format!(
                    "required in production: at least {MIN_SECRET_BYTES} random bytes \
                     (e.g. `openssl rand -base64 48`)"
                ),
            });
            None
        }
        // Development and test get a fresh random secret per process: tokens simply stop working
        // after a restart, and no secret is ever written into the repository.
        None => Some(Setting::new(Secret(random_secret()), Source::Generated)),
    }
}

/// Why a signing secret is unacceptable, if it is.
fn weak_secret_reason(secret: &str) -> Option<String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Some(format!(
            "is {} bytes; at least {MIN_SECRET_BYTES} random bytes are required",
            secret.len()
        ));
    }
    let mut distinct: Vec<u8> = secret.bytes().collect();
    distinct.sort_unstable();
    distinct.dedup();
    // A random secret of 32+ characters from any common alphabet has far more than 12 distinct
    // characters; fewer means a placeholder or a repeated pattern.
    if distinct.len() < 12 {
        return Some("does not look random (too few distinct characters)".into());
    }
    let lowered = secret.to_ascii_lowercase();
    if ["changeme", "change-me", "secret", "password", "example"]
        .iter()
        .any(|placeholder| lowered.contains(placeholder))
    {
        return Some("looks like a placeholder, not a random secret".into());
    }
    None
}

fn random_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn resolve_cookie_secure(
    env: AppEnv,
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Setting<bool> {
    let production = env == AppEnv::Production;
    let setting = match var("COOKIE_SECURE") {
        Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Setting::new(true, Source::Env("COOKIE_SECURE")),
            "false" | "0" | "no" => Setting::new(false, Source::Env("COOKIE_SECURE")),
            _ => {
                problems.push(ConfigProblem {
                    variable: "COOKIE_SECURE",
                    message: format!("`{raw}` is not true or false"),
                });
                Setting::new(true, Source::Env("COOKIE_SECURE"))
            }
        },
        // Local development and tests run over plain http on loopback.
        None => Setting::new(production, Source::Default),
    };
    if production && !setting.value {
        problems.push(ConfigProblem {
            variable: "COOKIE_SECURE",
            message: "must be true in production (cookies would travel over plain http)".into(),
        });
    }
    setting
}

/// `TRUSTED_PROXIES` (comma-separated CIDRs; a bare address is its own /32 or /128) and
/// `TRUSTED_PROXY_HOPS` (how many proxies always stand in front of the app).
fn resolve_trusted_proxies(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Setting<ProxyTrust> {
    let hops = parse_number("TRUSTED_PROXY_HOPS", 0usize, 0..=10, var, problems);
    let mut networks = Vec::new();
    if let Some(raw) = var("TRUSTED_PROXIES") {
        for entry in raw.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let parsed = entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
            match parsed {
                Ok(network) => networks.push(network.trunc()),
                Err(_) => problems.push(ConfigProblem {
                    variable: "TRUSTED_PROXIES",
                    message: format!("`{entry}` is not an address or CIDR range"),
                }),
            }
        }
    }
    let source = match (var("TRUSTED_PROXIES").is_some(), hops.source.clone()) {
        (true, Source::Env(_)) => {
            Source::Derived("env TRUSTED_PROXIES and TRUSTED_PROXY_HOPS".into())
        }
        (true, _) => Source::Env("TRUSTED_PROXIES"),
        (false, source) => source,
    };
    Setting::new(ProxyTrust::new(networks, hops.value), source)
}

fn parse_number<T>(
    variable: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<ConfigProblem>,
) -> Setting<T>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(raw) = var(variable) else {
        return Setting::new(default, Source::Default);
    };
    match raw.trim().parse::<T>() {
        Ok(value) if range.contains(&value) => Setting::new(value, Source::Env(variable)),
        _ => {
            problems.push(ConfigProblem {
                variable,
                message: format!(
                    "`{raw}` is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            });
            Setting::new(default, Source::Env(variable))
        }
    }
}

/// The URL with its password replaced by `****`, for logs and `marketedge config`.
pub fn mask_url_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("****"));
            }
            // libpq and sqlx also take the password as a query parameter.
            if parsed.query_pairs().any(|(key, _)| key == "password") {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(key, value)| {
                        let value = if key == "password" { "****".into() } else { value };
                        (key.into_owned(), value.into_owned())
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        Err(_) => "(unparseable URL)".into(),
    }
}

#[cfg(test)]
mod tests {
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
            resolve(&[("APP_ENV", "test"), ("DATABASE_URL", "postgres://d@localhost/dev")])
                .unwrap();
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
        let config =
            resolve(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32")]).unwrap();
        assert_eq!(
            config.trusted_proxies.value.describe(),
            "proxies in 10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32"
        );
        assert_eq!(config.trusted_proxies.source, Source::Env("TRUSTED_PROXIES"));
        let config = resolve(&[("TRUSTED_PROXY_HOPS", "1")]).unwrap();
        assert_eq!(config.trusted_proxies.value.describe(), "the last 1 hop(s)");
        assert_eq!(config.trusted_proxies.source, Source::Env("TRUSTED_PROXY_HOPS"));
        let errors = resolve(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"),
            ("TRUSTED_PROXY_HOPS", "-1"),
        ])
        .unwrap_err();
        assert_eq!(problem_variables(errors), vec!["TRUSTED_PROXY_HOPS", "TRUSTED_PROXIES"]);
    }

    #[test]
    fn mail_settings_are_validated_and_masked() {
        let config =
            resolve(&[("SMTP_URL", "smtps://mailer:s3cr3tpass@smtp.example:465")]).unwrap();
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
}
