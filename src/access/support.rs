//! Support access: a super-admin enters one organisation's workspace from one browser session,
//! for a stated reason and a limited time. While it is open the guard gives their context that
//! organisation (with an admin's rights), every request they make is audited in the
//! organisation's trail, and every page shows a banner. Leaving, expiry, or signing out ends it.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::{Credential, Ctx};
use crate::access::state::AppState;
use crate::access::tenant::{set_organisation, set_user};
use crate::error::AppError;
use crate::model::account::Role;
use crate::model::admin::{check_reason, SupportBanner, SUPPORT_MAX_MINUTES};
use crate::model::validation::field_error;
use crate::runtime::rfc3339;

/// An open support access, as the guard found it.
#[derive(Debug, Clone)]
pub struct SupportGrant {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub reason: String,
    pub expires_at: OffsetDateTime,
}

impl SupportGrant {
    pub fn banner(&self) -> SupportBanner {
        SupportBanner {
            organisation_name: self.organisation_name.clone(),
            reason: self.reason.clone(),
            expires_at: rfc3339(self.expires_at),
        }
    }
}

/// The support access open on this super-admin's browser session, if any and not expired.
pub async fn open_grant(
    pool: &PgPool,
    super_admin_id: Uuid,
    session_record_id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<SupportGrant>, sqlx::Error> {
    let mut tx = crate::runtime::db::begin(pool).await?;
    set_user(&mut tx, super_admin_id).await?;
    let grant = sqlx::query_as!(
        SupportGrant,
        "SELECT s.id, s.organisation_id, o.name AS organisation_name, s.reason, s.expires_at
         FROM support_access s JOIN organisations o ON o.id = s.organisation_id
         WHERE s.session_id = $1 AND s.super_admin_id = $2 AND s.ended_at IS NULL
           AND s.expires_at > $3",
        session_record_id,
        super_admin_id,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(grant)
}

/// Opens support access to `organisation_id`, ending any other open on this session.
pub async fn enter(
    ctx: &Ctx,
    state: &AppState,
    organisation_id: Uuid,
    reason: &str,
    minutes: i64,
    client_address: &str,
) -> Result<SupportBanner, AppError> {
    ctx.require(Role::SuperAdmin)?;
    // Support access belongs to a browser session (it ends with it); API tokens cannot open it.
    let Credential::Session { record_id } = *ctx.credential() else {
        return Err(AppError::Forbidden);
    };
    let mut problems = Vec::new();
    problems.extend(check_reason("reason", reason));
    if !(1..=SUPPORT_MAX_MINUTES).contains(&minutes) {
        problems.push(field_error(
            "minutes",
            "out_of_range",
            format!("Choose between 1 and {SUPPORT_MAX_MINUTES} minutes."),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation { fields: problems });
    }
    let now = state.clock.now();
    let expires_at = now + time::Duration::minutes(minutes);
    let mut tx = crate::runtime::db::begin(&state.pool).await?;
    set_user(&mut tx, ctx.user_id()).await?;
    let name = sqlx::query_scalar!("SELECT name FROM organisations WHERE id = $1", organisation_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    sqlx::query!(
        "UPDATE support_access SET ended_at = $2 WHERE session_id = $1 AND ended_at IS NULL",
        record_id,
        now
    )
    .execute(&mut *tx)
    .await?;
    set_organisation(&mut tx, organisation_id).await?;
    let id = Uuid::now_v7();
    let reason = reason.trim();
    sqlx::query!(
        "INSERT INTO support_access
             (organisation_id, id, super_admin_id, session_id, reason, started_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        organisation_id,
        id,
        ctx.user_id(),
        record_id,
        reason,
        now,
        expires_at
    )
    .execute(&mut *tx)
    .await?;
    let detail = serde_json::json!({
        "support_access": id, "reason": reason, "expires_at": rfc3339(expires_at),
        "organisation": name,
    });
    let event = |action| AuditEvent {
        action,
        actor_user_id: Some(ctx.user_id()),
        subject: &name,
        client_address,
        detail: detail.clone(),
    };
    audit::record_tenant(&mut tx, organisation_id, event(AuditAction::SupportAccessStarted), now)
        .await?;
    audit::record_platform(&mut *tx, event(AuditAction::SupportAccessStarted), now).await?;
    tx.commit().await?;
    Ok(SupportBanner {
        organisation_name: name,
        reason: reason.to_owned(),
        expires_at: rfc3339(expires_at),
    })
}

/// Ends the caller's open support access; leaving when none is open does nothing.
pub async fn leave(ctx: &Ctx, state: &AppState, client_address: &str) -> Result<(), AppError> {
    ctx.require(Role::SuperAdmin)?;
    let Some(grant) = ctx.support() else {
        return Ok(());
    };
    let now = state.clock.now();
    let mut tx = crate::runtime::db::begin(&state.pool).await?;
    set_user(&mut tx, ctx.user_id()).await?;
    set_organisation(&mut tx, grant.organisation_id).await?;
    sqlx::query!(
        "UPDATE support_access SET ended_at = $3
         WHERE organisation_id = $1 AND id = $2 AND ended_at IS NULL",
        grant.organisation_id,
        grant.id,
        now
    )
    .execute(&mut *tx)
    .await?;
    let event = |action| AuditEvent {
        action,
        actor_user_id: Some(ctx.user_id()),
        subject: &grant.organisation_name,
        client_address,
        detail: serde_json::json!({ "support_access": grant.id }),
    };
    audit::record_tenant(
        &mut tx,
        grant.organisation_id,
        event(AuditAction::SupportAccessEnded),
        now,
    )
    .await?;
    audit::record_platform(&mut *tx, event(AuditAction::SupportAccessEnded), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes "super-admin X did this in organisation Y" for a request made under support access.
/// Called by the guard for every server function, before the function runs.
pub async fn record_action(
    ctx: &Ctx,
    state: &AppState,
    path: &str,
    client_address: &str,
) -> Result<(), AppError> {
    let Some(grant) = ctx.support() else {
        return Ok(());
    };
    let event = AuditEvent {
        action: AuditAction::SupportAction,
        actor_user_id: Some(ctx.user_id()),
        subject: path,
        client_address,
        detail: serde_json::json!({ "support_access": grant.id, "reason": grant.reason }),
    };
    audit::record(&state.pool, Some(grant.organisation_id), event, state.clock.now()).await?;
    Ok(())
}
