//! Deleting an organisation, for super-admins: two steps, confirmed and audited.
//!
//! Step one ([`request`]) needs a suspended organisation (suspension has already ended every
//! session and token of its members) and a reason; it stores a pending request that only the
//! same super-admin can use, for [`DELETION_CONFIRM_MINUTES`], records it in the organisation's
//! audit log and the platform's, and answers what will be deleted. Step two ([`confirm`]) needs
//! that request, unexpired, and the organisation's name typed again; then one transaction
//! deletes every row of the organisation through the database function `purge_organisation`
//! (migration 12: the application role may not delete audit rows or see across organisations,
//! so the deletion runs there, re-checking the same preconditions) and records
//! `organisation_deleted` in the platform audit log. That platform entry (and the platform
//! trail's earlier entries) is the one record kept, by design; the organisation's own audit log
//! goes with it.
//!
//! Neither step runs inside support access: there the super-admin acts in an organisation's
//! workspace, and deleting one is a platform action taken from the console.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::platform::PlatformTx;
use crate::access::state::AppState;
use crate::error::AppError;
use crate::model::account::Role;
use crate::model::admin::{
    check_reason, DeletionCounts, DeletionSummary, DELETION_CONFIRM_MINUTES,
};
use crate::model::organisation::OrganisationStatus;
use crate::model::validation::field_error;
use crate::runtime::rfc3339;

fn refused(field: &str, code: &str, message: impl Into<String>) -> AppError {
    AppError::Validation { fields: vec![field_error(field, code, message)] }
}

/// Super-admins only (403 for anyone else), and not from inside support access.
fn require_console(ctx: &Ctx) -> Result<(), AppError> {
    ctx.require(Role::SuperAdmin)?;
    if ctx.support().is_some() {
        return Err(refused(
            "support_access",
            "in_support_access",
            "Leave support access first: an organisation is deleted from the platform console, \
             not from inside a workspace.",
        ));
    }
    Ok(())
}

