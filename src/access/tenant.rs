//! Transactions scoped to one organisation: the only way tenant tables are reached.
//!
//! `app.org_id` is set with `set_config(..., true)`, which is local to the transaction: it ends
//! with the commit or rollback, so a pooled connection never carries one request's tenant into
//! the next. Row-level security policies compare every tenant row against it.

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::error::AppError;

/// Adds the support access an action was taken under to its audit detail.
pub fn with_support(ctx: &Ctx, mut detail: serde_json::Value) -> serde_json::Value {
    if let (Some(grant), Some(object)) = (ctx.support(), detail.as_object_mut()) {
        object.insert("support_access".into(), serde_json::json!(grant.id));
    }
    detail
}

/// Scopes the rest of this transaction to `organisation_id`. Kernel only: callers outside it go
/// through a context, a door (doors.rs) or the system context (system.rs).
pub(super) async fn set_organisation(
    connection: &mut PgConnection,
    organisation_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.org_id', $1, true)")
        .bind(organisation_id.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Begins a transaction already scoped to `organisation_id`, in one round trip: `BEGIN` and the
/// setting go together as one simple query, where a bound parameter would need a second round
/// trip (the benchmark counts every one of them; docs/performance.md).
pub(super) async fn begin_scoped(
    pool: &PgPool,
    organisation_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // Formatting a value into SQL is safe here only because it is a `Uuid`: its text form is
    // hex digits and hyphens, nothing that could end the string literal.
    let organisation_id: Uuid = organisation_id;
    let statement = format!("BEGIN; SELECT set_config('app.org_id', '{organisation_id}', true)");
    crate::runtime::db::begin_with(pool, Some(statement)).await
}

/// Begins a transaction that acts for `user_id`'s own account, in one round trip: `app.user_id`
/// names it, which is what lets row-level security show and change that one `users` row outside
/// an organisation's scope (signing in, changing one's password, a reset link, creating an
/// account). With `organisation_id`, the transaction is also scoped to it, as [`begin_scoped`].
///
/// Only for a user already proven: the session or token the guard checked, a verified password,
/// a signed link, an account being created. The setting is transaction-local like `app.org_id`.
pub(super) async fn begin_as_user(
    pool: &PgPool,
    user_id: Uuid,
    organisation_id: Option<Uuid>,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // Formatted into SQL only because both are `Uuid`s (hex digits and hyphens), as in
    // `begin_scoped`.
    let user_id: Uuid = user_id;
    let mut statement = format!("BEGIN; SELECT set_config('app.user_id', '{user_id}', true)");
    if let Some(organisation_id) = organisation_id {
        let organisation_id: Uuid = organisation_id;
        statement
            .push_str(&format!("; SELECT set_config('app.org_id', '{organisation_id}', true)"));
    }
    crate::runtime::db::begin_with(pool, Some(statement)).await
}

/// Begins a transaction acting for the caller's own account (their `users` row), outside any
/// organisation's scope: changing their password, ending their other sessions.
pub async fn begin_own_account(
    ctx: &Ctx,
    pool: &PgPool,
) -> Result<Transaction<'static, Postgres>, AppError> {
    Ok(begin_as_user(pool, ctx.user_id(), None).await?)
}

/// Lets the rest of this transaction read `user_id`'s own membership (the guard's lookup) and
/// own `users` row (e.g. the account an invitation creates).
pub(super) async fn set_user(
    connection: &mut PgConnection,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.user_id', $1, true)")
        .bind(user_id.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// A transaction scoped to the context's organisation. Obtained only from a context, so tenant
/// work cannot start without the guard having run.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    organisation_id: Uuid,
}

impl TenantTx {
    /// Begins a transaction for the context's organisation; a context without one (a
    /// super-admin outside support access) is refused.
    pub async fn begin(ctx: &Ctx, pool: &PgPool) -> Result<TenantTx, AppError> {
        let organisation_id = ctx.organisation_id().ok_or(AppError::Forbidden)?;
        let tx = begin_scoped(pool, organisation_id).await?;
        Ok(TenantTx { tx, organisation_id })
    }

    /// A transaction `begin_scoped` opened, for the system context (system.rs), whose work has
    /// no `Ctx`.
    pub(super) fn scoped(tx: Transaction<'static, Postgres>, organisation_id: Uuid) -> TenantTx {
        TenantTx { tx, organisation_id }
    }

    pub fn organisation_id(&self) -> Uuid {
        self.organisation_id
    }

    /// The connection to run queries on.
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Records an audit entry of this organisation, committed with the transaction's change.
    /// A super-admin acting through support access is marked as such in the entry.
    pub async fn audit(
        &mut self,
        ctx: &Ctx,
        event: AuditEvent<'_>,
        now: time::OffsetDateTime,
    ) -> Result<(), AppError> {
        let event = AuditEvent { detail: with_support(ctx, event.detail), ..event };
        audit::record_tenant(&mut self.tx, self.organisation_id, event, now).await?;
        Ok(())
    }

    /// Ends a change of one row, audited: `changed` is what the statement returned of the row
    /// (its name or email, the entry's subject), `None` when it matched no row of this
    /// organisation (404, and nothing is kept); then the entry by the caller, then the commit.
    pub async fn finish_one_row_change(
        mut self,
        ctx: &Ctx,
        changed: Option<String>,
        action: AuditAction,
        client_address: &str,
        detail: serde_json::Value,
        now: time::OffsetDateTime,
    ) -> Result<(), AppError> {
        let subject = changed.ok_or(AppError::NotFound)?;
        let event = AuditEvent {
            action,
            actor_user_id: Some(ctx.user_id()),
            subject: &subject,
            client_address,
            detail,
        };
        self.audit(ctx, event, now).await?;
        self.commit().await
    }

    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Ends the transaction keeping nothing, before the connection is used for anything else
    /// (dropping it rolls back too, but only when the connection is next used).
    pub async fn rollback(self) -> Result<(), AppError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
