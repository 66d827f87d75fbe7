//! A read-only snapshot of one organisation for its export: its own connection (not a pooled
//! one: the export streams for as long as the client reads), one repeatable-read transaction so
//! every file shows the same moment, scoped to the caller's organisation like a `TenantTx`.

use sqlx::{Connection, Executor, PgConnection};

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::error::AppError;
use crate::runtime::db::APP_ROLE;
use crate::runtime::request_id;

/// A connection of the export's own, outside the application's pool (pages and server
/// functions never wait behind a download), set up like a pooled one: the application's role,
/// then a read-only snapshot scoped to `organisation_id`. Closing it (dropping it) ends the
/// snapshot, part-way through a `COPY` included.
pub async fn open_for_export(ctx: &Ctx, state: &AppState) -> Result<PgConnection, AppError> {
    let organisation_id = ctx.organisation_id().ok_or(AppError::Forbidden)?;
    let options = (*state.pool.connect_options()).clone().application_name("marketedge-export");
    // Formatting values into SQL is safe here only because they are a constant and a `Uuid`
    // (hex digits and hyphens). One simple query: one round trip.
    let statement = format!(
        "SET ROLE {APP_ROLE}; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
         SELECT set_config('app.org_id', '{organisation_id}', true)"
    );
    let open = async move {
        let mut connection = PgConnection::connect_with(&options).await?;
        // Without arguments: the simple protocol, which takes several statements.
        connection.execute(statement.as_str()).await?;
        Ok::<_, sqlx::Error>(connection)
    };
    // Bounded like waiting for a pooled connection.
    match tokio::time::timeout(state.config.db_acquire_timeout.value, open).await {
        Ok(opened) => Ok(opened?),
        Err(_) => {
            tracing::warn!(
                request_id = request_id::current().as_deref().unwrap_or("-"),
                "no database connection for an export in time"
            );
            Err(AppError::Unavailable)
        }
    }
}
