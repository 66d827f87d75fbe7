//! The audit trail of security events. Rows are append-only (a trigger refuses changes).

use serde_json::Value;
use sqlx::{Executor, PgPool, Postgres};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::identity::Account;

/// What happened; mirrors the `audit_action` enum in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "audit_action", rename_all = "snake_case")]
pub enum AuditAction {
    LoginSucceeded,
    LoginFailed,
    LoginLocked,
    Logout,
    SessionEnded,
    PasswordChanged,
    TokenIssued,
    RefreshTokenReused,
    SuperAdminCreated,
    PasswordResetRequested,
    PasswordReset,
    PlatformRead,
    OrganisationCreated,
    OrganisationUpdated,
    OrganisationSuspended,
    OrganisationReactivated,
    InvitationCreated,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    RoleChanged,
    UserDeactivated,
    UserReactivated,
    UsersImported,
    /// A member import checked without inviting anyone (`detail.checked` lists the addresses).
    UsersImportChecked,
    SupportAccessStarted,
    SupportAccessEnded,
    /// A request a super-admin made inside an organisation through support access.
    SupportAction,
    MarketCreated,
    MarketUpdated,
    MarketArchived,
    CompetitorSaved,
    CompetitorArchived,
    AlertThresholdChanged,
    /// An organisation's data was downloaded as a ZIP of CSV files.
    DataExported,
    /// Step one of an organisation's deletion: a super-admin asked for it.
    OrganisationDeletionRequested,
    /// Step two: the organisation and every row of it were deleted (platform trail only).
    OrganisationDeleted,
    /// A forgot-password request refused by the throttle, or not answered because the account
    /// already has as many live reset links as it may (`detail.limit` says which).
    PasswordResetThrottled,
}

/// One event: who did it, to what, from where.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub action: AuditAction,
    pub actor_user_id: Option<Uuid>,
    /// The thing acted on, e.g. the email a login was attempted for.
    pub subject: &'a str,
    pub client_address: &'a str,
    pub detail: Value,
}

/// Records an event of the caller's in their organisation's trail, or the platform's when they
/// act outside any (a super-admin), in a transaction of its own.
pub async fn record_for(
    ctx: &Ctx,
    pool: &PgPool,
    event: AuditEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    record(pool, ctx.organisation_id(), event, now).await
}

/// Records an event of an account's where no `Ctx` exists (signing out, a token issued), in its
/// organisation's trail or the platform's.
pub async fn record_for_account(
    pool: &PgPool,
    account: &Account,
    event: AuditEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    record(pool, account.organisation_id, event, now).await
}

/// Records an event in the organisation's trail when it concerns one, else in the platform's.
/// An organisation's entry is written in a transaction scoped to that organisation: `audit_log`
/// is a tenant table under row-level security. Kernel only: outside it, the organisation comes
/// from a context or an account.
pub(super) async fn record(
    pool: &PgPool,
    organisation_id: Option<Uuid>,
    event: AuditEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let Some(organisation_id) = organisation_id else {
        return record_platform(pool, event, now).await;
    };
    let mut tx = crate::access::tenant::begin_scoped(pool, organisation_id).await?;
    record_tenant(&mut tx, organisation_id, event, now).await?;
    tx.commit().await
}

/// Records an organisation's event inside a transaction already scoped to it, so the entry
/// commits (or not) with the change it describes. Kernel only (`TenantTx::audit`,
/// `PlatformTx::audit_in_scope`, `DoorTx::audit`, `SystemCtx::audit`).
pub(super) async fn record_tenant(
    connection: &mut sqlx::PgConnection,
    organisation_id: Uuid,
    event: AuditEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log
             (organisation_id, id, occurred_at, action, actor_user_id, subject,
              client_address, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        organisation_id,
        Uuid::now_v7(),
        now,
        event.action as AuditAction,
        event.actor_user_id,
        event.subject,
        event.client_address,
        event.detail,
    )
    .execute(connection)
    .await?;
    Ok(())
}

/// Records a platform event (not tied to one organisation), on any executor, so it can join
/// the transaction of the change it describes.
pub async fn record_platform<'c, E>(
    executor: E,
    event: AuditEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error>
where
    E: Executor<'c, Database = Postgres>,
{
    sqlx::query!(
        "INSERT INTO platform_audit_log
             (id, occurred_at, action, actor_user_id, subject, client_address, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Uuid::now_v7(),
        now,
        event.action as AuditAction,
        event.actor_user_id,
        event.subject,
        event.client_address,
        event.detail,
    )
    .execute(executor)
    .await?;
    Ok(())
}
