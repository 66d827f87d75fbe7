//! Reading the configuration: each setting from its variable (or a documented default), every
//! problem collected so one start reports them all.

use super::*;

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