/// The organisation to delete, locked for the rest of the transaction; it must be suspended.
async fn suspended_organisation(tx: &mut PlatformTx, id: Uuid) -> Result<String, AppError> {
    let organisation = sqlx::query!(
        r#"SELECT name, status AS "status: OrganisationStatus"
           FROM organisations WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    if organisation.status != OrganisationStatus::Suspended {
        return Err(refused(
            "status",
            "not_suspended",
            "Only a suspended organisation can be deleted: suspend it first, which ends its \
             members' sessions.",
        ));
    }
    Ok(organisation.name)
}

/// What deleting the organisation would remove, read in a transaction scoped to it.
async fn count_rows(connection: &mut PgConnection, id: Uuid) -> Result<DeletionCounts, AppError> {
    let row = sqlx::query!(
        r#"SELECT
               (SELECT count(*) FROM memberships WHERE organisation_id = $1) AS "members!",
               (SELECT count(*) FROM markets WHERE organisation_id = $1) AS "markets!",
               (SELECT count(*) FROM competitors WHERE organisation_id = $1) AS "competitors!",
               (SELECT count(*) FROM products WHERE organisation_id = $1) AS "products!",
               (SELECT count(*) FROM price_observations WHERE organisation_id = $1) AS "observations!",
               (SELECT count(*) FROM alerts WHERE organisation_id = $1) AS "alerts!",
               (SELECT count(*) FROM invitations WHERE organisation_id = $1) AS "invitations!",
               (SELECT count(*) FROM audit_log WHERE organisation_id = $1) AS "audit_entries!""#,
        id
    )
    .fetch_one(connection)
    .await?;
    Ok(DeletionCounts {
        members: row.members,
        markets: row.markets,
        competitors: row.competitors,
        products: row.products,
        observations: row.observations,
        alerts: row.alerts,
        invitations: row.invitations,
        audit_entries: row.audit_entries,
    })
}

/// Step one: asks for a suspended organisation's deletion, replacing any earlier request, and
/// answers what will be deleted and until when the deletion may be confirmed.
pub async fn request(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    reason: &str,
    client_address: &str,
) -> Result<DeletionSummary, AppError> {
    require_console(ctx)?;
    if let Some(problem) = check_reason("reason", reason) {
        return Err(AppError::Validation { fields: vec![problem] });
    }
    let reason = reason.trim();
    let now = state.clock.now();
    let expires_at = now + time::Duration::minutes(DELETION_CONFIRM_MINUTES);
    let mut tx = PlatformTx::begin(ctx, state, "request organisation deletion").await?;
    let name = suspended_organisation(&mut tx, id).await?;
    tx.scope_to(id).await?;
    let counts = count_rows(tx.connection(), id).await?;
    sqlx::query!(
        "INSERT INTO organisation_deletion_requests
             (organisation_id, requested_by, reason, requested_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (organisation_id) DO UPDATE
         SET requested_by = EXCLUDED.requested_by, reason = EXCLUDED.reason,
             requested_at = EXCLUDED.requested_at, expires_at = EXCLUDED.expires_at",
        id,
        ctx.user_id(),
        reason,
        now,
        expires_at
    )
    .execute(tx.connection())
    .await?;
    let event = AuditEvent {
        action: AuditAction::OrganisationDeletionRequested,
        actor_user_id: Some(ctx.user_id()),
        subject: &name,
        client_address,
        detail: serde_json::json!({
            "organisation": id, "reason": reason, "expires_at": rfc3339(expires_at),
            "counts": counts,
        }),
    };
    tx.audit_in_scope(event.clone(), now).await?;
    audit::record_platform(tx.connection(), event, now).await?;
    tx.commit().await?;
    Ok(DeletionSummary {
        organisation_id: id,
        name,
        reason: reason.to_owned(),
        counts,
        expires_at: rfc3339(expires_at),
    })
}

/// Step two: deletes the organisation and every row of it, given the caller's own pending
/// request and the organisation's name typed again. Nothing is deleted unless all of it is.
pub async fn confirm(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    confirm_name: &str,
    client_address: &str,
) -> Result<DeletionCounts, AppError> {
    require_console(ctx)?;
    let now = state.clock.now();
    let mut tx = PlatformTx::begin(ctx, state, "delete organisation").await?;
    let name = suspended_organisation(&mut tx, id).await?;
    tx.scope_to(id).await?;
    let pending = sqlx::query!(
        "SELECT requested_by, reason, requested_at, expires_at
         FROM organisation_deletion_requests WHERE organisation_id = $1",
        id
    )
    .fetch_optional(tx.connection())
    .await?;
    let Some(pending) = pending else {
        return Err(refused(
            "request",
            "no_request",
            "There is no pending deletion request for this organisation: ask for the deletion \
             first.",
        ));
    };
    if pending.requested_by != ctx.user_id() {
        return Err(refused(
            "request",
            "requested_by_other",
            "Another super-admin asked for this deletion, and only they can confirm it: ask for \
             it yourself to confirm it.",
        ));
    }
    if pending.expires_at <= now {
        return Err(refused(
            "request",
            "request_expired",
            format!(
                "The deletion request has expired (it lasts {DELETION_CONFIRM_MINUTES} minutes): \
                 ask for the deletion again."
            ),
        ));
    }
    if confirm_name.trim() != name {
        return Err(refused(
            "confirm_name",
            "mismatch",
            "Type the organisation's name exactly as it is shown to confirm.",
        ));
    }
    let deleted = sqlx::query_scalar!(
        r#"SELECT purge_organisation($1, $2, $3) AS "counts!""#,
        id,
        ctx.user_id(),
        now
    )
    .fetch_one(tx.connection())
    .await?;
    let counts: DeletionCounts =
        serde_json::from_value(deleted.clone()).map_err(AppError::internal)?;
    let event = AuditEvent {
        action: AuditAction::OrganisationDeleted,
        actor_user_id: Some(ctx.user_id()),
        subject: &name,
        client_address,
        detail: serde_json::json!({
            "organisation": id, "name": name, "reason": pending.reason,
            "requested_at": rfc3339(pending.requested_at), "counts": deleted,
        }),
    };
    audit::record_platform(tx.connection(), event, now).await?;
    tx.commit().await?;
    tracing::info!(organisation_id = %id, "organisation deleted");
    Ok(counts)
}
