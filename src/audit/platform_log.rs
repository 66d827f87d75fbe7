//! The platform-wide audit log: platform events and every organisation's entries in one
//! newest-first list, filtered by action and organisation, keyset-paginated. Super-admins only,
//! through the audited platform path.

use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::platform::PlatformTx;
use crate::access::state::AppState;
use crate::error::AppError;
use crate::model::admin::{PlatformAuditEntry, PlatformAuditPage, PAGE_SIZE};
use crate::runtime::parse_page_cursor;
use crate::runtime::rfc3339;

pub async fn entries(
    ctx: &Ctx,
    state: &AppState,
    action: &str,
    organisation_id: Option<Uuid>,
    after: Option<&str>,
) -> Result<PlatformAuditPage, AppError> {
    let cursor = after.filter(|after| !after.is_empty()).map(parse_page_cursor).transpose()?;
    let (after_at, after_id) = cursor.unzip();
    let mut tx = PlatformTx::begin(ctx, state, "platform audit log").await?;
    // Actors of every organisation: `users` opens to the platform path read-only
    // (`users_platform_read`), like memberships and audit entries.
    let mut rows = sqlx::query!(
        r#"SELECT e.id AS "id!", e.occurred_at AS "occurred_at!", e.action AS "action!",
                  o.name AS "organisation?", u.email AS "actor?", e.subject AS "subject!",
                  e.client_address AS "client_address!", e.detail AS "detail!"
           FROM (
               SELECT id, occurred_at, action::text AS action, organisation_id, actor_user_id,
                      subject, client_address, detail
               FROM audit_log
               UNION ALL
               SELECT id, occurred_at, action::text, NULL, actor_user_id, subject,
                      client_address, detail
               FROM platform_audit_log
           ) e
           LEFT JOIN organisations o ON o.id = e.organisation_id
           LEFT JOIN users u ON u.id = e.actor_user_id
           WHERE ($1 = '' OR e.action = $1)
             AND ($2::uuid IS NULL OR e.organisation_id = $2)
             AND ($3::timestamptz IS NULL OR (e.occurred_at, e.id) < ($3, $4))
           ORDER BY e.occurred_at DESC, e.id DESC
           LIMIT $5"#,
        action.trim(),
        organisation_id,
        after_at,
        after_id,
        PAGE_SIZE as i64 + 1
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    let next = (rows.len() > PAGE_SIZE).then(|| {
        let last = &rows[PAGE_SIZE - 1];
        format!("{}.{}", last.occurred_at.unix_timestamp_nanos(), last.id)
    });
    rows.truncate(PAGE_SIZE);
    Ok(PlatformAuditPage {
        rows: rows
            .into_iter()
            .map(|row| PlatformAuditEntry {
                id: row.id,
                occurred_at: rfc3339(row.occurred_at),
                action: row.action,
                organisation: row.organisation,
                actor: row.actor,
                subject: row.subject,
                client_address: row.client_address,
                detail: row.detail.to_string(),
            })
            .collect(),
        next,
    })
}
