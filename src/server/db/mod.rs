//! The connection pool and the schema's migrations.
//!
//! Tenant data functions live in submodules (one per aggregate) and take the access context
//! first; this module only opens the pool and tells whether the schema is current.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::server::config::Config;

/// Every migration in `migrations/`, embedded in the binary so a deployed server needs no files.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Opens a bounded pool. A short acquire timeout turns an exhausted pool into a fast
/// "unavailable" instead of a hung request.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = config.database_url.value.expose().parse()?;
    PgPoolOptions::new()
        .max_connections(config.db_max_connections.value)
        .acquire_timeout(config.db_acquire_timeout.value)
        .connect_with(options.application_name("marketedge"))
        .await
}

/// Applies pending migrations. sqlx holds a PostgreSQL advisory lock while it does, so several
/// instances starting together apply each migration once.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
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
