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

mod resolve;

#[cfg(test)]
mod tests;
