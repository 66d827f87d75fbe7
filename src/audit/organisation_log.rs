//! Reading an organisation's audit trail. Context first; the organisation is always the
//! context's own.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::model::account::Role;
use crate::model::audit::AuditEntry;

/// How many entries one page shows.
pub const PAGE_SIZE: i64 = 50;

/// The newest entries of the caller's organisation. Admins only.
pub async fn recent_entries(ctx: &Ctx, state: &AppState) -> Result<Vec<AuditEntry>, AppError> {
    ctx.require(Role::Admin)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let entries = select(tx.connection(), organisation_id).await?;
    tx.commit().await?;
    Ok(entries)
}

/// The page's statement, on a connection already scoped to `organisation_id` (shared with the
/// benchmark's baseline, which must run exactly this SQL).
///
/// Actors are named through `users`, which row-level security opens to the organisation's
/// members and to the super-admins its trail names (support access, changes to the
/// organisation), never to anyone else (`users_read`, docs/isolation.md).
pub async fn select(
    connection: &mut PgConnection,
    organisation_id: Uuid,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.occurred_at, a.action::text AS "action!", u.email AS "actor?", a.subject,
                  a.client_address, a.detail
           FROM audit_log a
           LEFT JOIN users u ON u.id = a.actor_user_id
           WHERE a.organisation_id = $1
           ORDER BY a.occurred_at DESC, a.id DESC
           LIMIT $2"#,
        organisation_id,
        PAGE_SIZE
    )
    .fetch_all(connection)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            occurred_at: crate::runtime::rfc3339(row.occurred_at),
            action: row.action,
            actor: row.actor,
            subject: row.subject,
            client_address: row.client_address,
            detail: row.detail.to_string(),
        })
        .collect())
}
