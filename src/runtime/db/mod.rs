//! The connection pool and the schema's migrations.
//!
//! This module opens the pools and tells whether the schema is current; tenant and platform
//! transactions are the access kernel's (`crate::access::{tenant, platform}`), and data functions
//! live in their feature's folder and take the access context first.
//!
//! Two identities: migrations run as the connecting (owner) role; everything else runs as
//! `marketedge_app`, switched to with `SET ROLE` on every pooled connection, which owns no table
//! and cannot bypass row-level security (docs/isolation.md).

pub mod login_role;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};

use crate::runtime::config::Config;

/// Every migration in `migrations/`, embedded in the binary so a deployed server needs no files.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The role the application's queries run as.
pub const APP_ROLE: &str = "marketedge_app";

/// Opens the application's bounded pool, every connection switched to [`APP_ROLE`]. A short
/// acquire timeout turns an exhausted pool into a fast "unavailable" instead of a hung request.
///
/// The pool logs in with `DATABASE_APP_URL` when it is set (a role that cannot bypass row-level
/// security even after `RESET ROLE`, login_role.rs), else like migrations.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    let url = config.database_app_url.as_ref().unwrap_or(&config.database_url);
    let options: PgConnectOptions = url.value.expose().parse()?;
    let pool = app_pool(options, config.db_max_connections.value, config.db_acquire_timeout.value);
    // Fail at start, not at the first request, when the database is unreachable.
    pool.acquire().await?;
    Ok(pool)
}

/// A pool on `options` whose connections all run as [`APP_ROLE`]. Connections open lazily.
pub fn app_pool(
    options: PgConnectOptions,
    max_connections: u32,
    acquire_timeout: std::time::Duration,
) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .after_connect(|connection, _meta| {
            Box::pin(async move {
                // Not `SET LOCAL`: the role holds for the connection's whole life in the pool.
                sqlx::query("SET ROLE marketedge_app").execute(connection).await?;
                Ok(())
            })
        })
        .connect_lazy_with(options.application_name("marketedge"))
}

/// Begins a transaction on a pooled connection. Every transaction starts here (or in
/// [`tenant::begin_scoped`]), never with `pool.begin()` directly.
///
/// The `BEGIN` runs in a task of its own so that it always finishes. sqlx counts a transaction
/// only once the server has answered `BEGIN`; a request cancelled in between (a client hanging
/// up) used to return its connection to the pool with the transaction still open, and the next
/// request on that connection ran inside it: its autocommit writes could be rolled back later with
/// someone else's transaction, and it saw that request's settings. Now the begun transaction is
/// handed back, or, if nobody waits for it any more, dropped and rolled back like any other.
pub async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    begin_with(pool, None).await
}

/// [`begin`] with a custom first statement (it must start the transaction).
pub async fn begin_with(
    pool: &PgPool,
    statement: Option<String>,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move {
        match statement {
            Some(statement) => pool.begin_with(statement).await,
            None => pool.begin().await,
        }
    })
    .await
    .map_err(|_| sqlx::Error::WorkerCrashed)?
}

/// Applies pending migrations as the connecting (owner) role, on a connection of its own. sqlx
/// holds a PostgreSQL advisory lock meanwhile, so several instances starting together apply each
/// migration once.
pub async fn migrate(config: &Config) -> Result<(), String> {
    let options: PgConnectOptions =
        config.database_url.value.expose().parse().map_err(|error| format!("{error}"))?;
    let mut connection =
        PgConnection::connect_with(&options.application_name("marketedge-migrate"))
            .await
            .map_err(|error| format!("could not connect to the database: {error}"))?;
    MIGRATOR
        .run(&mut connection)
        .await
        .map_err(|error| format!("could not apply migrations: {error}"))?;
    connection.close().await.map_err(|error| error.to_string())
}

/// How far the database's schema is from the one this binary was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaState {
    pub applied: usize,
    pub pending: usize,
}

pub async fn schema_state(pool: &PgPool) -> Result<SchemaState, sqlx::Error> {
    // The table only exists once the first migration ran.
    // sqlx's own bookkeeping table is not part of our schema, so these two queries are checked at
    // run time rather than by the compile-time macros.
    let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    let applied: Vec<i64> = if has_table {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    let pending = MIGRATOR
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .filter(|migration| !applied.contains(&migration.version))
        .count();
    Ok(SchemaState { applied: applied.len(), pending })
}
