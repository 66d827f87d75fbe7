//! The public platform-status check on the home page.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::status::StatusReport;

#[server(prefix = "/api", endpoint = "platform_status")]
pub async fn platform_status() -> Result<StatusReport, AppError> {
    // public: answers whether the service and its database are up, before anyone signs in; it
    // reads the database clock and the migration count, never tenant or user data.
    use crate::access::state::AppState;
    use crate::model::status::DatabaseHealth;
    use crate::runtime::db;

    let state = expect_context::<AppState>();
    let clock = sqlx::query_scalar!(
        r#"SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "now!""#
    )
    .fetch_one(&state.pool)
    .await;
    let report = match clock {
        Ok(now) => StatusReport {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: DatabaseHealth::Up,
            database_time: Some(now),
            migrations_applied: db::schema_state(&state.pool).await.ok().map(|s| s.applied),
        },
        Err(error) => {
            tracing::warn!(%error, "platform status: database unreachable");
            StatusReport {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                database: DatabaseHealth::Down,
                database_time: None,
                migrations_applied: None,
            }
        }
    };
    Ok(report)
}
