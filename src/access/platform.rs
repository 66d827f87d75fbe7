//! The platform path: a super-admin's reads across organisations.
//!
//! `PlatformTx` is the only code that sets `app.platform`, which a read-only row-level policy
//! honours. It can only be begun from a context holding the super-admin role, and every
//! beginning is written to the platform audit log with what it was for.

use sqlx::{PgConnection, Postgres, Transaction};

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::error::AppError;
use crate::model::account::Role;

pub struct PlatformTx {
    tx: Transaction<'static, Postgres>,
    /// The organisation `scope_to` scoped the transaction to, if any.
    scoped_to: Option<uuid::Uuid>,
}

impl PlatformTx {
    /// Begins an audited cross-organisation read; `purpose` names it in the audit log.
    pub async fn begin(ctx: &Ctx, state: &AppState, purpose: &str) -> Result<PlatformTx, AppError> {
        ctx.require(Role::SuperAdmin)?;
        let mut tx = crate::runtime::db::begin(&state.pool).await?;
        sqlx::query("SELECT set_config('app.platform', 'read', true)").execute(&mut *tx).await?;
        let event = AuditEvent {
            action: AuditAction::PlatformRead,
            actor_user_id: Some(ctx.user_id()),
            subject: purpose,
            client_address: "",
            detail: serde_json::json!({}),
        };
        audit::record_platform(&mut *tx, event, state.clock.now()).await?;
        Ok(PlatformTx { tx, scoped_to: None })
    }

    /// Scopes the rest of this transaction to one organisation, for a super-admin's change to
    /// it (creating it with its first invitation, suspending it): tenant rows of that
    /// organisation, and only those, become writable.
    pub async fn scope_to(&mut self, organisation_id: uuid::Uuid) -> Result<(), AppError> {
        crate::access::tenant::set_organisation(&mut self.tx, organisation_id).await?;
        self.scoped_to = Some(organisation_id);
        Ok(())
    }

    /// Records the super-admin's change in the trail of the organisation `scope_to` named,
    /// committed with the change.
    pub async fn audit_in_scope(
        &mut self,
        event: AuditEvent<'_>,
        now: time::OffsetDateTime,
    ) -> Result<(), AppError> {
        let organisation_id =
            self.scoped_to.ok_or_else(|| AppError::internal("audit_in_scope before scope_to"))?;
        audit::record_tenant(&mut self.tx, organisation_id, event, now).await?;
        Ok(())
    }

    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }
}
