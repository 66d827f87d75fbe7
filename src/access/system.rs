//! The one context for work without a user: the demo seed and the host's background rounds
//! (maintenance, answering reset requests, the mail outbox) today; price collection, digests and
//! webhooks next. A `SystemCtx` names its job: its log lines carry `job` (`span`). Each
//! transaction it opens is scoped to one organisation (`begin`), and what it records in an
//! organisation's audit trail has no actor and says `system:<job>` in its detail. The rounds of
//! today read only the platform's own tables (the outbox, the reset queue, expired sign-in
//! state: no `organisation_id`, no row-level security), so they open no scoped transaction.
//! `tests/structure.rs` allows it only in the host (and the benchmark, in `src/bin/`).

use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{self, AuditEvent};
use crate::access::tenant::{begin_scoped, set_organisation, set_user, TenantTx};
use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct SystemCtx {
    job: &'static str,
}

impl SystemCtx {
    pub const fn new(job: &'static str) -> Self {
        SystemCtx { job }
    }

    /// The span the job's log lines carry (`job`), for work that runs on its own.
    pub fn span(&self) -> tracing::Span {
        tracing::info_span!("system", job = self.job)
    }

    /// `system:<job>`, as the audit log names this work.
    pub fn actor(&self) -> String {
        format!("system:{}", self.job)
    }

    /// Begins a transaction scoped to one organisation, for this job.
    pub async fn begin(
        &self,
        pool: &PgPool,
        organisation_id: Uuid,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        begin_scoped(pool, organisation_id).await
    }

    /// A `TenantTx` of one organisation for this job, for the data functions that take one (the
    /// demo's alerts go through the real evaluation).
    pub async fn tenant_tx(
        &self,
        pool: &PgPool,
        organisation_id: Uuid,
    ) -> Result<TenantTx, AppError> {
        Ok(TenantTx::scoped(begin_scoped(pool, organisation_id).await?, organisation_id))
    }

    /// Scopes a running transaction to `organisation_id` instead of the one before: the demo
    /// seed writes both demo organisations in one transaction, one after the other, so a
    /// half-seeded demo is never left behind.
    pub async fn rescope(
        &self,
        connection: &mut PgConnection,
        organisation_id: Uuid,
    ) -> Result<(), sqlx::Error> {
        set_organisation(connection, organisation_id).await
    }

    /// Lets a running transaction create one new account's own `users` row (the demo accounts).
    pub async fn admit_new_account(
        &self,
        connection: &mut PgConnection,
        user_id: Uuid,
    ) -> Result<(), sqlx::Error> {
        set_user(connection, user_id).await
    }

    /// Records an entry by this job in the trail of the organisation the transaction is scoped
    /// to: no actor, `detail.actor` = `system:<job>`.
    pub async fn audit(
        &self,
        connection: &mut PgConnection,
        organisation_id: Uuid,
        event: AuditEvent<'_>,
        now: OffsetDateTime,
    ) -> Result<(), sqlx::Error> {
        let mut detail = event.detail;
        match detail.as_object_mut() {
            Some(object) => {
                object.insert("actor".into(), Value::String(self.actor()));
            }
            None => detail = serde_json::json!({ "actor": self.actor(), "detail": detail }),
        }
        let event = AuditEvent { actor_user_id: None, detail, ..event };
        audit::record_tenant(connection, organisation_id, event, now).await
    }
}
