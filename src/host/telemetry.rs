//! Log output: readable lines in development and test, JSON lines in production (one object per
//! event, with the request's span fields: request id, and organisation and user once the guard
//! knows them). `LOG_FORMAT=json|text` overrides the choice; levels come from `RUST_LOG`
//! (default: info for MarketEdge, warn for the rest).
//!
//! Nothing secret is logged: requests are logged by method and path (never the query string, a
//! header or a body), and errors by their own text, which never carries a credential.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT` if set, else JSON where `APP_ENV` (or Railway) says production. Read before
    /// the configuration is resolved, so that configuration problems are logged in the same format.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> LogFormat {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        match var("LOG_FORMAT").as_deref().map(str::trim) {
            Some("json") => return LogFormat::Json,
            Some("text") => return LogFormat::Text,
            _ => {}
        }
        let production = var("APP_ENV").is_some_and(|env| env.trim() == "production")
            || (var("APP_ENV").is_none() && var("RAILWAY_ENVIRONMENT").is_some());
        if production {
            LogFormat::Json
        } else {
            LogFormat::Text
        }
    }
}

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("marketedge=info,tower_http=info,warn"));
    let format = LogFormat::from_env(|name| std::env::var(name).ok());
    // `try_init` so tests that build several routers in one process don't panic.
    let _ = subscriber(format, filter, std::io::stdout).try_init();
}

/// The subscriber of every MarketEdge process, writing to `writer`; public so a test can capture
/// exactly what production writes (tests/log_secrets.rs).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(writer);
    match format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
        LogFormat::Text => Box::new(builder.finish()),
    }
}

#[cfg(test)]
mod tests;
